import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DOCUMENT_LIMITS, JsonNumber, parseDocument, shred, type CollectionRow, type DocObject } from '../src/index.ts';

/**
 * Expected rows: the Data API's own shredder tests (stargate/data-api DocumentShredderTest,
 * DocumentShredderWithExtendedTypesTest, DocValueHasherTest), and examples worked through its
 * algorithm where its tests leave a value unstated (MD5 hashes, numbers with a fraction).
 */
function row(json: string): CollectionRow {
  const shredded = shred(parseDocument(json) as DocObject);
  if ('bad' in shredded) throw new Error(shredded.bad);
  return shredded;
}

/** A row's columns as plain sorted lists, to compare with what the Data API writes. */
function plain(r: CollectionRow): Record<string, unknown> {
  const sorted = <T>(entries: Iterable<T>): T[] => [...entries].sort();
  return {
    key: r.key,
    docJson: r.docJson,
    existKeys: sorted(r.existKeys),
    arraySize: sorted([...r.arraySize].map(([k, v]) => `${k}=${v}`)),
    arrayContains: sorted(r.arrayContains),
    queryBoolValues: sorted([...r.queryBoolValues].map(([k, v]) => `${k}=${v}`)),
    queryDblValues: sorted([...r.queryDblValues].map(([k, v]) => `${k}=${v.toString()}`)),
    queryTextValues: sorted([...r.queryTextValues].map(([k, v]) => `${k}=${v}`)),
    queryTimestampValues: sorted([...r.queryTimestampValues].map(([k, v]) => `${k}=${v}`)),
    queryNullValues: sorted(r.queryNullValues),
  };
}

describe('shred, as the Data API does', () => {
  it('a flat document with an array (DocumentShredderTest.shredSimpleWithId, without $vector)', () => {
    assert.deepEqual(plain(row('{ "_id":"abc", "name":"Bob", "values":[1,2], "extra_stuff":true, "nullable":null }')), {
      key: [1, 'abc'],
      docJson: '{"_id":"abc","name":"Bob","values":[1,2],"extra_stuff":true,"nullable":null}',
      existKeys: ['_id', 'extra_stuff', 'name', 'nullable', 'values', 'values.0', 'values.1'],
      arraySize: ['values=2'],
      arrayContains: ['extra_stuff B1', 'name SBob', 'nullable Z', 'values N1', 'values N2', 'values.0 N1', 'values.1 N2'],
      queryBoolValues: ['extra_stuff=1'],
      queryDblValues: ['values.0=1', 'values.1=2'],
      queryTextValues: ['_id=abc', 'name=Bob', 'values=A2\nN1\nN2'],
      queryTimestampValues: [],
      queryNullValues: ['nullable'],
    });
  });

  it('a name with a dot beside the same path through an object (shredOverlappingPaths)', () => {
    const r = plain(row('{ "_id":"doc1", "price":{"usd":5}, "price.usd":8.5 }'));
    assert.equal(r['docJson'], '{"_id":"doc1","price":{"usd":5},"price.usd":8.5}');
    assert.deepEqual(r['existKeys'], ['_id', 'price', 'price&.usd', 'price.usd']);
    assert.deepEqual(r['arrayContains'], ['price&.usd N8.5', 'price.usd N5']);
    assert.deepEqual(r['queryDblValues'], ['price&.usd=8.5', 'price.usd=5']);
    assert.deepEqual(r['queryTextValues'], ['_id=doc1', 'price=O1\nusd\nN5']);
  });

  it('a number _id and a date (EJSONDateTime.shredDocWithDateTimeColumn)', () => {
    const r = plain(row('{ "_id":123, "name":"Bob", "datetime":{"$date":1672531200000} }'));
    assert.deepEqual(r['key'], [2, '123']);
    assert.deepEqual(r['arrayContains'], ['datetime T1672531200000', 'name SBob']);
    assert.deepEqual(r['queryDblValues'], ['_id=123']);
    assert.deepEqual(r['queryTimestampValues'], ['datetime=1672531200000']);
    assert.deepEqual(r['existKeys'], ['_id', 'datetime', 'name']);
    assert.deepEqual(plain(row('{"_id":true,"name":"Bob"}'))['queryBoolValues'], ['_id=1']);
    assert.deepEqual(row('{"_id":true}').key, [3, 'true']);
  });

  it('uuids and ObjectIds: the key and the text column in lower case, a long value hashed (WithExtendedTypes)', () => {
    const uuid = plain(row('{ "_id":{"$uuid":"128a5eb5-008a-4e4e-ac1f-0d4255f00f61"}, "name":"Bob", "extraId":{"$uuid":"8a251cdc-624e-4b10-a290-1aaad0bb57d0"} }'));
    assert.deepEqual(uuid['key'], [1, '128a5eb5-008a-4e4e-ac1f-0d4255f00f61']);
    assert.deepEqual(uuid['arrayContains'], ['extraId d6DZLqukbYk77BIWxyjlIw', 'name SBob']);
    assert.deepEqual(uuid['queryTextValues'], ['_id=128a5eb5-008a-4e4e-ac1f-0d4255f00f61', 'extraId=8a251cdc-624e-4b10-a290-1aaad0bb57d0', 'name=Bob']);
    const objectId = plain(row('{ "_id":{"$objectId":"1234567890abcdef12345678"}, "name":"Bob", "objectId2":{"$objectId":"1234567890abcdef87654321"} }'));
    assert.deepEqual(objectId['key'], [1, '1234567890abcdef12345678']);
    assert.deepEqual(objectId['arrayContains'], ['name SBob', 'objectId2 EbT3A1iv31PvcYW5O7g3iQ']);
  });

  it('a date _id, escapes, nested arrays and objects in arrays, a long string, numbers as BigDecimals', () => {
    const r = plain(row('{ "_id":{"$date":1672531200000}, "a&b":{"c.d":[[1,2.50],{"x":null,"y":false},"a string that is long enough"]}, "n":10.0, "e":[], "o":{} }'));
    assert.deepEqual(r['key'], [5, '1672531200000']);
    assert.equal(r['docJson'], '{"_id":{"$date":1672531200000},"a&b":{"c.d":[[1,2.5],{"x":null,"y":false},"a string that is long enough"]},"n":1E+1,"e":[],"o":{}}');
    assert.deepEqual(r['existKeys'], ['_id', 'a&&b', 'a&&b.c&.d', 'a&&b.c&.d.0', 'a&&b.c&.d.0.0', 'a&&b.c&.d.0.1', 'a&&b.c&.d.1', 'a&&b.c&.d.1.x', 'a&&b.c&.d.1.y', 'a&&b.c&.d.2', 'e', 'n', 'o']);
    assert.deepEqual(r['arraySize'], ['a&&b.c&.d.0=2', 'a&&b.c&.d=3', 'e=0']);
    assert.deepEqual(r['arrayContains'], [
      'a&&b.c&.d A2\nN1\nN2.5',
      'a&&b.c&.d NVhERFeGbWadbXX4Py3rSA',
      'a&&b.c&.d O2\nx\nZ\ny\nB0',
      'a&&b.c&.d.0 N1',
      'a&&b.c&.d.0 N2.5',
      'a&&b.c&.d.0.0 N1',
      'a&&b.c&.d.0.1 N2.5',
      'a&&b.c&.d.1.x Z',
      'a&&b.c&.d.1.y B0',
      'a&&b.c&.d.2 NVhERFeGbWadbXX4Py3rSA',
      'n N10',
    ]);
    assert.deepEqual(r['queryDblValues'], ['a&&b.c&.d.0.0=1', 'a&&b.c&.d.0.1=2.5', 'n=1E+1']);
    assert.deepEqual(r['queryTextValues'], ['a&&b.c&.d.0=A2\nN1\nN2.5', 'a&&b.c&.d.1=O2\nx\nZ\ny\nB0', 'a&&b.c&.d.2=a string that is long enough', 'a&&b.c&.d=k9cZnmfx9+wUHIj34tWN+g', 'a&&b=P/A/WpXiG2fvp7IBbwC9/Q', 'e=A0', 'o=O0']);
    assert.deepEqual(r['queryTimestampValues'], ['_id=1672531200000']);
    assert.deepEqual(r['queryNullValues'], ['a&&b.c&.d.1.x']);
  });

  it('a null _id; extended values in an array hash as objects under the array, as values under their own path', () => {
    const r = plain(row('{ "_id":null, "tags":["x",{"$date":5},{"$uuid":"8A251CDC-624E-4B10-A290-1AAAD0BB57D0"}], "big":1e3, "neg":-2.5e-3 }'));
    assert.deepEqual(r['key'], [4, 'null']);
    assert.equal(r['docJson'], '{"_id":null,"tags":["x",{"$date":5},{"$uuid":"8A251CDC-624E-4B10-A290-1AAAD0BB57D0"}],"big":1E+3,"neg":-0.0025}');
    assert.deepEqual(r['arrayContains'], ['big N1000', 'neg N-0.0025', 'tags JYWtnJDiKUnYoUqZbugYwA', 'tags Sx', 'tags T5', 'tags.0 Sx', 'tags.1 T5', 'tags.2 d6DZLqukbYk77BIWxyjlIw']);
    assert.deepEqual(r['queryTextValues'], ['tags.0=x', 'tags.2=8a251cdc-624e-4b10-a290-1aaad0bb57d0', 'tags=7BKlXLKMk0xWj64n2W1wNA']);
    assert.deepEqual(r['queryTimestampValues'], ['tags.1=5']);
    assert.deepEqual(r['queryNullValues'], ['_id']);
  });

  it('writes doc_json with _id first and strings escaped as Jackson does', () => {
    assert.equal(row('{"a":"q\\"\\\\\\u001f\\n\\u2028/é","_id":"k"}').docJson, '{"_id":"k","a":"q\\"\\\\\\u001F\\n\u2028/é"}');
  });
});

describe('what the Data API refuses', () => {
  const bad = (json: string): string => {
    const shredded = shred(parseDocument(json) as DocObject);
    assert.ok('bad' in shredded, `accepted: ${json}`);
    return shredded.bad;
  };

  it('an _id it does not take, a name it does not take, an extended value it does not know', () => {
    assert.match(bad('{"_id":[1]}'), /^_id is an array/);
    assert.match(bad('{"_id":{"a":1}}'), /^_id is an object/);
    assert.match(bad('{"_id":""}'), /^_id is an empty string/);
    assert.match(bad('{"_id":{"$binary":"AAE="}}'), /^_id is a binary/);
    assert.match(bad('{"_id":{"$uuid":"not-a-uuid"}}'), /^\$uuid "not-a-uuid" is not a uuid/);
    assert.match(bad('{"_id":1,"$set":1}'), /the Data API takes no name that begins with \$/);
    assert.match(bad('{"_id":1,"a":{"":1}}'), /^a has a property with no name/);
    assert.match(bad('{"_id":1,"a":{"$regex":"x"}}'), /the Data API takes no name that begins with \$/);
    assert.equal(bad('{"name":1}'), 'the document has no _id');
  });

  it('a document past the limits: depth, array length, properties, string bytes, number length, path length', () => {
    const nested = (levels: number): string => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
    assert.ok('key' in shred(parseDocument(`{"_id":1,"x":${nested(15)}}`) as DocObject), 'the document and 15 levels in it');
    assert.match(bad(`{"_id":1,"x":${nested(16)}}`), /nested deeper than the Data API's 16 levels/);
    assert.match(bad(`{"_id":1,"x":${'[{"a":'.repeat(10)}1${'}]'.repeat(10)}}`), /nested deeper/, 'arrays are levels too');
    assert.match(bad(`{"_id":1,"a":[${Array(1001).fill(0).join(',')}]}`), /^a has 1001 elements/);
    assert.match(bad(`{"_id":1,${Array.from({ length: 1000 }, (_, i) => `"p${i}":1`).join(',')}}`), /the document has 1001 properties/);
    assert.match(bad(`{"_id":1,${Array.from({ length: 50 }, (_, i) => `"o${i}":{${Array.from({ length: 40 }, (_, j) => `"p${j}":1`).join(',')}}`).join(',')}}`), /more than the Data API's 2000 properties in all/);
    assert.match(bad(`{"_id":1,"s":"${'é'.repeat(4001)}"}`), /^s is a string of 8002 bytes/);
    assert.match(bad(`{"_id":1,"n":${'9'.repeat(101)}}`), /^n is a number of 101 characters/);
    assert.match(bad(`{"_id":1,"${'a'.repeat(300)}":{"${'b'.repeat(300)}":{"${'c'.repeat(300)}":{"${'d'.repeat(100)}":1}}}}`), /is 1003 characters, more than the Data API's 1000/);
    assert.equal(DOCUMENT_LIMITS.maxSize, 4_000_000);
  });
});

it('parses the numbers of a document exactly', () => {
  const doc = parseDocument('{"_id":1,"big":123456789012345678901234567890,"d":0.1000}') as DocObject;
  assert.equal((doc['big'] as JsonNumber).toString(), '123456789012345678901234567890');
  assert.equal((doc['d'] as JsonNumber).toString(), '0.1');
});
