import { quoteQualified } from '@cutover/cql-protocol';
import cassandra from 'cassandra-driver';
import { Binary, Double, Long, ObjectId, type Collection } from 'mongodb';
import { splitQualifiedName } from '@cutover/migration-state';
import { idRow } from './verify-collection.js';

/** Target rows looked up in MongoDB at once. */
const BATCH = 500;

/**
 * Deletes from a collection's table on target what was written before `before` (µs, the round's
 * start) and that MongoDB no longer has: documents deleted while no change stream was read
 * (its history lost). Each delete is a tombstone at `before`, so a version written since stays.
 * A row whose `_id` cannot be looked up exactly (a fractional number) is left, and counted in
 * `kept`. Returns what was deleted.
 */
export async function sweepCollection(collection: Collection, target: cassandra.Client, table: string, before: number): Promise<{ deleted: number; kept: number }> {
  const [keyspace, name] = splitQualifiedName(table);
  const qualified = quoteQualified(keyspace, name);
  let deleted = 0;
  let kept = 0;
  let batch: { key: [number, string]; ids: unknown[] }[] = [];
  const flush = async (): Promise<void> => {
    const found = await collection.find({ _id: { $in: batch.flatMap((c) => c.ids) } } as never, { projection: { _id: 1 }, promoteValues: false }).toArray();
    const present = new Set(found.map((d) => idRow(d['_id'])?.key.join(':')));
    for (const { key } of batch) {
      if (present.has(key.join(':'))) continue;
      await target.execute(`DELETE FROM ${qualified} USING TIMESTAMP ? WHERE key = ?`, [cassandra.types.Long.fromNumber(before), new cassandra.types.Tuple(...key)], { prepare: true });
      deleted++;
    }
    batch = [];
  };
  const rows = target.stream(`SELECT key, writetime(doc_json) AS written FROM ${qualified}`, [], { prepare: true, fetchSize: 2000 }) as unknown as AsyncIterable<{ key: cassandra.types.Tuple; written: cassandra.types.Long | null }>;
  for await (const row of rows) {
    if (row.written !== null && Number(row.written.toString()) >= before) continue;
    const key: [number, string] = [Number(row.key.get(0)), String(row.key.get(1))];
    const ids = mongoIdsOf(key);
    if (ids === undefined) {
      kept++;
      continue;
    }
    batch.push({ key, ids });
    if (batch.length >= BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  return { deleted, kept };
}

/**
 * The MongoDB `_id`s a target key may stand for, for an exact lookup: a text may be a string, an
 * ObjectId or a UUID (each is tried: the key does not say which); a number is matched across
 * MongoDB's numeric types; a date, a boolean and null as such. Undefined when it cannot be looked
 * up exactly.
 */
function mongoIdsOf([type, text]: [number, string]): unknown[] | undefined {
  switch (type) {
    case 1: {
      const ids: unknown[] = [text];
      if (/^[0-9a-f]{24}$/.test(text)) ids.push(new ObjectId(text));
      if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text)) ids.push(new Binary(Buffer.from(text.replaceAll('-', ''), 'hex'), 4));
      return ids;
    }
    case 2:
      if (/^-?\d+$/.test(text)) return BigInt(text) >= -(2n ** 63n) && BigInt(text) < 2n ** 63n ? [Long.fromString(text)] : undefined;
      return String(Number(text)) === text ? [new Double(Number(text))] : undefined;
    case 3:
      return [text === 'true'];
    case 4:
      return [null];
    case 5:
      return [new Date(Number(text))];
    default:
      return undefined;
  }
}
