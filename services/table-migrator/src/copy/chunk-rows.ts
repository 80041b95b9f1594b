import cassandra from 'cassandra-driver';
import { isLosslessNumber, parse, stringify } from 'lossless-json';
import { identifier } from '../schema/ddl.js';
import type { CopyColumn, CopyPlan } from './copy-plan.js';

/** One row as a chunk file holds it, in the order of `CopyPlan.header`; '' where a column has no cell. */
export type ChunkRecord = readonly string[];

export interface Statement {
  readonly query: string;
  readonly params: unknown[];
}

/**
 * A row as unload reads it (`CopyPlan.select`'s columns, in order) at `nowSeconds` (since the
 * epoch) to its chunk record. A TTL is kept as the second its cell expires: what remains of it
 * is taken when the cell is written, however long after the read that is. A multi-cell column's
 * writetimes and TTLs come as lists, one per element, in the order of its JSON: a set's or map's
 * are kept as JSON arrays of strings (expiry null where none), the latest stand for the others.
 */
export function toRecord(plan: CopyPlan, values: readonly unknown[], nowSeconds: number): ChunkRecord {
  if (plan.counter) return values.map(String);
  const keys = plan.partitionKey.length + plan.clustering.length;
  const now = Math.floor(nowSeconds);
  const record = values.slice(0, keys).map(String);
  for (let i = 0; i < plan.columns.length; i++) {
    const at = keys + i * 3;
    const [json, writetime, ttl] = [values[at], values[at + 1], values[at + 2]];
    const column = plan.columns[i]!;
    const each = column.perElement && Array.isArray(writetime);
    record.push(column.native ? numberJson(json) : String(json), each ? perElement(writetime) : latest(writetime), each ? perElement(ttl, now) : expiry(latest(ttl), now));
  }
  record.push(String(values.at(-1)));
  return record;
}

/** A record's primary key, as one string: to tell rows apart across clusters and files. */
export function recordKey(plan: CopyPlan, record: ChunkRecord): string {
  return JSON.stringify(record.slice(0, plan.partitionKey.length + plan.clustering.length));
}

/** A float or double as JSON fromJson reads back exactly: NaN, the infinities and -0 as strings. */
function numberJson(value: unknown): string {
  if (typeof value !== 'number') return 'null';
  if (Object.is(value, -0)) return '"-0.0"';
  return Number.isFinite(value) ? String(value) : `"${String(value)}"`;
}

/** Each element's writetime, or with `now` the second its TTL ends, as strings; null where it has none. */
function perElement(values: unknown, now?: number): string {
  return JSON.stringify((Array.isArray(values) ? values : []).map((v) => (v === null || v === undefined ? null : now === undefined ? String(v) : expiry(String(v), now))));
}

/** The second a cell with `ttl` seconds left at `now` expires ('' for no TTL). */
function expiry(ttl: string, now: number): string {
  return ttl === '' ? '' : String(now + Number(ttl));
}

function latest(value: unknown): string {
  // Most cells are one, with one writetime (a Long or a number): no list to reduce.
  if (!Array.isArray(value)) return value === null || value === undefined ? '' : (value as { toString(): string }).toString();
  const all = value.filter((v) => v !== null && v !== undefined).map((v) => BigInt(String(v)));
  return all.length === 0 ? '' : String(all.reduce((a, b) => (a > b ? a : b)));
}

/** Cells of a row (or of its partition's statics) that share a writetime and TTL: one write. */
interface CellGroup {
  readonly timestamp: string;
  readonly ttl: number;
  readonly static: boolean;
  /** `name` and its JSON; added to what is there: a set's or map's elements (`append`), a list's (`prepend`). */
  readonly cells: { readonly name: string; readonly json: string; readonly add?: 'append' | 'prepend' }[];
  /** Written as an INSERT: the row marker with its cells, as the application's INSERT wrote them. */
  marker?: boolean;
}

/**
 * The writes that put a chunk record on target: each group of cells that share a writetime
 * and expiry in one write with that timestamp and the TTL that remains at `nowSeconds` (taken
 * just before they are sent; expired cells are left out), a set's or map's elements added each
 * in its own group, static cells keyed by the partition alone (with `statics`, once per
 * partition).
 *
 * The row marker (what keeps a row whose cells are all null) cannot be read: it is written
 * with the row's oldest cells, as the INSERT that most often wrote both did, so that a row whose
 * cells are nulled later stays on target as on origin. A row written only by UPDATEs has no
 * marker on origin: on target it then outlives the nulling of all its cells (the check tells).
 * A row with no live cell but its key has a marker of unknown age: it is written with the
 * oldest timestamp there is, so that it never outlives a delete.
 */
export function statementsFor(plan: CopyPlan, record: ChunkRecord, nowSeconds: number, statics: boolean): Statement[] {
  const keys = [...plan.partitionKey, ...plan.clustering];
  const keyValues = record.slice(0, keys.length).map(exactJson);
  const staticOnly = plan.clustering.length > 0 && keyValues.slice(plan.partitionKey.length).some((k) => k === 'null');
  const groups = new Map<string, CellGroup>();
  const lists: { column: CopyColumn; timestamp: string }[] = [];
  /** Adds a cell to its group; false when it has expired since it was unloaded. */
  const add = (column: CopyColumn, timestamp: string, expires: string | null, json: string, how?: 'append' | 'prepend'): boolean => {
    const remaining = expires === null || expires === '' ? 0 : Number(expires) - Math.floor(nowSeconds);
    if (expires !== null && expires !== '' && remaining <= 0) return false;
    const key = `${column.static}/${timestamp}/${remaining}`;
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { timestamp, ttl: remaining, cells: [], static: column.static }));
    group.cells.push({ name: identifier(column.name), json, ...(how === undefined ? {} : { add: how }) });
    return true;
  };
  plan.columns.forEach((column, i) => {
    const [json, timestamp, expires] = record.slice(keys.length + i * 3, keys.length + i * 3 + 3) as [string, string, string];
    if (timestamp === '' || (column.static ? !statics : staticOnly)) return;
    if (isList(column.type)) {
      // A list's elements are ordered by ids target makes up at each write. Elements the
      // application appended since the unload are on target already: the copy's go before them
      // (prepended), and only elements older than the copy's are deleted first.
      if (add(column, timestamp, expires, exactJson(json), 'prepend')) lists.push({ column, timestamp });
      return;
    }
    if (!timestamp.startsWith('[')) return void add(column, timestamp, expires, exactJson(json));
    // A set's or map's elements, each added with its own writetime and TTL.
    const timestamps = JSON.parse(timestamp) as string[];
    const expiries = JSON.parse(expires) as (string | null)[];
    const elements = elementsOf(json);
    const byCell = new Map<string, number[]>();
    timestamps.forEach((t, e) => {
      const cell = `${t}/${expiries[e] ?? ''}`;
      byCell.set(cell, [...(byCell.get(cell) ?? []), e]);
    });
    for (const chosen of byCell.values()) add(column, timestamps[chosen[0]!]!, expiries[chosen[0]!] ?? null, elements(chosen), 'append');
  });
  const table = `${identifier(plan.keyspace)}.${identifier(plan.table)}`;
  const names = keys.map(identifier);
  const where = (count: number): string => names.slice(0, count).map((k) => `${k} = fromJson(?)`).join(' AND ');
  const insert = (columns: readonly string[], using: string): string => `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => 'fromJson(?)').join(', ')}) USING ${using}`;
  const statements: Statement[] = lists.map(({ column, timestamp }) => {
    const keyed = column.static ? plan.partitionKey.length : keys.length;
    return { query: `DELETE ${identifier(column.name)} FROM ${table} USING TIMESTAMP ? WHERE ${where(keyed)}`, params: [cassandra.types.Long.fromString((BigInt(timestamp) - 1n).toString()), ...keyValues.slice(0, keyed)] };
  });
  const rowGroups = [...groups.values()].filter((g) => !g.static);
  if (!staticOnly && rowGroups.length === 0) statements.push({ query: insert(names, 'TIMESTAMP 1'), params: keyValues });
  if (!staticOnly && rowGroups.length > 0) {
    const oldest = rowGroups.reduce((a, b) => (BigInt(b.timestamp) < BigInt(a.timestamp) ? b : a));
    // Elements added to a collection cannot be written by an INSERT: the marker goes alone then.
    if (oldest.cells.every((c) => c.add === undefined)) oldest.marker = true;
    else statements.push({ query: insert(names, 'TIMESTAMP ? AND TTL ?'), params: [...keyValues, cassandra.types.Long.fromString(oldest.timestamp), oldest.ttl] });
  }
  for (const g of groups.values()) {
    const timestamp = cassandra.types.Long.fromString(g.timestamp);
    if (g.marker === true) {
      statements.push({ query: insert([...names, ...g.cells.map((c) => c.name)], 'TIMESTAMP ? AND TTL ?'), params: [...keyValues, ...g.cells.map((c) => c.json), timestamp, g.ttl] });
      continue;
    }
    const keyed = g.static ? plan.partitionKey.length : keys.length;
    const set = g.cells.map((c) => (c.add === 'append' ? `${c.name} = ${c.name} + fromJson(?)` : c.add === 'prepend' ? `${c.name} = fromJson(?) + ${c.name}` : `${c.name} = fromJson(?)`)).join(', ');
    statements.push({ query: `UPDATE ${table} USING TIMESTAMP ? AND TTL ? SET ${set} WHERE ${where(keyed)}`, params: [timestamp, g.ttl, ...g.cells.map((c) => c.json), ...keyValues.slice(0, keyed)] });
  }
  return statements;
}

/** The JSON of some elements (by position) of a set (a JSON array) or map (a JSON object), numbers written exactly. */
function elementsOf(json: string): (positions: readonly number[]) => string {
  const value = parse(json) as unknown[] | Record<string, unknown>;
  const exact = (v: unknown): string => stringify(v, (_key, x: unknown) => (isLosslessNumber(x) ? x.toString() : x))!;
  if (Array.isArray(value)) return (positions) => exact(positions.map((p) => value[p]));
  const entries = Object.entries(value);
  return (positions) => exact(Object.fromEntries(positions.map((p) => entries[p]!)));
}

/**
 * A list that is not frozen: its elements are keyed by ids Cassandra makes up at each write,
 * so a list written twice holds its elements twice, whatever the timestamp.
 */
function isList(type: string): boolean {
  return type.startsWith('list<');
}

/**
 * The read that tells whether target already has a record's lists from this copy (or newer
 * writes), so that loading a chunk again does not write them twice: each list's writetimes,
 * by the row's key (by the partition's, for a partition's static cells alone).
 */
export function listCheck(plan: CopyPlan, record: ChunkRecord): Statement | undefined {
  const keys = [...plan.partitionKey, ...plan.clustering];
  const staticOnly = plan.clustering.length > 0 && record.slice(plan.partitionKey.length, keys.length).some((k) => k === 'null');
  const lists = plan.columns.filter((c, i) => isList(c.type) && record[keys.length + i * 3 + 1] !== '' && (c.static || !staticOnly));
  if (lists.length === 0) return undefined;
  const keyed = staticOnly ? plan.partitionKey : keys;
  return {
    query: `SELECT ${lists.map((c) => `writetime(${identifier(c.name)})`).join(', ')} FROM ${identifier(plan.keyspace)}.${identifier(plan.table)} WHERE ${keyed.map((k) => `${identifier(k)} = fromJson(?)`).join(' AND ')} LIMIT 1`,
    params: record.slice(0, keyed.length).map(exactJson),
  };
}

/** The record without the lists target already has from this copy: elements at the list's writetime (`writetimes`: listCheck's answer, in its order). */
export function withoutCopiedLists(plan: CopyPlan, record: ChunkRecord, writetimes: readonly unknown[]): ChunkRecord {
  const keys = plan.partitionKey.length + plan.clustering.length;
  const out = [...record];
  let answer = 0;
  plan.columns.forEach((column, i) => {
    const at = keys + i * 3;
    if (!isList(column.type) || record[at + 1] === '' || (!column.static && record.slice(plan.partitionKey.length, keys).includes('null'))) return;
    // This copy's elements carry the list's writetime on origin: newer ones on target are the application's, written since.
    const there = writetimes[answer++];
    const copied = (Array.isArray(there) ? there : [there]).some((w) => w !== null && w !== undefined && String(w) === record[at + 1]);
    if (copied) out.splice(at, 3, 'null', '', '');
  });
  return out;
}

const NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/**
 * Cassandra's JSON with every number written as a string, which fromJson reads exactly for
 * every numeric type; as a number it would go through a double (a decimal's 1.10 would become 1.1).
 */
export function exactJson(json: string): string {
  if (json.startsWith('"') || json === 'null') return json;
  if (NUMBER.test(json)) return `"${json}"`;
  return stringify(parse(json), (_key, value: unknown) => (isLosslessNumber(value) ? value.toString() : value))!;
}
