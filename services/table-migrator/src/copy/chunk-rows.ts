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
 * A row as unload reads it (`CopyPlan.select`'s columns, in order) to its chunk record. A
 * multi-cell column's writetimes and TTLs come as lists, one per element, in the order of its
 * JSON: a set's or map's are kept as JSON arrays of strings (TTL null where none), the latest
 * stand for the others.
 */
export function toRecord(plan: CopyPlan, values: readonly unknown[]): ChunkRecord {
  if (plan.counter) return values.map(String);
  const keys = plan.partitionKey.length + plan.clustering.length;
  const record = values.slice(0, keys).map(String);
  for (let i = 0; i < plan.columns.length; i++) {
    const at = keys + i * 3;
    const [json, writetime, ttl] = [values[at], values[at + 1], values[at + 2]];
    const column = plan.columns[i]!;
    const each = column.perElement && Array.isArray(writetime);
    record.push(column.native ? numberJson(json) : String(json), each ? perElement(writetime) : latest(writetime), each ? perElement(ttl) : latest(ttl));
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

function perElement(values: unknown): string {
  return JSON.stringify((Array.isArray(values) ? values : []).map((v) => (v === null || v === undefined ? null : String(v))));
}

function latest(value: unknown): string {
  // Most cells are one, with one writetime (a Long or a number): no list to reduce.
  if (!Array.isArray(value)) return value === null || value === undefined ? '' : (value as { toString(): string }).toString();
  const all = value.filter((v) => v !== null && v !== undefined).map((v) => BigInt(String(v)));
  return all.length === 0 ? '' : String(all.reduce((a, b) => (a > b ? a : b)));
}

/**
 * The writes that put a chunk record on target: each group of cells that share a writetime
 * and TTL in one UPDATE with that timestamp and the TTL that remains after `elapsedSeconds`
 * (expired cells are left out), a set's or map's elements added each in its own group, static
 * cells keyed by the partition alone (with `statics`, once per partition). UPDATE writes no row marker of its own; a row with no cell but its key
 * is INSERTed with the oldest timestamp there is, so that it never outlives a delete.
 */
export function statementsFor(plan: CopyPlan, record: ChunkRecord, elapsedSeconds: number, statics: boolean): Statement[] {
  const keys = [...plan.partitionKey, ...plan.clustering];
  const keyValues = record.slice(0, keys.length).map(exactJson);
  const staticOnly = plan.clustering.length > 0 && keyValues.slice(plan.partitionKey.length).some((k) => k === 'null');
  const groups = new Map<string, { timestamp: string; ttl: number; cells: { set: string; json: string }[]; static: boolean }>();
  const add = (column: CopyColumn, timestamp: string, ttl: string | null, set: string, json: string): void => {
    const remaining = ttl === null || ttl === '' ? 0 : Number(ttl) - Math.floor(elapsedSeconds);
    if (ttl !== null && ttl !== '' && remaining <= 0) return; // expired since it was unloaded
    const group = `${column.static}/${timestamp}/${remaining}`;
    if (!groups.has(group)) groups.set(group, { timestamp, ttl: remaining, cells: [], static: column.static });
    groups.get(group)!.cells.push({ set, json });
  };
  plan.columns.forEach((column, i) => {
    const [json, timestamp, ttl] = record.slice(keys.length + i * 3, keys.length + i * 3 + 3) as [string, string, string];
    if (timestamp === '' || (column.static ? !statics : staticOnly)) return;
    const name = identifier(column.name);
    if (!timestamp.startsWith('[')) return add(column, timestamp, ttl, `${name} = fromJson(?)`, exactJson(json));
    // A set's or map's elements, each added with its own writetime and TTL.
    const timestamps = JSON.parse(timestamp) as string[];
    const ttls = JSON.parse(ttl) as (string | null)[];
    const elements = elementsOf(json);
    const byCell = new Map<string, number[]>();
    timestamps.forEach((t, e) => {
      const cell = `${t}/${ttls[e] ?? ''}`;
      byCell.set(cell, [...(byCell.get(cell) ?? []), e]);
    });
    for (const chosen of byCell.values()) add(column, timestamps[chosen[0]!]!, ttls[chosen[0]!] ?? null, `${name} = ${name} + fromJson(?)`, elements(chosen));
  });
  const table = `${identifier(plan.keyspace)}.${identifier(plan.table)}`;
  const where = (names: readonly string[]): string => names.map((k) => `${identifier(k)} = fromJson(?)`).join(' AND ');
  const statements = [...groups.values()].map((g) => {
    const keyed = g.static ? plan.partitionKey : keys;
    return {
      query: `UPDATE ${table} USING TIMESTAMP ? AND TTL ? SET ${g.cells.map((c) => c.set).join(', ')} WHERE ${where(keyed)}`,
      params: [cassandra.types.Long.fromString(g.timestamp), g.ttl, ...g.cells.map((c) => c.json), ...keyValues.slice(0, keyed.length)],
    };
  });
  if (!staticOnly && ![...groups.values()].some((g) => !g.static)) {
    statements.push({ query: `INSERT INTO ${table} (${keys.map(identifier).join(', ')}) VALUES (${keys.map(() => 'fromJson(?)').join(', ')}) USING TIMESTAMP 1`, params: keyValues });
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

/** The record without the lists target already has at the copy's writetime or later (`writetimes`: listCheck's answer, in its order). */
export function withoutCopiedLists(plan: CopyPlan, record: ChunkRecord, writetimes: readonly unknown[]): ChunkRecord {
  const keys = plan.partitionKey.length + plan.clustering.length;
  const out = [...record];
  let answer = 0;
  plan.columns.forEach((column, i) => {
    const at = keys + i * 3;
    if (!isList(column.type) || record[at + 1] === '' || (!column.static && record.slice(plan.partitionKey.length, keys).includes('null'))) return;
    const there = latest(writetimes[answer++]);
    if (there !== '' && BigInt(there) >= BigInt(record[at + 1]!)) out.splice(at, 3, 'null', '', '');
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
