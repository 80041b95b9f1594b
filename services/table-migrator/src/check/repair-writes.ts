import type { CopyPlan } from '../copy/copy-plan.js';
import { collectionOf, elementsOf } from '../copy/collection-bytes.js';
import { isStaticOnly, rowWrites, vocabulary, type Statement } from '../copy/row-writes.js';
import { compareInt64, int64, type Int64, type StagedCell, type StagedRow } from '../copy/staged-row.js';
import type { RowDifference } from './row-diff.js';

/**
 * The writes that make target's row what origin's was when they were compared, never undoing a
 * write newer than what was compared: origin's cells are written with origin's writetimes and
 * what remains of their TTLs (a newer write on target keeps its value), and what target has
 * that origin had not is deleted by tombstones at the writetime target's cells had (a write
 * since then is newer, and stays). A cell target has a newer version of is left as it is: the
 * next verification reports it again. Cells in flight at the comparison are not touched.
 */
export function repairWrites(plan: CopyPlan, difference: RowDifference, nowSeconds: number): Statement[] {
  const { origin, target, horizon } = difference;
  if (origin === undefined) return target === undefined ? [] : [rowDelete(plan, target, int64(horizon))];
  const writes = rowWrites(plan, origin, nowSeconds, true);
  return target === undefined ? writes : [...cellDeletes(plan, origin, target, int64(horizon)), ...writes];
}

/**
 * Deletes a row that is on target only, at the latest writetime of its cells (of its partition's
 * static cells, for a partition's statics alone); a row with no cell, at `horizon`, before which
 * everything compared was written.
 */
function rowDelete(plan: CopyPlan, row: StagedRow, horizon: Int64): Statement {
  const cql = vocabulary(plan);
  const staticOnly = isStaticOnly(plan, row);
  const cells = row.cells.filter((cell, i): cell is StagedCell => cell !== null && plan.columns[i]!.static === staticOnly);
  const timestamp = cells.length === 0 ? horizon : cells.map((c) => c.writetime).reduce((a, b) => (compareInt64(b, a) > 0 ? b : a));
  if (!staticOnly) {
    const keys = plan.partitionKey.length + plan.clustering.length;
    return { query: cql.query(`x${keys}`, () => `DELETE FROM ${cql.table} USING TIMESTAMP ? WHERE ${cql.where(keys)}`), params: [timestamp, ...row.key.slice(0, keys)] };
  }
  const statics = plan.columns.flatMap((c, i) => (c.static ? [cql.names[i]!] : []));
  return { query: cql.query('xs', () => `DELETE ${statics.join(', ')} FROM ${cql.table} USING TIMESTAMP ? WHERE ${cql.where(plan.partitionKey.length)}`), params: [timestamp, ...row.key.slice(0, plan.partitionKey.length)] };
}

/**
 * Tombstones for what target has of a cell and origin had not, each at the writetime target's
 * version had, and only when that is older than the comparison's horizon (a cell in flight is
 * the application's newest write): a set's elements or a map's keys one by one; any other
 * cell whole, when its writetime is older than every element of origin's (whose writes would
 * otherwise be shadowed by the tombstone).
 */
function cellDeletes(plan: CopyPlan, origin: StagedRow, target: StagedRow, horizon: Int64): Statement[] {
  if (plan.counter) return [];
  const cql = vocabulary(plan);
  const keys = plan.partitionKey.length + plan.clustering.length;
  const statements: Statement[] = [];
  plan.columns.forEach((column, i) => {
    const [ours, theirs] = [origin.cells[i] ?? null, target.cells[i] ?? null];
    if (theirs === null || (ours !== null && ours.value.equals(theirs.value))) return;
    const where = target.key.slice(0, column.static ? plan.partitionKey.length : keys);
    if (column.perElement && ours !== null) {
      for (const { writetime, removed } of elementsOriginLacks(column.type.startsWith('map<'), ours, theirs, horizon)) {
        statements.push({ query: cql.query(`re${i}`, () => `UPDATE ${cql.table} USING TIMESTAMP ? SET ${cql.names[i]} = ${cql.names[i]} - ? WHERE ${cql.where(where.length)}`), params: [writetime, collectionOf(removed), ...where] });
      }
      return;
    }
    if (compareInt64(theirs.writetime, horizon) >= 0) return;
    // Origin's write of a single value replaces target's, if newer; a tombstone would shadow it.
    if (ours !== null && (!column.multiCell || compareInt64(theirs.writetime, oldest(ours)) >= 0)) return;
    statements.push({ query: cql.query(`dc${i}`, () => `DELETE ${cql.names[i]} FROM ${cql.table} USING TIMESTAMP ? WHERE ${cql.where(where.length)}`), params: [theirs.writetime, ...where] });
  });
  return statements;
}

/** Target's set elements (a map's keys) that origin's cell has not, by their writetime, those in flight left out. */
function elementsOriginLacks(map: boolean, ours: StagedCell, theirs: StagedCell, horizon: Int64): Iterable<{ writetime: Int64; removed: Buffer[] }> {
  const keyOf = (element: Buffer): Buffer => (map ? element.subarray(0, 4 + Math.max(0, element.readInt32BE(0))) : element);
  const kept = new Set(elementsOf(ours.value, map).map((e) => keyOf(e).toString('hex')));
  const removals = new Map<string, { writetime: Int64; removed: Buffer[] }>();
  elementsOf(theirs.value, map).forEach((element, e) => {
    const writetime = theirs.elements?.[e]?.writetime ?? theirs.writetime;
    const key = keyOf(element);
    if (kept.has(key.toString('hex')) || compareInt64(writetime, horizon) >= 0) return;
    const at = writetime.toString('hex');
    if (!removals.has(at)) removals.set(at, { writetime, removed: [] });
    removals.get(at)!.removed.push(key);
  });
  return removals.values();
}

/** A cell's oldest writetime: of its oldest element, for a set or map. */
function oldest(cell: StagedCell): Int64 {
  return (cell.elements ?? [cell]).map((e) => e.writetime).reduce((a, b) => (compareInt64(b, a) < 0 ? b : a));
}
