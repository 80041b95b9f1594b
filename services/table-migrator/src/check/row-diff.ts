import type { CopyPlan } from '../copy/copy-plan.js';
import { compareInt64, int64, type Int64, type StagedCell, type StagedRow } from '../copy/staged-row.js';

/** A row as the check sees it: its key (`rowKey`), and the row. */
export interface CheckedRow {
  readonly key: string;
  readonly row: StagedRow;
}

/**
 * How a row differs: there on origin only (`missing-on-target`), on target only
 * (`extra-on-target`), a cell's value (or whether there is one: `values`), or the same values
 * written at other times (a writetime, or whether a cell has a TTL: `writetime`).
 */
export type DifferenceKind = 'missing-on-target' | 'extra-on-target' | 'values' | 'writetime';

/** A row that is not the same on both sides. */
export interface RowDifference {
  readonly token: bigint;
  readonly key: string;
  /** The primary key's native bytes, as `StagedRow.key`. */
  readonly keyValues: StagedRow['key'];
  readonly kind: DifferenceKind;
  /** The row as each side had it when compared; undefined on the side it is missing from. */
  readonly origin?: StagedRow;
  readonly target?: StagedRow;
  /** µs since the epoch: the comparison left out cells written since (in flight). */
  readonly horizon: bigint;
}

/**
 * How two versions of a row differ in the cells written before `horizon` (µs since the epoch);
 * undefined when they agree. A cell either side has written since is in flight: the proxy
 * writes each mutation to both clusters a moment apart, so it is left out rather than taken for
 * a difference. TTLs count down: only which cells (or elements) have one compares. A different
 * value outweighs a different writetime.
 */
function rowDifference(plan: CopyPlan, a: StagedRow, b: StagedRow, horizon: Int64): 'values' | 'writetime' | undefined {
  let kind: 'writetime' | undefined;
  for (const [i, cell] of a.cells.entries()) {
    const other = b.cells[i] ?? null;
    if (!plan.counter && (inFlight(cell, horizon) || inFlight(other, horizon))) continue;
    if (cell === null || other === null) {
      if (cell !== other) return 'values';
      continue;
    }
    if (!cell.value.equals(other.value)) return 'values';
    if (!plan.counter && !sameTimes(cell, other)) kind = 'writetime';
  }
  return kind;
}

function sameTimes(a: StagedCell, b: StagedCell): boolean {
  const [x, y] = [a.elements ?? [a], b.elements ?? [b]];
  return x.length === y.length && x.every((t, e) => t.writetime.equals(y[e]!.writetime) && (t.expires === 0) === (y[e]!.expires === 0));
}

/** Whether a row one side lacks was written before `horizon`: a row written since may be on its way to the other side. */
function settled(plan: CopyPlan, row: StagedRow, horizon: Int64): boolean {
  // A row with its key alone (or of counters) has no writetime to tell its age: it counts.
  return plan.counter || row.cells.every((cell) => !inFlight(cell, horizon));
}

/** Whether a cell (its latest element, for a collection) was written at `horizon` or since. */
function inFlight(cell: StagedCell | null | undefined, horizon: Int64): boolean {
  return cell !== null && cell !== undefined && compareInt64(cell.writetime, horizon) >= 0;
}

/**
 * The rows two token-ordered streams of one range disagree on. Both clusters return a range's
 * rows in the same order (token, then clustering), so the streams are walked side by side:
 * rows that match go at once, and only rows not yet matched are held, up to the end of their
 * token, whatever the size of the range.
 */
export async function* rowDifferences(plan: CopyPlan, origin: AsyncIterable<CheckedRow>, target: AsyncIterable<CheckedRow>, horizonMicros: bigint): AsyncGenerator<RowDifference> {
  const horizon = int64(horizonMicros);
  const [o, t] = [new Peekable(origin), new Peekable(target)];
  const unmatched = { origin: new Map<string, CheckedRow>(), target: new Map<string, CheckedRow>() };
  let token: Int64 | undefined;
  const flush = function* (): Generator<RowDifference> {
    for (const side of ['origin', 'target'] as const) {
      for (const row of unmatched[side].values()) if (settled(plan, row.row, horizon)) yield difference(row, { [side]: row.row }, side === 'origin' ? 'missing-on-target' : 'extra-on-target', horizonMicros);
      unmatched[side].clear();
    }
  };
  /** A row of `side`: matched with the other side's row of the same key if it came, or held. */
  const take = function* (side: 'origin' | 'target', row: CheckedRow): Generator<RowDifference> {
    const other = unmatched[side === 'origin' ? 'target' : 'origin'];
    const match = other.get(row.key);
    if (match === undefined) return void unmatched[side].set(row.key, row);
    other.delete(row.key);
    const rows = side === 'origin' ? { origin: row.row, target: match.row } : { origin: match.row, target: row.row };
    const kind = rowDifference(plan, rows.origin, rows.target, horizon);
    if (kind !== undefined) yield difference(row, rows, kind, horizonMicros);
  };
  for (;;) {
    const [a, b] = [await o.peek(), await t.peek()];
    if (a === undefined && b === undefined) break;
    const next = a === undefined ? b!.row.token : b === undefined ? a.row.token : compareInt64(a.row.token, b.row.token) <= 0 ? a.row.token : b.row.token;
    if (token === undefined || !next.equals(token)) {
      yield* flush();
      token = next;
    }
    if (a?.row.token.equals(next) === true) yield* take('origin', (await o.next())!);
    if (b?.row.token.equals(next) === true) yield* take('target', (await t.next())!);
  }
  yield* flush();
}

function difference({ key, row }: CheckedRow, rows: Pick<RowDifference, 'origin' | 'target'>, kind: DifferenceKind, horizon: bigint): RowDifference {
  return { token: row.token.readBigInt64BE(), key, keyValues: row.key, kind, ...rows, horizon };
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
