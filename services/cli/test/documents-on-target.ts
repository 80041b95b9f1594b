import assert from 'node:assert/strict';
import { fromBson, shred } from '@cutover/collection-table';
import type cassandra from 'cassandra-driver';
import type { Collection, Document } from 'mongodb';

/**
 * Asserts that `table` on target holds exactly `collection`'s documents, each as the Data API
 * stores it (its key and doc_json), and nothing else. Returns the `_id`s of the documents left
 * out because they are bad (no Data API form).
 */
export async function assertTargetHolds<T extends Document>(collection: Collection<T>, target: cassandra.Client, table: string): Promise<unknown[]> {
  const expected = new Map<string, string>();
  const bad: unknown[] = [];
  for await (const document of collection.find({}, { promoteValues: false, bsonRegExp: true })) {
    const converted = fromBson(document);
    const row = 'bad' in converted ? converted : shred(converted.document);
    if ('bad' in row) bad.push(document['_id']);
    else expected.set(row.key.join(':'), row.docJson);
  }
  const actual = new Map<string, string>();
  for await (const row of target.stream(`SELECT key, doc_json FROM ${table}`, [], { prepare: true, fetchSize: 1000 }) as unknown as AsyncIterable<{ key: { get(i: number): unknown }; doc_json: string }>) {
    actual.set(`${String(row.key.get(0))}:${String(row.key.get(1))}`, row.doc_json);
  }
  assert.equal(actual.size, expected.size, `${table}: as many documents as ${collection.collectionName}`);
  for (const [key, json] of expected) assert.equal(actual.get(key), json, `document ${key}`);
  return bad;
}
