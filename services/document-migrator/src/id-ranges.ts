import type { IdRange } from '@cutover/migration-state';
import { BSON, type Db, type Document } from 'mongodb';

const { EJSON } = BSON;

/**
 * The BSON types an `_id` can have whose values a range query can bound, in MongoDB's sort
 * order. Comparisons in a query only ever match values of the bracket of the bound's type, so a
 * collection is read bracket by bracket, each split into ranges. Every other type falls in the
 * `other` bracket, read whole.
 */
const BRACKETS = ['null', 'number', 'string', 'binData', 'objectId', 'bool', 'date'] as const;
const OTHER = 'other';

/** The query filter of an `_id` range, after `after` (the last `_id` read of it) when given. */
export function rangeFilter(range: IdRange, after?: unknown): Document {
  if (range.type === OTHER) return { _id: { $not: { $type: [...BRACKETS] } } };
  const bounds: Document[] = [{ _id: { $type: range.type } }];
  if (range.from !== null) bounds.push({ _id: { $gte: parseBound(range.from) } });
  if (range.to !== null) bounds.push({ _id: { $lt: parseBound(range.to) } });
  if (after !== undefined) bounds.push({ _id: { $gt: after } });
  return { $and: bounds };
}

/** Whether a range's documents can be read page by page in `_id` order (each page with its own read time). */
export function paged(range: IdRange): boolean {
  return range.type !== OTHER;
}

/** An `_id` (or a bound) as the facts and the documents topic write it: canonical extended JSON. */
export function idText(id: unknown): string {
  return EJSON.stringify(id, { relaxed: false });
}

/** The documents whose `_id` is of the bracket `type`. */
function ofType(type: string): Document {
  return { _id: { $type: type } };
}

function parseBound(text: string): unknown {
  return EJSON.parse(text, { relaxed: false });
}

/**
 * Splits a collection into about `wanted` ranges of as many documents each: each bracket that
 * has documents gets its share of the ranges, split at the `_id`s that many documents apart.
 */
export async function planRanges(db: Db, collection: string, wanted: number): Promise<{ ranges: IdRange[]; documents: number; bytes: number }> {
  const coll = db.collection(collection);
  const counts = await Promise.all(BRACKETS.map((type) => coll.countDocuments(ofType(type))));
  const total = await coll.countDocuments({});
  const stats = (await db.command({ collStats: collection }).catch(() => ({}))) as { size?: number };
  const ranges: IdRange[] = [];
  for (const [b, type] of BRACKETS.entries()) {
    const n = counts[b]!;
    if (n === 0) continue;
    const parts = Math.max(1, Math.min(n, Math.round((wanted * n) / Math.max(1, total))));
    const bounds: (string | null)[] = [null];
    for (let k = 1; k < parts; k++) {
      const [at] = await coll.find(ofType(type), { projection: { _id: 1 }, promoteValues: false }).sort({ _id: 1 }).skip(Math.floor((n * k) / parts)).limit(1).toArray();
      if (at !== undefined) bounds.push(idText(at._id));
    }
    bounds.push(null);
    for (let k = 0; k + 1 < bounds.length; k++) ranges.push({ type, from: bounds[k]!, to: bounds[k + 1]! });
  }
  if (total > counts.reduce((sum, n) => sum + n, 0)) ranges.push({ type: OTHER, from: null, to: null });
  return { ranges, documents: total, bytes: stats.size ?? 0 };
}
