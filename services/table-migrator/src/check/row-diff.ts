import { CLUSTER_NAMES, type ClusterName } from '@cutover/config';
import type { CopyPlan } from '../copy/copy-plan.js';
import { compareInt64, int64, rowKey, type Int64, type StagedCell, type StagedRow } from '../copy/staged-row.js';
import { Cursor } from './page-cursor.js';

import type { DifferenceKind } from '@cutover/migration-state';

export type { DifferenceKind };

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
 * The rows two token-ordered streams of one range disagree on, each stream given page by page.
 * Both clusters return a range's rows in the same order (token, then clustering), so the
 * streams are walked side by side: while both heads hold the same key (nearly always) their rows
 * are compared at once; rows of a token that do not line up are held by key until the token
 * ends, whatever the size of the range. Only a page's end waits.
 */
export async function* rowDifferences(plan: CopyPlan, origin: AsyncIterable<readonly StagedRow[]>, target: AsyncIterable<readonly StagedRow[]>, horizonMicros: bigint): AsyncGenerator<RowDifference> {
  const horizon = int64(horizonMicros);
  const [o, t] = [new Cursor(origin), new Cursor(target)];
  const unmatched = { origin: new Map<string, StagedRow>(), target: new Map<string, StagedRow>() };
  let token: Int64 | undefined;
  const flush = function* (): Generator<RowDifference> {
    for (const side of CLUSTER_NAMES) {
      for (const row of unmatched[side].values()) if (settled(plan, row, horizon)) yield difference(row, { [side]: row }, side === 'origin' ? 'missing-on-target' : 'extra-on-target', horizonMicros);
      unmatched[side].clear();
    }
  };
  const compared = (rows: { origin: StagedRow; target: StagedRow }): RowDifference | undefined => {
    const kind = rowDifference(plan, rows.origin, rows.target, horizon);
    return kind === undefined ? undefined : difference(rows.origin, rows, kind, horizonMicros);
  };
  /** A row of `side`: matched with the other side's row of the same key if it came, or held. */
  const take = (side: ClusterName, row: StagedRow): RowDifference | undefined => {
    const key = rowKey(row);
    const other = unmatched[side === 'origin' ? 'target' : 'origin'];
    const match = other.get(key);
    if (match === undefined) return void unmatched[side].set(key, row);
    other.delete(key);
    return compared(side === 'origin' ? { origin: row, target: match } : { origin: match, target: row });
  };
  for (;;) {
    const a = o.current ?? (await o.head());
    const b = t.current ?? (await t.head());
    if (a === undefined && b === undefined) break;
    const next = a === undefined ? b!.token : b === undefined ? a.token : compareInt64(a.token, b.token) <= 0 ? a.token : b.token;
    if (token === undefined || !next.equals(token)) {
      yield* flush();
      token = next;
    }
    const [fromOrigin, fromTarget] = [a?.token.equals(next) === true ? a : undefined, b?.token.equals(next) === true ? b : undefined];
    if (fromOrigin !== undefined) o.advance();
    if (fromTarget !== undefined) t.advance();
    let found: RowDifference | undefined;
    if (fromOrigin !== undefined && fromTarget !== undefined && unmatched.origin.size + unmatched.target.size === 0 && sameKey(fromOrigin, fromTarget)) {
      found = compared({ origin: fromOrigin, target: fromTarget });
    } else {
      found = fromOrigin === undefined ? undefined : take('origin', fromOrigin);
      if (found !== undefined) yield found;
      found = fromTarget === undefined ? undefined : take('target', fromTarget);
    }
    if (found !== undefined) yield found;
  }
  yield* flush();
}

function sameKey(a: StagedRow, b: StagedRow): boolean {
  return a.key.every((k, i) => {
    const other = b.key[i] ?? null;
    return k === null ? other === null : other !== null && k.equals(other);
  });
}

function difference(row: StagedRow, rows: Pick<RowDifference, 'origin' | 'target'>, kind: DifferenceKind, horizon: bigint): RowDifference {
  return { token: row.token.readBigInt64BE(), key: rowKey(row), keyValues: row.key, kind, ...rows, horizon };
}
