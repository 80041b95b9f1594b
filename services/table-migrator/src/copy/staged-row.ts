import type { Hash } from 'node:crypto';
import cassandra from 'cassandra-driver';
import type { CopyPlan } from './copy-plan.js';

/**
 * A 64-bit integer as its native CQL bytes (big-endian, two's complement): a token or a
 * writetime, kept as it is bound and hashed, with no number or bigint made of it.
 */
export type Int64 = Buffer;

/** A set's or map's element: its own writetime and the second its TTL ends (0: none). */
export interface ElementTime {
  readonly writetime: Int64;
  readonly expires: number;
}

/** A cell as the copy stages it (`schemas/staged-row.v1.avsc`). */
export interface StagedCell {
  /** The value's native CQL bytes: what the protocol carries, so it is written back exactly. */
  readonly value: Buffer;
  /** Of a multi-cell value, the latest of its elements'. */
  readonly writetime: Int64;
  /** The second since the epoch its TTL ends, 0 for none. */
  readonly expires: number;
  /** A set's or map's elements, in the order of `value`'s; null for any other type. */
  readonly elements: readonly ElementTime[] | null;
}

/** A row as the copy stages, loads and checks it. */
export interface StagedRow {
  readonly token: Int64;
  /** The primary key's native bytes; null for the clustering of a partition's static cells alone. */
  readonly key: readonly (Buffer | null)[];
  /** In the order of `CopyPlan.columns`; null where the row has no cell. */
  readonly cells: readonly (StagedCell | null)[];
}

/**
 * Serializes what the driver decoded back to the protocol's bytes. Maps and sets must come
 * decoded as Map and Set (the client's `encoding` option): as plain objects a map's keys are
 * strings, and its key type lost.
 */
const encoder: { encode(value: unknown, type: TypeInfo): Buffer | null } = new (cassandra as unknown as { Encoder: new (version: number, options: object) => typeof encoder }).Encoder(4, { encoding: { map: Map, set: Set } });

/** A column's type as the driver describes it in a result's metadata. */
type TypeInfo = cassandra.metadata.DataTypeInfo;

/**
 * A row as `CopyPlan.select` reads it, at `nowSeconds` (since the epoch): each value as its
 * native bytes, each TTL as the second it ends, so that what remains of it is taken when the
 * cell is written, however long after the read that is.
 */
export function stagedRow(plan: CopyPlan, row: cassandra.types.Row, nowSeconds = 0): StagedRow {
  const values = row.values() as unknown[];
  const types = (row as unknown as { __columns: { type: TypeInfo }[] }).__columns;
  const now = Math.floor(nowSeconds);
  const keys = plan.partitionKey.length + plan.clustering.length;
  const key = values.slice(0, keys).map((value, i) => native(value, types[i]!.type));
  const cells = plan.columns.map((_, i) => {
    if (plan.counter) {
      const value = values[keys + i];
      return value === null ? null : { value: native(value, types[keys + i]!.type)!, writetime: NO_TIME, expires: 0, elements: null };
    }
    const at = keys + i * 3;
    const [value, writetime, ttl] = [values[at], values[at + 1], values[at + 2]];
    if (writetime === null || writetime === undefined || (Array.isArray(writetime) && writetime.length === 0)) return null;
    // The driver reads a value of no bytes as null where its type has no such value (an empty int).
    const bytes = native(value, types[at]!.type) ?? Buffer.alloc(0);
    if (!Array.isArray(writetime)) return { value: bytes, writetime: int64(writetime as cassandra.types.Long), expires: expiry(ttl, now), elements: null };
    // A collection or user type that is not frozen: a writetime and TTL per element.
    const ttls = (Array.isArray(ttl) ? ttl : []) as unknown[];
    const elements = (writetime as cassandra.types.Long[]).map((w, e) => ({ writetime: int64(w), expires: expiry(ttls[e], now) }));
    const latest = elements.reduce((a, b) => (compareInt64(b.writetime, a.writetime) > 0 ? b : a)).writetime;
    const expires = elements.reduce((max, e) => Math.max(max, e.expires), 0);
    return { value: bytes, writetime: latest, expires, elements: plan.columns[i]!.perElement ? elements : null };
  });
  return { token: int64(values.at(-1) as cassandra.types.Long), key, cells };
}

/** A counter's cells have no writetime. */
const NO_TIME: Int64 = Buffer.alloc(8);

function native(value: unknown, type: TypeInfo): Buffer | null {
  return value === null || value === undefined ? null : encoder.encode(value, type);
}

/** A bigint as the driver reads it (a Long), or a bigint or safe integer, as native bytes. */
export function int64(value: cassandra.types.Long | bigint | number): Int64 {
  const bytes = Buffer.allocUnsafe(8);
  if (typeof value === 'object') {
    bytes.writeInt32BE(value.high, 0);
    bytes.writeInt32BE(value.low, 4);
  } else bytes.writeBigInt64BE(BigInt(value));
  return bytes;
}

/** Orders two native 64-bit integers as the numbers they are. */
export function compareInt64(a: Int64, b: Int64): number {
  return a.readInt32BE(0) - b.readInt32BE(0) || a.readUInt32BE(4) - b.readUInt32BE(4);
}

function expiry(ttl: unknown, now: number): number {
  return ttl === null || ttl === undefined ? 0 : now + (ttl as number);
}

/** A row's primary key as one string: to tell rows apart across clusters and files. */
export function rowKey(row: Pick<StagedRow, 'key'>): string {
  return row.key.map((k) => (k === null ? '-' : k.toString('base64'))).join('.');
}

/**
 * Adds to `hash` what the check compares of a row: its token and key, and each cell's value,
 * writetimes and whether it has a TTL (TTLs count down: two reads a moment apart differ).
 * Written into one buffer kept for the purpose: this runs for every row read, three times.
 */
export function hashRow(hash: Hash, row: StagedRow): void {
  let size = 8;
  for (const k of row.key) size += 4 + (k?.length ?? 0);
  for (const cell of row.cells) size += cell === null ? 4 : 8 + cell.value.length + (cell.elements?.length ?? 1) * 9;
  if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.max(size, scratch.length * 2));
  let at = row.token.copy(scratch, 0);
  for (const k of row.key) {
    at = scratch.writeInt32BE(k === null ? -1 : k.length, at);
    if (k !== null) at += k.copy(scratch, at);
  }
  for (const cell of row.cells) {
    if (cell === null) {
      at = scratch.writeInt32BE(-1, at);
      continue;
    }
    at = scratch.writeInt32BE(cell.value.length, at);
    at += cell.value.copy(scratch, at);
    const times = cell.elements ?? [cell];
    at = scratch.writeInt32BE(times.length, at);
    for (const t of times) {
      at += t.writetime.copy(scratch, at);
      at = scratch.writeUInt8(t.expires === 0 ? 0 : 1, at);
    }
  }
  hash.update(scratch.subarray(0, at));
}

let scratch = Buffer.allocUnsafe(64 * 1024);
