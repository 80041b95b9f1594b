import type { Hash } from 'node:crypto';
import cassandra from 'cassandra-driver';
import type { CopyPlan } from './copy-plan.js';

/** A set's or map's element: its own writetime and the second its TTL ends (0n: none). */
export interface ElementTime {
  readonly writetime: bigint;
  readonly expires: bigint;
}

/** A cell as the copy stages it (`schemas/staged-row.v1.avsc`). */
export interface StagedCell {
  /** The value's native CQL bytes: what the protocol carries, so it is written back exactly. */
  readonly value: Buffer;
  /** Of a multi-cell value, the latest of its elements'. */
  readonly writetime: bigint;
  /** The second since the epoch its TTL ends, 0n for none. */
  readonly expires: bigint;
  /** A set's or map's elements, in the order of `value`'s; null for any other type. */
  readonly elements: readonly ElementTime[] | null;
}

/** A row as the copy stages, loads and checks it. */
export interface StagedRow {
  readonly token: bigint;
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
  const now = BigInt(Math.floor(nowSeconds));
  const keys = plan.partitionKey.length + plan.clustering.length;
  const key = values.slice(0, keys).map((value, i) => native(value, types[i]!.type));
  const cells = plan.columns.map((_, i) => {
    if (plan.counter) {
      const value = values[keys + i];
      return value === null ? null : { value: native(value, types[keys + i]!.type)!, writetime: 0n, expires: 0n, elements: null };
    }
    const at = keys + i * 3;
    const [value, writetime, ttl] = [values[at], values[at + 1], values[at + 2]];
    if (writetime === null || writetime === undefined) return null;
    // The driver reads a value of no bytes as null where its type has no such value (an empty int).
    const bytes = native(value, types[at]!.type) ?? Buffer.alloc(0);
    if (!Array.isArray(writetime)) return { value: bytes, writetime: bigintOf(writetime), expires: expiry(ttl, now), elements: null };
    // A collection or user type that is not frozen: a writetime and TTL per element.
    const ttls = (Array.isArray(ttl) ? ttl : []) as unknown[];
    const elements = (writetime as unknown[]).map((w, e) => ({ writetime: bigintOf(w), expires: expiry(ttls[e], now) }));
    const latest = (of: (e: ElementTime) => bigint): bigint => elements.reduce((max, e) => (of(e) > max ? of(e) : max), 0n);
    return { value: bytes, writetime: latest((e) => e.writetime), expires: latest((e) => e.expires), elements: plan.columns[i]!.perElement ? elements : null };
  });
  return { token: bigintOf(values.at(-1)), key, cells };
}

function native(value: unknown, type: TypeInfo): Buffer | null {
  return value === null || value === undefined ? null : encoder.encode(value, type);
}

/** A bigint column as the driver gives it (a Long, or a bigint with `useBigIntAsLong`). */
function bigintOf(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (value === null || value === undefined) return 0n;
  const long = value as cassandra.types.Long;
  return BigInt.asIntN(64, (BigInt(long.high) << 32n) | BigInt(long.low >>> 0));
}

function expiry(ttl: unknown, now: bigint): bigint {
  return ttl === null || ttl === undefined ? 0n : now + BigInt(ttl as number);
}

/** A row's primary key as one string: to tell rows apart across clusters and files. */
export function rowKey(row: Pick<StagedRow, 'key'>): string {
  return row.key.map((k) => (k === null ? '-' : k.toString('base64'))).join('.');
}

/**
 * Adds to `hash` what the check compares of a row: its key, and each cell's value, writetimes
 * and whether it has a TTL (TTLs count down: two reads a moment apart differ).
 */
export function hashRow(hash: Hash, row: StagedRow): void {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(8);
  head.writeBigInt64BE(row.token);
  parts.push(head);
  for (const k of row.key) parts.push(lengthOf(k), ...(k === null ? [] : [k]));
  for (const cell of row.cells) {
    if (cell === null) {
      parts.push(lengthOf(null));
      continue;
    }
    const times = cell.elements ?? [cell];
    const meta = Buffer.alloc(4 + times.length * 9);
    meta.writeInt32BE(times.length);
    times.forEach((t, i) => {
      meta.writeBigInt64BE(t.writetime, 4 + i * 9);
      meta.writeUInt8(t.expires === 0n ? 0 : 1, 12 + i * 9);
    });
    parts.push(lengthOf(cell.value), cell.value, meta);
  }
  hash.update(Buffer.concat(parts));
}

function lengthOf(bytes: Buffer | null): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32BE(bytes === null ? -1 : bytes.length);
  return length;
}
