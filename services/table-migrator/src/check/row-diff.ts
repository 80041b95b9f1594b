import type { ChunkRecord } from '../copy/chunk-rows.js';
import type { CopyPlan } from '../copy/copy-plan.js';

/** A row as the check sees it: its place in the ring, its key, and its record. */
export interface CheckedRow {
  readonly token: bigint;
  /** `recordKey`: the row's primary key values. */
  readonly key: string;
  readonly record: ChunkRecord;
}

/** A row that is not the same on both sides: missing on one, or with a cell that differs. */
export interface RowDifference {
  readonly token: bigint;
  readonly key: string;
  readonly missingOn?: 'origin' | 'target';
}

/**
 * Whether two versions of a row agree on every cell written before `horizon` (µs since the
 * epoch). A cell either side has written since is in flight: the proxy writes each mutation to
 * both clusters a moment apart, so it is left out rather than taken for a difference. TTLs
 * count down: only which cells (or elements) have one compares.
 */
function sameRow(plan: CopyPlan, a: ChunkRecord, b: ChunkRecord, horizon: bigint): boolean {
  if (plan.counter) return a.every((value, i) => value === b[i]);
  const keys = plan.partitionKey.length + plan.clustering.length;
  for (let i = 0; i < plan.columns.length; i++) {
    const at = keys + i * 3;
    if (newest(a[at + 1]!) >= horizon || newest(b[at + 1]!) >= horizon) continue;
    if (a[at] !== b[at] || a[at + 1] !== b[at + 1] || hasTtl(a[at + 2]!) !== hasTtl(b[at + 2]!)) return false;
  }
  return true;
}

/** Whether a row one side lacks was written before `horizon`: a row written since may be on its way to the other side. */
function settled(plan: CopyPlan, record: ChunkRecord, horizon: bigint): boolean {
  const keys = plan.partitionKey.length + plan.clustering.length;
  let latest = -1n;
  for (let i = 0; i < plan.columns.length && !plan.counter; i++) {
    const written = newest(record[keys + i * 3 + 1]!);
    if (written > latest) latest = written;
  }
  // A row with its key alone has no writetime to tell its age: it counts.
  return latest < horizon;
}

/**
 * The rows two token-ordered streams of one range disagree on. Both clusters return a range's
 * rows in the same order (token, then clustering), so the streams are walked side by side:
 * rows that match go at once, and only rows not yet matched are held, up to the end of their
 * token, whatever the size of the range.
 */
export async function* rowDifferences(plan: CopyPlan, origin: AsyncIterable<CheckedRow>, target: AsyncIterable<CheckedRow>, horizon: bigint): AsyncGenerator<RowDifference> {
  const [o, t] = [new Peekable(origin), new Peekable(target)];
  const unmatched = { origin: new Map<string, CheckedRow>(), target: new Map<string, CheckedRow>() };
  let token: bigint | undefined;
  const flush = function* (): Generator<RowDifference> {
    for (const side of ['origin', 'target'] as const) {
      for (const row of unmatched[side].values()) if (settled(plan, row.record, horizon)) yield { token: row.token, key: row.key, missingOn: side === 'origin' ? 'target' : 'origin' };
      unmatched[side].clear();
    }
  };
  /** A row of `side`: matched with the other side's row of the same key if it came, or held. */
  const take = function* (side: 'origin' | 'target', row: CheckedRow): Generator<RowDifference> {
    const other = unmatched[side === 'origin' ? 'target' : 'origin'];
    const match = other.get(row.key);
    if (match === undefined) return void unmatched[side].set(row.key, row);
    other.delete(row.key);
    if (!sameRow(plan, side === 'origin' ? row.record : match.record, side === 'origin' ? match.record : row.record, horizon)) yield { token: row.token, key: row.key };
  };
  for (;;) {
    const [a, b] = [await o.peek(), await t.peek()];
    if (a === undefined && b === undefined) break;
    const next = a === undefined ? b!.token : b === undefined ? a.token : a.token < b.token ? a.token : b.token;
    if (next !== token) {
      yield* flush();
      token = next;
    }
    if (a?.token === next) yield* take('origin', (await o.next())!);
    if (b?.token === next) yield* take('target', (await t.next())!);
  }
  yield* flush();
}

/** The latest writetime of a cell, or of a set's or map's elements (a JSON list); -1 for none. */
function newest(writetime: string): bigint {
  if (writetime === '') return -1n;
  if (!writetime.startsWith('[')) return BigInt(writetime);
  return (JSON.parse(writetime) as string[]).reduce((max, w) => (BigInt(w) > max ? BigInt(w) : max), -1n);
}

/** Expiries are read a moment apart on each side: only which cells have one compares (a set's or map's: which elements). */
function hasTtl(expires: string): string {
  return expires.startsWith('[') ? (JSON.parse(expires) as unknown[]).map((e) => (e === null ? '0' : '1')).join('') : expires === '' ? '0' : '1';
}

/** An async iterator one can look one item ahead in. */
class Peekable<T> {
  private readonly iterator: AsyncIterator<T>;
  private ahead?: Promise<IteratorResult<T>>;

  constructor(source: AsyncIterable<T>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  async peek(): Promise<T | undefined> {
    this.ahead ??= this.iterator.next();
    const result = await this.ahead;
    return result.done === true ? undefined : result.value;
  }

  async next(): Promise<T | undefined> {
    const value = await this.peek();
    this.ahead = undefined;
    return value;
  }
}
