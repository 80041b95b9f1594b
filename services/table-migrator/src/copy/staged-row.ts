import type { Hash } from 'node:crypto';
import cassandra from 'cassandra-driver';
import { itemsOf } from './collection-bytes.js';
import type { CopyPlan } from './copy-plan.js';
import type { RawRow } from './range-pages.js';

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
 * A row as `CopyPlan.select` reads it (`rangePages`): every value as the bytes the protocol
 * carries, kept as they are; each TTL as the second it ends (at `nowSeconds`, since the epoch),
 * so that what remains of it is taken when the cell is written, however long after the read
 * that is. A non-frozen collection's or user type's writetimes and TTLs come as lists, an
 * element each.
 */
export function stagedRow(plan: CopyPlan, values: RawRow, nowSeconds = 0): StagedRow {
  const now = Math.floor(nowSeconds);
  const keys = plan.partitionKey.length + plan.clustering.length;
  const key = values.slice(0, keys);
  const cells = plan.columns.map((column, i) => {
    if (plan.counter) {
      const value = values[keys + i] ?? null;
      return value === null ? null : { value, writetime: NO_TIME, expires: 0, elements: null };
    }
    const at = keys + i * 3;
    const [value, writetime, ttl] = [values[at] ?? null, values[at + 1] ?? null, values[at + 2] ?? null];
    if (writetime === null) return null;
    if (!column.multiCell) return { value: value ?? EMPTY, writetime, expires: expiry(ttl, now), elements: null };
    // A collection or user type that is not frozen: a writetime and TTL per element.
    const writetimes = itemsOf(writetime);
    if (writetimes.length === 0) return null;
    const ttls = ttl === null ? [] : itemsOf(ttl);
    const elements = writetimes.map((w, e) => ({ writetime: w!, expires: expiry(ttls[e] ?? null, now) }));
    const latest = elements.reduce((a, b) => (compareInt64(b.writetime, a.writetime) > 0 ? b : a)).writetime;
    const expires = elements.reduce((max, e) => Math.max(max, e.expires), 0);
    return { value: value ?? EMPTY, writetime: latest, expires, elements: column.perElement ? elements : null };
  });
  return { token: values.at(-1)!, key, cells };
}

/** Pages of rows read (`rangePages`, `partitionPages`) as staged rows, each TTL's end taken when its page came. */
export async function* stagedPages(plan: CopyPlan, pages: AsyncIterable<readonly RawRow[]>): AsyncGenerator<StagedRow[]> {
  for await (const page of pages) {
    const now = Date.now() / 1000;
    yield page.map((values) => stagedRow(plan, values, now));
  }
}

const EMPTY = Buffer.alloc(0);

/** A counter's cells have no writetime. */
const NO_TIME: Int64 = Buffer.alloc(8);

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

/** The second a TTL (an int's native bytes) ends; 0 for none. */
function expiry(ttl: Buffer | null, now: number): number {
  return ttl === null ? 0 : now + ttl.readInt32BE(0);
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
