import { quoteIdentifier, quoteQualified } from '@cutover/cql-protocol';
import type cassandra from 'cassandra-driver';
import { collectionOf, elementsOf } from './collection-bytes.js';
import type { CopyPlan } from './copy-plan.js';
import { compareInt64, int64, type Int64, type StagedRow } from './staged-row.js';

export interface Statement {
  readonly query: string;
  /** Values as native bytes (the driver sends a Buffer as it is, whatever the column's type). */
  readonly params: unknown[];
}

/** Cells of a row (or of its partition's statics) that share a writetime and TTL: one write. */
interface CellGroup {
  readonly timestamp: Int64;
  readonly ttl: number;
  readonly static: boolean;
  /** By column: added to what is there (a set's or map's elements: `append`; a list's: `prepend`), or set. */
  readonly cells: { readonly column: number; readonly value: Buffer; readonly add?: 'append' | 'prepend' }[];
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
  const cql = vocabulary(plan);
  const staticOnly = isStaticOnly(plan, row);
  const now = Math.floor(nowSeconds);
  // Most rows have one or two groups: a list searched beats a map keyed by a string made per cell.
  const groups: CellGroup[] = [];
  const lists: { column: number; timestamp: Int64 }[] = [];
  /** Adds a cell to its group; false when it has expired since it was unloaded. */
  const add = (column: number, timestamp: Int64, expires: number, value: Buffer, how?: 'append' | 'prepend'): boolean => {
    const ttl = expires === 0 ? 0 : expires - now;
    if (expires !== 0 && ttl <= 0) return false;
    const isStatic = plan.columns[column]!.static;
    let group = groups.find((g) => g.static === isStatic && g.ttl === ttl && g.timestamp.equals(timestamp));
    if (group === undefined) groups.push((group = { timestamp, ttl, cells: [], static: isStatic }));
    group.cells.push(how === undefined ? { column, value } : { column, value, add: how });
    return true;
  };
  plan.columns.forEach((column, i) => {
    const cell = row.cells[i];
    if (cell === null || cell === undefined || (column.static ? !statics : staticOnly)) return;
    if (column.list) {
      // A list's elements are ordered by ids target makes up at each write. Elements the
      // application appended since the unload are on target already: the copy's go before them
      // (prepended), and only elements older than the copy's are deleted first.
      if (add(i, cell.writetime, cell.expires, cell.value, 'prepend')) lists.push({ column: i, timestamp: cell.writetime });
      return;
    }
    if (cell.elements === null) return void add(i, cell.writetime, cell.expires, cell.value);
    // A set's or map's elements, each added with its own writetime and TTL.
    const elements = elementsOf(cell.value, column.type.startsWith('map<'));
    const byTime: { time: (typeof cell.elements)[number]; elements: Buffer[] }[] = [];
    cell.elements.forEach((time, e) => {
      const same = byTime.find((t) => t.time.expires === time.expires && t.time.writetime.equals(time.writetime));
      if (same === undefined) byTime.push({ time, elements: [elements[e]!] });
      else same.elements.push(elements[e]!);
    });
    for (const { time, elements: chosen } of byTime) add(i, time.writetime, time.expires, collectionOf(chosen), 'append');
  });
  const keys = plan.partitionKey.length + plan.clustering.length;
  const keyValues = row.key as Buffer[];
  const statements: Statement[] = lists.map(({ column, timestamp }) => {
    const keyed = plan.columns[column]!.static ? plan.partitionKey.length : keys;
    return { query: cql.query(`d${column}`, () => `DELETE ${cql.names[column]} FROM ${cql.table} USING TIMESTAMP ? WHERE ${cql.where(keyed)}`), params: [int64(timestamp.readBigInt64BE() - 1n), ...keyValues.slice(0, keyed)] };
  });
  const rowGroups = groups.filter((g) => !g.static);
  if (!staticOnly && rowGroups.length === 0) statements.push({ query: cql.query('k', () => cql.insert([], 'TIMESTAMP 1')), params: keyValues });
  if (!staticOnly && rowGroups.length > 0) {
    const oldest = rowGroups.reduce((a, b) => (compareInt64(b.timestamp, a.timestamp) < 0 ? b : a));
    // Elements added to a collection cannot be written by an INSERT: the marker goes alone then.
    if (oldest.cells.every((c) => c.add === undefined)) oldest.marker = true;
    else statements.push({ query: cql.query('m', () => cql.insert([], 'TIMESTAMP ? AND TTL ?')), params: [...keyValues, oldest.timestamp, oldest.ttl] });
  }
  for (const g of groups) {
    const columns = g.cells.map((c) => `${c.column}${c.add?.[0] ?? ''}`).join(',');
    if (g.marker === true) {
      const query = cql.query(`i${columns}`, () => cql.insert(g.cells.map((c) => c.column), 'TIMESTAMP ? AND TTL ?'));
      statements.push({ query, params: [...keyValues, ...g.cells.map((c) => c.value), g.timestamp, g.ttl] });
      continue;
    }
    const keyed = g.static ? plan.partitionKey.length : keys;
    const query = cql.query(`u${g.static ? 's' : ''}${columns}`, () => {
      const set = g.cells.map(({ column, add }) => {
        const name = cql.names[column]!;
        return add === 'append' ? `${name} = ${name} + ?` : add === 'prepend' ? `${name} = ? + ${name}` : `${name} = ?`;
      });
      return `UPDATE ${cql.table} USING TIMESTAMP ? AND TTL ? SET ${set.join(', ')} WHERE ${cql.where(keyed)}`;
    });
    statements.push({ query, params: [g.timestamp, g.ttl, ...g.cells.map((c) => c.value), ...keyValues.slice(0, keyed)] });
  }
  return statements;
}

/** A table's names in CQL, and its statements by shape: each made once, the same string every time (the driver keys its prepared statements by it). */
export interface Vocabulary {
  readonly table: string;
  /** Each column's quoted name, by its place in the plan. */
  readonly names: readonly string[];
  where(keyed: number): string;
  insert(columns: readonly number[], using: string): string;
  query(shape: string, make: () => string): string;
}

const vocabularies = new WeakMap<CopyPlan, Vocabulary>();

export function vocabulary(plan: CopyPlan): Vocabulary {
  let known = vocabularies.get(plan);
  if (known !== undefined) return known;
  const table = quoteQualified(plan.keyspace, plan.table);
  const keys = [...plan.partitionKey, ...plan.clustering].map(quoteIdentifier);
  const names = plan.columns.map((c) => quoteIdentifier(c.name));
  const queries = new Map<string, string>();
  known = {
    table,
    names,
    where: (keyed) => keys.slice(0, keyed).map((k) => `${k} = ?`).join(' AND '),
    insert: (columns, using) => {
      const all = [...keys, ...columns.map((c) => names[c]!)];
      return `INSERT INTO ${table} (${all.join(', ')}) VALUES (${all.map(() => '?').join(', ')}) USING ${using}`;
    },
    query: (shape, make) => {
      let query = queries.get(shape);
      if (query === undefined) queries.set(shape, (query = make()));
      return query;
    },
  };
  vocabularies.set(plan, known);
  return known;
}

/** A partition's static cells alone: the row has no clustering values. */
export function isStaticOnly(plan: CopyPlan, row: StagedRow): boolean {
  return plan.clustering.length > 0 && row.key.slice(plan.partitionKey.length).some((k) => k === null);
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
  const cql = vocabulary(plan);
  const keyed = isStaticOnly(plan, row) ? plan.partitionKey.length : plan.partitionKey.length + plan.clustering.length;
  return {
    query: cql.query(`l${keyed}:${lists.join(',')}`, () => `SELECT ${lists.map((i) => `writetime(${cql.names[i]})`).join(', ')} FROM ${cql.table} WHERE ${cql.where(keyed)} LIMIT 1`),
    params: row.key.slice(0, keyed),
  };
}

/** The row without the lists target already has from this copy: elements at the list's writetime (`writetimes`: listCheck's answer, in its order). */
export function withoutCopiedLists(plan: CopyPlan, row: StagedRow, writetimes: readonly unknown[]): StagedRow {
  const cells = [...row.cells];
  listsOf(plan, row).forEach((i, answer) => {
    // This copy's elements carry the list's writetime on origin: newer ones on target are the application's, written since.
    const there = writetimes[answer];
    const copied = (Array.isArray(there) ? there : [there]).some((w) => w !== null && w !== undefined && int64(w as cassandra.types.Long).equals(cells[i]!.writetime));
    if (copied) cells[i] = null;
  });
  return { ...row, cells };
}
