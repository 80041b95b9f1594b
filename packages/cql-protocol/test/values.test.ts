import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import cassandra from 'cassandra-driver';
import type { CqlType, PrimitiveTypeName } from '../src/types.ts';
import { decodeValue, encodeValue, renderValue, toDriverType } from '../src/values.ts';

const { BigDecimal, Duration, InetAddress, Integer, LocalDate, LocalTime, Long, TimeUuid, Tuple, Uuid } = cassandra.types;

const V4 = 4;
const HOUR = 3_600_000_000_000;

const p = (name: PrimitiveTypeName): CqlType => ({ kind: 'primitive', name });
const list = (element: CqlType): CqlType => ({ kind: 'list', element });
const set = (element: CqlType): CqlType => ({ kind: 'set', element });
const map = (key: CqlType, value: CqlType): CqlType => ({ kind: 'map', key, value });

const address: CqlType = {
  kind: 'udt',
  keyspace: 'ks',
  name: 'address',
  fields: [
    { name: 'street', type: p('varchar') },
    { name: 'Zip Code', type: p('int') },
    { name: 'tags', type: map(p('varchar'), list(p('int'))) },
  ],
};
const tuple: CqlType = { kind: 'tuple', elements: [p('int'), p('varchar'), set(p('bigint'))] };
const durationClass: CqlType = { kind: 'custom', className: 'org.apache.cassandra.db.marshal.DurationType' };

interface Row {
  readonly name: string;
  readonly type: CqlType;
  readonly value: unknown;
  readonly rendered: string;
  /** What decoding gives back, when it is not `value` itself (a float loses precision). */
  readonly decoded?: unknown;
}

const uuid = Uuid.fromString('123e4567-e89b-12d3-a456-426614174000');
const timeuuid = TimeUuid.fromString('50554d6e-29bb-11e5-b345-feff819cdc9f');

const ROWS: readonly Row[] = [
  { name: 'ascii', type: p('ascii'), value: 'plain ascii', rendered: "'plain ascii'" },
  { name: 'bigint beyond 2^53', type: p('bigint'), value: -9007199254740993n, rendered: '-9007199254740993' },
  { name: 'blob', type: p('blob'), value: Buffer.from('cafe', 'hex'), rendered: '0xcafe' },
  { name: 'empty blob', type: p('blob'), value: Buffer.alloc(0), rendered: '0x' },
  { name: 'boolean', type: p('boolean'), value: true, rendered: 'true' },
  { name: 'counter', type: p('counter'), value: 42n, rendered: '42' },
  { name: 'decimal', type: p('decimal'), value: BigDecimal.fromString('-123.4500'), rendered: '-123.4500' },
  { name: 'decimal below one', type: p('decimal'), value: new BigDecimal(Integer.fromNumber(-12345) as unknown as number, 7), rendered: '-0.0012345' },
  { name: 'decimal with a negative scale', type: p('decimal'), value: new BigDecimal(Integer.fromNumber(12) as unknown as number, -3), rendered: '12E+3' },
  { name: 'double', type: p('double'), value: 3.141592653589793, rendered: '3.141592653589793' },
  { name: 'double NaN', type: p('double'), value: NaN, rendered: 'NaN' },
  { name: 'double -Infinity', type: p('double'), value: -Infinity, rendered: '-Infinity' },
  { name: 'float', type: p('float'), value: 0.1, decoded: Math.fround(0.1), rendered: '0.1' },
  { name: 'int', type: p('int'), value: -2147483648, rendered: '-2147483648' },
  { name: 'timestamp', type: p('timestamp'), value: new Date(Date.UTC(2024, 0, 31, 12, 34, 56, 789)), rendered: '2024-01-31T12:34:56.789Z' },
  { name: 'timestamp before 1970', type: p('timestamp'), value: new Date(Date.UTC(1969, 6, 20, 20, 17, 40)), rendered: '1969-07-20T20:17:40.000Z' },
  { name: 'uuid', type: p('uuid'), value: uuid, rendered: '123e4567-e89b-12d3-a456-426614174000' },
  { name: 'varchar', type: p('varchar'), value: "it's 'quoted', ünïcödé ✓", rendered: "'it''s ''quoted'', ünïcödé ✓'" },
  { name: 'empty varchar', type: p('varchar'), value: '', rendered: "''" },
  { name: 'varint', type: p('varint'), value: 2n ** 70n + 1n, rendered: '1180591620717411303425' },
  { name: 'negative varint', type: p('varint'), value: -129n, rendered: '-129' },
  { name: 'timeuuid', type: p('timeuuid'), value: timeuuid, rendered: '50554d6e-29bb-11e5-b345-feff819cdc9f' },
  { name: 'inet v4', type: p('inet'), value: InetAddress.fromString('10.0.0.1'), rendered: '10.0.0.1' },
  { name: 'inet v6', type: p('inet'), value: InetAddress.fromString('2001:db8::1'), rendered: '2001:db8::1' },
  { name: 'date', type: p('date'), value: new LocalDate(2024, 1, 31), rendered: '2024-01-31' },
  { name: 'time', type: p('time'), value: LocalTime.fromString('12:34:56.789'), rendered: '12:34:56.789000000' },
  { name: 'time at midnight', type: p('time'), value: LocalTime.fromString('00:00:00'), rendered: '00:00:00.000000000' },
  { name: 'smallint', type: p('smallint'), value: -32768, rendered: '-32768' },
  { name: 'tinyint', type: p('tinyint'), value: 127, rendered: '127' },
  { name: 'duration', type: p('duration'), value: new Duration(1, 2, 3 * HOUR), rendered: '1mo2d3h' },
  { name: 'duration of every unit', type: p('duration'), value: new Duration(18, 3, Long.fromString('14706007008009')), rendered: '1y6mo3d4h5m6s7ms8us9ns' },
  { name: 'negative duration', type: p('duration'), value: new Duration(0, -2, -90_000_000_000), rendered: '-2d1m30s' },
  { name: 'zero duration', type: p('duration'), value: new Duration(0, 0, 0), rendered: '0s' },
  { name: 'duration as protocol v4 sends it (custom)', type: durationClass, value: new Duration(1, 2, 3 * HOUR), rendered: '1mo2d3h' },
  { name: 'custom type', type: { kind: 'custom', className: 'com.example.Opaque' }, value: Buffer.from('0102', 'hex'), rendered: '0x0102' },
  { name: 'list', type: list(p('int')), value: [1, 2, 3], rendered: '[1, 2, 3]' },
  { name: 'set', type: set(p('varchar')), value: new Set(['a', "b'c"]), rendered: "{'a', 'b''c'}" },
  { name: 'map with typed keys', type: map(p('int'), p('boolean')), value: new Map([[1, true], [2, false]]), rendered: '{1: true, 2: false}' },
  { name: 'map of text', type: map(p('varchar'), p('varchar')), value: new Map([['a', 'x']]), rendered: "{'a': 'x'}" },
  {
    name: 'nested frozen collections',
    type: map(p('uuid'), list(set(p('int')))),
    value: new Map([[uuid, [new Set([1, 2]), new Set([3])]]]),
    rendered: '{123e4567-e89b-12d3-a456-426614174000: [{1, 2}, {3}]}',
  },
  {
    name: 'udt with a nested collection',
    type: address,
    value: { street: "Main St'", 'Zip Code': 12345, tags: new Map([['a', [1, 2]]]) },
    rendered: "{\"street\": 'Main St''', \"Zip Code\": 12345, \"tags\": {'a': [1, 2]}}",
  },
  {
    name: 'udt with a null field',
    type: address,
    value: { street: 'x', 'Zip Code': null, tags: null },
    rendered: "{\"street\": 'x', \"Zip Code\": null, \"tags\": null}",
  },
  { name: 'tuple', type: tuple, value: new Tuple(1, 'a', new Set([5n, 6n])), rendered: "(1, 'a', {5, 6})" },
  { name: 'tuple with a null element', type: tuple, value: new Tuple(1, null, new Set([7n])), rendered: '(1, null, {7})' },
];

/** Driver classes compare with equals(); the rest structurally. */
function assertSame(actual: unknown, expected: unknown): void {
  const equals = (expected as { equals?: unknown } | null)?.equals;
  if (typeof equals === 'function') {
    assert.equal((actual as object).constructor, (expected as object).constructor);
    assert.ok((equals as (other: unknown) => boolean).call(expected, actual), `${String(actual)} is not ${String(expected)}`);
  } else {
    assert.deepStrictEqual(actual, expected);
  }
}

describe('values', () => {
  for (const row of ROWS) {
    it(`${row.name}: encodes, decodes back and renders ${row.rendered}`, () => {
      const bytes = encodeValue(row.value, row.type, V4);
      assert.ok(Buffer.isBuffer(bytes));
      assertSame(decodeValue(bytes, row.type, V4), row.decoded ?? row.value);
      assert.equal(renderValue(bytes, row.type, V4), row.rendered);
    });
  }

  it('null encodes to null, decodes to null and renders as null', () => {
    for (const type of [p('int'), p('varchar'), list(p('int')), address, tuple]) {
      assert.equal(encodeValue(null, type, V4), null);
      assert.equal(encodeValue(undefined, type, V4), null);
      assert.equal(decodeValue(null, type, V4), null);
      assert.equal(renderValue(null, type, V4), 'null');
    }
  });

  it('an empty value of a type that cannot be empty in CQL renders as <empty>', () => {
    assert.equal(decodeValue(Buffer.alloc(0), p('int'), V4), null);
    assert.equal(renderValue(Buffer.alloc(0), p('int'), V4), '<empty>');
    assert.equal(renderValue(Buffer.alloc(0), p('ascii'), V4), "''");
  });

  it('an empty collection literal decodes to an empty collection', () => {
    assert.equal(encodeValue([], list(p('int')), V4), null); // what the driver sends for []
    const empty = Buffer.alloc(4);
    assert.deepStrictEqual(decodeValue(empty, list(p('int')), V4), []);
    assert.equal(renderValue(empty, list(p('int')), V4), '[]');
    assert.equal(renderValue(empty, set(p('int')), V4), '{}');
    assert.equal(renderValue(empty, map(p('int'), p('int')), V4), '{}');
  });

  it('accepts what the driver accepts besides its own classes', () => {
    assertSame(decodeValue(encodeValue('123e4567-e89b-12d3-a456-426614174000', p('uuid'), V4), p('uuid'), V4), uuid);
    assertSame(decodeValue(encodeValue('::1', p('inet'), V4), p('inet'), V4), InetAddress.fromString('::1'));
    assert.equal(renderValue(encodeValue('::1', p('inet'), V4), p('inet'), V4), '::1');
    assert.equal(renderValue(encodeValue(['-9223372036854775808'], set(p('varchar')), V4), set(p('varchar')), V4), "{'-9223372036854775808'}");
    assert.equal(renderValue(encodeValue({ a: 1 }, map(p('varchar'), p('int')), V4), map(p('varchar'), p('int')), V4), "{'a': 1}");
  });

  it('writes collection lengths in two bytes for protocol v2', () => {
    const type = map(p('varchar'), list(p('int')));
    const bytes = encodeValue(new Map([['k', [1, 2]]]), type, 2);
    assert.equal(bytes?.toString('hex'), '0001' + '0001' + '6b' + '000e' + '0002' + '0004' + '00000001' + '0004' + '00000002');
    assert.deepStrictEqual(decodeValue(bytes, type, 2), new Map([['k', [1, 2]]]));
    assert.equal(renderValue(bytes, type, 2), "{'k': [1, 2]}");
    assert.equal(renderValue(bytes, type, 4), '<21 bytes unreadable as map<text, list<int>>>');
  });

  it('reads a UDT that ends before its last fields (fields added since) as nulls', () => {
    const full = encodeValue({ street: 'x', 'Zip Code': 1, tags: null }, address, V4)!;
    const short = full.subarray(0, 4 + 1); // just street
    assert.deepStrictEqual(decodeValue(short, address, V4), { street: 'x' });
    assert.equal(renderValue(short, address, V4), "{\"street\": 'x', \"Zip Code\": null, \"tags\": null}");
  });

  it('renders bytes that do not fit the type as unreadable, and decodeValue throws a RangeError', () => {
    const cases: [Buffer, CqlType, string][] = [
      [Buffer.from('000001', 'hex'), p('int'), '<3 bytes unreadable as int>'],
      [Buffer.from('0000000001', 'hex'), p('int'), '<5 bytes unreadable as int>'],
      [Buffer.alloc(15), p('uuid'), '<15 bytes unreadable as uuid>'],
      [Buffer.alloc(5), p('inet'), '<5 bytes unreadable as inet>'],
      [Buffer.alloc(3), p('decimal'), '<3 bytes unreadable as decimal>'],
      [Buffer.from('02', 'hex'), p('duration'), '<1 bytes unreadable as duration>'],
      [encodeValue([1, 2, 3], list(p('int')), V4)!.subarray(0, 20), list(p('int')), '<20 bytes unreadable as list<int>>'],
      [encodeValue(['abc'], list(p('varchar')), V4)!.subarray(0, 10), list(p('varchar')), '<10 bytes unreadable as list<text>>'],
      [Buffer.concat([encodeValue([1], list(p('int')), V4)!, Buffer.from([0])]), list(p('int')), '<13 bytes unreadable as list<int>>'],
      [encodeValue(new Map([['k', [1, 2]]]), map(p('varchar'), list(p('int'))), V4)!.subarray(0, 30), map(p('varchar'), list(p('int'))), '<30 bytes unreadable as map<text, list<int>>>'],
      [encodeValue({ street: 'x', 'Zip Code': 1, tags: null }, address, V4)!.subarray(0, 9), address, '<9 bytes unreadable as ks.address>'],
      [encodeValue(new Tuple(1, 'a', new Set([5n])), tuple, V4)!.subarray(0, 12), tuple, '<12 bytes unreadable as tuple<int, text, set<bigint>>>'],
    ];
    for (const [bytes, type, rendered] of cases) {
      assert.equal(renderValue(bytes, type, V4), rendered);
      assert.throws(() => decodeValue(bytes, type, V4), RangeError, rendered);
    }
  });

  it('refuses to encode a value the type cannot hold', () => {
    assert.throws(() => encodeValue('not a number', p('int'), V4), TypeError);
    assert.throws(() => encodeValue(cassandra.types.unset, p('int'), V4), TypeError);
  });

  it('gives the driver the {code, info} shape of each kind of type', () => {
    assert.deepStrictEqual(toDriverType(p('varchar')), { code: 0x0d });
    assert.deepStrictEqual(toDriverType(durationClass), { code: 0, info: 'org.apache.cassandra.db.marshal.DurationType' });
    assert.deepStrictEqual(toDriverType(list(p('int'))), { code: 0x20, info: { code: 0x09 } });
    assert.deepStrictEqual(toDriverType(set(p('int'))), { code: 0x22, info: { code: 0x09 } });
    assert.deepStrictEqual(toDriverType(map(p('varchar'), p('int'))), { code: 0x21, info: [{ code: 0x0d }, { code: 0x09 }] });
    assert.deepStrictEqual(toDriverType(tuple), { code: 0x31, info: [{ code: 0x09 }, { code: 0x0d }, { code: 0x22, info: { code: 0x02 } }] });
    assert.deepStrictEqual(toDriverType(address), {
      code: 0x30,
      info: {
        name: 'address',
        keyspace: 'ks',
        fields: [
          { name: 'street', type: { code: 0x0d } },
          { name: 'Zip Code', type: { code: 0x09 } },
          { name: 'tags', type: { code: 0x21, info: [{ code: 0x0d }, { code: 0x20, info: { code: 0x09 } }] } },
        ],
      },
    });
    assert.equal(toDriverType(address), toDriverType(address), 'converted once per type');
  });
});
