import assert from 'node:assert/strict';
import { it } from 'node:test';
import { BSON, BSONRegExp, BSONSymbol, Binary, Code, DBRef, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, UUID } from 'bson';
import { docJson, fromBson, shred } from '../src/index.ts';

/** A document as the driver hands it over when read with promoteValues: false: BSON's own classes, after a trip through BSON bytes. */
function read(document: Record<string, unknown>): Record<string, unknown> {
  return BSON.deserialize(BSON.serialize(document), { promoteValues: false });
}

it('maps every BSON type the Data API has a form for, each value exactly', () => {
  const mapped = fromBson(read({
    _id: new ObjectId('64b7f0c2a1b2c3d4e5f60718'),
    int: new Int32(-7),
    long: Long.fromString('9007199254740993'),
    double: new Double(0.1),
    whole: new Double(30),
    tiny: new Double(1e-7),
    decimal: Decimal128.fromString('1234567890.123456789012345678901230'),
    date: new Date('2026-11-29T05:00:00.123Z'),
    uuid: new UUID('8a251cdc-624e-4b10-a290-1aaad0bb57d0'),
    bytes: new Binary(Buffer.from([0, 1, 2, 255]), 0),
    text: 'é',
    flag: false,
    nothing: null,
    nested: { list: [1, { deep: 'x' }] },
  }));
  assert.ok('document' in mapped);
  assert.equal(
    docJson({ _id: null, ...mapped.document }),
    '{"_id":{"$objectId":"64b7f0c2a1b2c3d4e5f60718"},"int":-7,"long":9007199254740993,"double":0.1,"whole":30,"tiny":1E-7,"decimal":1234567890.12345678901234567890123,' +
      '"date":{"$date":1795928400123},"uuid":{"$uuid":"8a251cdc-624e-4b10-a290-1aaad0bb57d0"},"bytes":{"$binary":"AAEC/w=="},"text":"é","flag":false,"nothing":null,"nested":{"list":[1,{"deep":"x"}]}}',
  );
  const row = shred(mapped.document);
  assert.ok('key' in row);
  assert.deepEqual(row.key, [1, '64b7f0c2a1b2c3d4e5f60718']);
  assert.equal(row.queryTimestampValues.get('date'), 1795928400123n);
  assert.equal(row.queryTextValues.get('uuid'), '8a251cdc-624e-4b10-a290-1aaad0bb57d0');
  assert.equal(row.queryTextValues.get('bytes'), 'AAEC/w==');
  assert.equal(row.queryDblValues.get('long')?.toString(), '9007199254740993');
});

it('names the value of each BSON type that has no Data API form, with its path', () => {
  const cases: [unknown, RegExp][] = [
    [new Timestamp({ t: 1, i: 2 }), /^a\.0 is a BSON Timestamp/],
    [new BSONRegExp('x', 'i'), /^a\.0 is a regular expression, which has no Data API mapping/],
    [new MinKey(), /^a\.0 is a BSON MinKey/],
    [new MaxKey(), /^a\.0 is a BSON MaxKey/],
    [new Code('function () {}'), /^a\.0 is a BSON Code/],
    [new DBRef('c', new ObjectId()), /^a\.0 is a BSON DBRef/],
    [new BSONSymbol('s'), /^a\.0 is a BSON BSONSymbol/],
    [new Double(Number.NaN), /^a\.0 is NaN, which JSON cannot hold/],
    [Decimal128.fromString('Infinity'), /^a\.0 is the Decimal128 Infinity, which JSON cannot hold/],
  ];
  for (const [value, reason] of cases) {
    const mapped = fromBson(read({ _id: 1, a: [value] }));
    assert.ok('bad' in mapped, String(value));
    assert.match(mapped.bad, reason);
  }
  assert.match((fromBson({ _id: 1, u: undefined }) as { bad: string }).bad, /^u is undefined/);
});
