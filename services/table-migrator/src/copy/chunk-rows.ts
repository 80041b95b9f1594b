import cassandra from 'cassandra-driver';
import { isLosslessNumber, parse, stringify } from 'lossless-json';
import { identifier } from '../schema/ddl.js';
import type { CopyPlan } from './copy-plan.js';

/** One row as a chunk file holds it, in the order of `CopyPlan.header`; '' where a column has no cell. */
export type ChunkRecord = readonly string[];

export interface Statement {
  readonly query: string;
  readonly params: unknown[];
}

/**
 * A row as unload reads it (`CopyPlan.select`'s columns, in order) to its chunk record. A
 * multi-cell column's writetimes and TTLs come as lists, one per element: the latest stand.
 */
export function toRecord(plan: CopyPlan, values: readonly unknown[]): ChunkRecord {
  if (plan.counter) return values.map(String);
  const keys = plan.partitionKey.length + plan.clustering.length;
  const record = values.slice(0, keys).map(String);
  for (let i = 0; i < plan.columns.length; i++) {
    const [json, writetime, ttl] = values.slice(keys + i * 3, keys + i * 3 + 3);
    record.push(String(json), latest(writetime), latest(ttl));
  }
  record.push(String(values.at(-1)));
  return record;
}

/** A record's primary key, as one string: to tell rows apart across clusters and files. */
export function recordKey(plan: CopyPlan, record: ChunkRecord): string {
  return JSON.stringify(record.slice(0, plan.partitionKey.length + plan.clustering.length));
}

function latest(value: unknown): string {
  const all = (Array.isArray(value) ? value : [value]).filter((v) => v !== null && v !== undefined).map((v) => BigInt(String(v)));
  return all.length === 0 ? '' : String(all.reduce((a, b) => (a > b ? a : b)));
}

/**
 * The writes that put a chunk record on target: each group of cells that share a writetime
 * and TTL in one UPDATE with that timestamp and the TTL that remains after `elapsedSeconds`
 * (expired cells are left out), static cells keyed by the partition alone (with `statics`,
 * once per partition). UPDATE writes no row marker of its own; a row with no cell but its key
 * is INSERTed with the oldest timestamp there is, so that it never outlives a delete.
 */
export function statementsFor(plan: CopyPlan, record: ChunkRecord, elapsedSeconds: number, statics: boolean): Statement[] {
  const keys = [...plan.partitionKey, ...plan.clustering];
  const keyValues = record.slice(0, keys.length).map(exactJson);
  const staticOnly = plan.clustering.length > 0 && keyValues.slice(plan.partitionKey.length).some((k) => k === 'null');
  const groups = new Map<string, { timestamp: string; ttl: number; cells: { name: string; json: string }[]; static: boolean }>();
  plan.columns.forEach((column, i) => {
    const [json, timestamp, ttl] = record.slice(keys.length + i * 3, keys.length + i * 3 + 3) as [string, string, string];
    if (timestamp === '' || (column.static ? !statics : staticOnly)) return;
    const remaining = ttl === '' ? 0 : Number(ttl) - Math.floor(elapsedSeconds);
    if (ttl !== '' && remaining <= 0) return; // expired since it was unloaded
    const group = `${column.static}/${timestamp}/${remaining}`;
    if (!groups.has(group)) groups.set(group, { timestamp, ttl: remaining, cells: [], static: column.static });
    groups.get(group)!.cells.push({ name: column.name, json: exactJson(json) });
  });
  const table = `${identifier(plan.keyspace)}.${identifier(plan.table)}`;
  const where = (names: readonly string[]): string => names.map((k) => `${identifier(k)} = fromJson(?)`).join(' AND ');
  const statements = [...groups.values()].map((g) => {
    const keyed = g.static ? plan.partitionKey : keys;
    return {
      query: `UPDATE ${table} USING TIMESTAMP ? AND TTL ? SET ${g.cells.map((c) => `${identifier(c.name)} = fromJson(?)`).join(', ')} WHERE ${where(keyed)}`,
      params: [cassandra.types.Long.fromString(g.timestamp), g.ttl, ...g.cells.map((c) => c.json), ...keyValues.slice(0, keyed.length)],
    };
  });
  if (!staticOnly && ![...groups.values()].some((g) => !g.static)) {
    statements.push({ query: `INSERT INTO ${table} (${keys.map(identifier).join(', ')}) VALUES (${keys.map(() => 'fromJson(?)').join(', ')}) USING TIMESTAMP 1`, params: keyValues });
  }
  return statements;
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

/**
 * Cassandra's JSON with every number written as a string, which fromJson reads exactly for
 * every numeric type; as a number it would go through a double (a decimal's 1.10 would become 1.1).
 */
export function exactJson(json: string): string {
  if (json.startsWith('"') || json === 'null') return json;
  return stringify(parse(json), (_key, value: unknown) => (isLosslessNumber(value) ? value.toString() : value))!;
}
