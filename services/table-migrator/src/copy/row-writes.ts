import { identifier } from '../schema/ddl.js';
import { collectionOf, elementsOf } from './collection-bytes.js';
import type { CopyColumn, CopyPlan } from './copy-plan.js';
import type { StagedRow } from './staged-row.js';

export interface Statement {
  readonly query: string;
  /** Values as native bytes (the driver sends a Buffer as it is, whatever the column's type). */
  readonly params: unknown[];
}

/** Cells of a row (or of its partition's statics) that share a writetime and TTL: one write. */
interface CellGroup {
  readonly timestamp: bigint;
  readonly ttl: number;
  readonly static: boolean;
  /** Added to what is there: a set's or map's elements (`append`), a list's (`prepend`). */
  readonly cells: { readonly name: string; readonly value: Buffer; readonly add?: 'append' | 'prepend' }[];
  /** Written as an INSERT: the row marker with its cells, as the application's INSERT wrote them. */
  marker?: boolean;
}

/**
 * The writes that put a staged row on target: each group of cells that share a writetime and
 * expiry in one write with that timestamp and the TTL that remains at `nowSeconds` (taken just
 * before they are sent; expired cells are left out), a set's or map's elements added each in
 * its own group, static cells keyed by the partition alone (with `statics`, once per partition).
 * Every value is bound as the bytes origin had.
 *
 * The row marker (what keeps a row whose cells are all null) cannot be read: it is written
 * with the row's oldest cells, as the INSERT that most often wrote both did, so that a row whose
 * cells are nulled later stays on target as on origin. A row written only by UPDATEs has no
 * marker on origin: on target it then outlives the nulling of all its cells (the check tells).
 * A row with no live cell but its key has a marker of unknown age: it is written with the
 * oldest timestamp there is, so that it never outlives a delete.
 */
export function rowWrites(plan: CopyPlan, row: StagedRow, nowSeconds: number, statics: boolean): Statement[] {
  const keys = [...plan.partitionKey, ...plan.clustering];
  const staticOnly = isStaticOnly(plan, row);
  const now = BigInt(Math.floor(nowSeconds));
  const groups = new Map<string, CellGroup>();
  const lists: { column: CopyColumn; timestamp: bigint }[] = [];
  /** Adds a cell to its group; false when it has expired since it was unloaded. */
  const add = (column: CopyColumn, timestamp: bigint, expires: bigint, value: Buffer, how?: 'append' | 'prepend'): boolean => {
    const remaining = expires === 0n ? 0 : Number(expires - now);
    if (expires !== 0n && remaining <= 0) return false;
    const key = `${column.static}/${timestamp}/${remaining}`;
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { timestamp, ttl: remaining, cells: [], static: column.static }));
    group.cells.push({ name: identifier(column.name), value, ...(how === undefined ? {} : { add: how }) });
    return true;
  };
  plan.columns.forEach((column, i) => {
    const cell = row.cells[i];
    if (cell === null || cell === undefined || (column.static ? !statics : staticOnly)) return;
    if (column.list) {
      // A list's elements are ordered by ids target makes up at each write. Elements the
      // application appended since the unload are on target already: the copy's go before them
      // (prepended), and only elements older than the copy's are deleted first.
      if (add(column, cell.writetime, cell.expires, cell.value, 'prepend')) lists.push({ column, timestamp: cell.writetime });
      return;
    }
    if (cell.elements === null) return void add(column, cell.writetime, cell.expires, cell.value);
    // A set's or map's elements, each added with its own writetime and TTL.
    const elements = elementsOf(cell.value, column.type.startsWith('map<'));
    const byTime = new Map<string, number[]>();
    cell.elements.forEach((t, e) => {
      const time = `${t.writetime}/${t.expires}`;
      byTime.set(time, [...(byTime.get(time) ?? []), e]);
    });
    for (const chosen of byTime.values()) {
      const { writetime, expires } = cell.elements[chosen[0]!]!;
      add(column, writetime, expires, collectionOf(chosen.map((e) => elements[e]!)), 'append');
    }
  });
  const table = `${identifier(plan.keyspace)}.${identifier(plan.table)}`;
  const names = keys.map(identifier);
  const keyValues = row.key as Buffer[];
  const where = (count: number): string => names.slice(0, count).map((k) => `${k} = ?`).join(' AND ');
  const insert = (columns: readonly string[], using: string): string => `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) USING ${using}`;
  const statements: Statement[] = lists.map(({ column, timestamp }) => {
    const keyed = column.static ? plan.partitionKey.length : keys.length;
    return { query: `DELETE ${identifier(column.name)} FROM ${table} USING TIMESTAMP ? WHERE ${where(keyed)}`, params: [timestampOf(timestamp - 1n), ...keyValues.slice(0, keyed)] };
  });
  const rowGroups = [...groups.values()].filter((g) => !g.static);
  if (!staticOnly && rowGroups.length === 0) statements.push({ query: insert(names, 'TIMESTAMP 1'), params: keyValues });
  if (!staticOnly && rowGroups.length > 0) {
    const oldest = rowGroups.reduce((a, b) => (b.timestamp < a.timestamp ? b : a));
    // Elements added to a collection cannot be written by an INSERT: the marker goes alone then.
    if (oldest.cells.every((c) => c.add === undefined)) oldest.marker = true;
    else statements.push({ query: insert(names, 'TIMESTAMP ? AND TTL ?'), params: [...keyValues, timestampOf(oldest.timestamp), oldest.ttl] });
  }
  for (const g of groups.values()) {
    if (g.marker === true) {
      statements.push({ query: insert([...names, ...g.cells.map((c) => c.name)], 'TIMESTAMP ? AND TTL ?'), params: [...keyValues, ...g.cells.map((c) => c.value), timestampOf(g.timestamp), g.ttl] });
      continue;
    }
    const keyed = g.static ? plan.partitionKey.length : keys.length;
    const set = g.cells.map((c) => (c.add === 'append' ? `${c.name} = ${c.name} + ?` : c.add === 'prepend' ? `${c.name} = ? + ${c.name}` : `${c.name} = ?`)).join(', ');
    statements.push({ query: `UPDATE ${table} USING TIMESTAMP ? AND TTL ? SET ${set} WHERE ${where(keyed)}`, params: [timestampOf(g.timestamp), g.ttl, ...g.cells.map((c) => c.value), ...keyValues.slice(0, keyed)] });
  }
  return statements;
}

/** A partition's static cells alone: the row has no clustering values. */
function isStaticOnly(plan: CopyPlan, row: StagedRow): boolean {
  return plan.clustering.length > 0 && row.key.slice(plan.partitionKey.length).some((k) => k === null);
}

/** A timestamp as a bigint's native bytes. */
function timestampOf(timestamp: bigint): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64BE(timestamp);
  return bytes;
}

/** The lists a row writes: non-frozen, with a cell, of the row (or of the partition, for its statics alone). */
function listsOf(plan: CopyPlan, row: StagedRow): number[] {
  const staticOnly = isStaticOnly(plan, row);
  return plan.columns.flatMap((c, i) => (c.list && row.cells[i] !== null && (c.static || !staticOnly) ? [i] : []));
}

/**
 * The read that tells whether target already has a row's lists from this copy (or newer
 * writes), so that loading a chunk again does not write them twice: each list's writetimes,
 * by the row's key (by the partition's, for a partition's static cells alone).
 */
export function listCheck(plan: CopyPlan, row: StagedRow): Statement | undefined {
  const lists = listsOf(plan, row);
  if (lists.length === 0) return undefined;
  const keyed = isStaticOnly(plan, row) ? plan.partitionKey : [...plan.partitionKey, ...plan.clustering];
  return {
    query: `SELECT ${lists.map((i) => `writetime(${identifier(plan.columns[i]!.name)})`).join(', ')} FROM ${identifier(plan.keyspace)}.${identifier(plan.table)} WHERE ${keyed.map((k) => `${identifier(k)} = ?`).join(' AND ')} LIMIT 1`,
    params: row.key.slice(0, keyed.length),
  };
}

/** The row without the lists target already has from this copy: elements at the list's writetime (`writetimes`: listCheck's answer, in its order). */
export function withoutCopiedLists(plan: CopyPlan, row: StagedRow, writetimes: readonly unknown[]): StagedRow {
  const cells = [...row.cells];
  listsOf(plan, row).forEach((i, answer) => {
    // This copy's elements carry the list's writetime on origin: newer ones on target are the application's, written since.
    const there = writetimes[answer];
    const copied = (Array.isArray(there) ? there : [there]).some((w) => w !== null && w !== undefined && String(w) === String(cells[i]!.writetime));
    if (copied) cells[i] = null;
  });
  return { ...row, cells };
}
