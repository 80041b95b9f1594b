import { createHash } from 'node:crypto';
import { fromBson, shred, type CollectionRow } from '@cutover/collection-table';
import { quoteQualified } from '@cutover/cql-protocol';
import { Backoff } from '@cutover/errors';
import { splitQualifiedName, type DocumentDifference } from '@cutover/migration-state';
import cassandra from 'cassandra-driver';
import { Binary, ObjectId, type Document, type MongoClient } from 'mongodb';
import { idText } from './id-ranges.js';

/** What comparing a collection with its table on target found. */
export interface CollectionComparison {
  readonly documents: number;
  readonly targetDocuments: number;
  /** MongoDB documents with no Data API form: not on target by design. */
  readonly badDocuments: number;
  /** Documents that differed at every look: `_id` as canonical extended JSON (extra on target: as target's doc_json has it). */
  readonly differences: readonly { readonly id: string; readonly kind: DocumentDifference }[];
}

export interface CompareOptions {
  /** How often a differing document is looked at again, and how long apart (ms): changes in flight are no difference. */
  readonly looks: number;
  readonly apartMs: number;
}

/** A target row's key as a map key. */
const keyOf = (key: readonly [number, string]): string => `${key[0]}:${key[1]}`;
const digest = (docJson: string): string => createHash('sha256').update(docJson).digest('base64');

/**
 * Compares every document of a MongoDB collection with its table on target: each document's
 * Data API form (its doc_json, which every query column derives from) against the row of its
 * key, hashed; rows target has that MongoDB lacks are extra. Every difference is looked at
 * again, `looks` times `apartMs` apart, and counts only if it differs every time.
 */
export async function compareCollection(mongo: MongoClient, target: cassandra.Client, collection: string, table: string, options: CompareOptions): Promise<CollectionComparison> {
  const [database, name] = splitQualifiedName(collection);
  const [keyspace, tableName] = splitQualifiedName(table);
  const select = `SELECT key, doc_json FROM ${quoteQualified(keyspace, tableName)}`;
  const onTarget = new Map<string, { readonly hash: string; readonly key: readonly [number, string]; readonly docJson: string }>();
  for await (const row of target.stream(select, [], { prepare: true, fetchSize: 2000 }) as unknown as AsyncIterable<{ key: cassandra.types.Tuple; doc_json: string }>) {
    const key: [number, string] = [Number(row.key.get(0)), String(row.key.get(1))];
    onTarget.set(keyOf(key), { hash: digest(row.doc_json), key, docJson: row.doc_json });
  }
  const targetDocuments = onTarget.size;
  let documents = 0;
  let badDocuments = 0;
  const suspects: { id: unknown; kind: DocumentDifference }[] = [];
  for await (const document of mongo.db(database).collection(name).find({}, { promoteValues: false, bsonRegExp: true })) {
    documents++;
    const row = dataApiRow(document);
    if (row === undefined) {
      badDocuments++;
      continue;
    }
    const held = onTarget.get(keyOf(row.key));
    onTarget.delete(keyOf(row.key));
    if (held === undefined) suspects.push({ id: document['_id'], kind: 'missing-on-target' });
    else if (held.hash !== digest(row.docJson)) suspects.push({ id: document['_id'], kind: 'values' });
  }
  for (const extra of onTarget.values()) suspects.push({ id: mongoId(extra.docJson), kind: 'extra-on-target' });
  const differences = await lookAgain(mongo.db(database).collection(name), target, select, suspects, options);
  return { documents, targetDocuments, badDocuments, differences };
}

/** The suspects that still differ after `looks` more looks, each a document's both sides read again. */
async function lookAgain(collection: ReturnType<ReturnType<MongoClient['db']>['collection']>, target: cassandra.Client, select: string, suspects: readonly { id: unknown; kind: DocumentDifference }[], options: CompareOptions): Promise<{ id: string; kind: DocumentDifference }[]> {
  let left = suspects;
  // The first comparison was the first look: `looks` more, `apartMs` apart, while any still differ.
  const looks = new Backoff({ initialDelayMs: options.apartMs, maxAttempts: options.looks + 1 });
  while (left.length > 0 && (await looks.wait())) {
    const still: { id: unknown; kind: DocumentDifference }[] = [];
    for (const suspect of left) {
      const document = await collection.findOne({ _id: suspect.id as never }, { promoteValues: false, bsonRegExp: true });
      const row = document === null ? undefined : dataApiRow(document);
      const keyRow = row ?? idRow(suspect.id);
      const held = keyRow === undefined ? undefined : (await target.execute(`${select} WHERE key = ?`, [new cassandra.types.Tuple(...keyRow.key)], { prepare: true })).first() as unknown as { doc_json: string } | null;
      const kind: DocumentDifference | undefined = row === undefined ? (held == null ? undefined : 'extra-on-target') : held == null ? 'missing-on-target' : held.doc_json === row.docJson ? undefined : 'values';
      if (kind !== undefined) still.push({ id: suspect.id, kind });
    }
    left = still;
  }
  return left.map(({ id, kind }) => ({ id: idText(id), kind }));
}

/** A document's row in the Data API's form; undefined for a bad document. */
function dataApiRow(document: Document): CollectionRow | undefined {
  const converted = fromBson(document);
  const row = 'bad' in converted ? converted : shred(converted.document);
  return 'bad' in row ? undefined : row;
}

/** The key row of an `_id` alone. */
export function idRow(id: unknown): CollectionRow | undefined {
  return dataApiRow({ _id: id });
}

/**
 * The MongoDB `_id` a target row's doc_json holds: its Data API extended JSON read back as
 * BSON (an ObjectId, a UUID binary, a date), a number as a double (MongoDB compares numbers
 * across their types).
 */
function mongoId(docJson: string): unknown {
  const id = (JSON.parse(docJson) as { _id?: unknown })._id;
  if (id !== null && typeof id === 'object') {
    const value = id as { $objectId?: string; $uuid?: string; $date?: number };
    if (value.$objectId !== undefined) return new ObjectId(value.$objectId);
    if (value.$uuid !== undefined) return new Binary(Buffer.from(value.$uuid.replaceAll('-', ''), 'hex'), 4);
    if (value.$date !== undefined) return new Date(value.$date);
  }
  return id;
}
