import type cassandra from 'cassandra-driver';
import { forEachConcurrently } from '../concurrently.js';
import type { CopyPlan } from '../copy/copy-plan.js';
import { splitRing, type TokenRange } from '../plan/token-ring.js';
import { TOO_MANY, checkRange, type CheckOptions, type RangeCheck } from './check-range.js';
import { Pace } from './pace.js';
import type { RowDifference } from './row-diff.js';

/** A table compared on both clusters, every row (`cutover verify`). */
export interface TableVerification {
  readonly keyspace: string;
  readonly table: string;
  /** Rows read on each side (at the last look of each range). */
  readonly rows: { readonly origin: number; readonly target: number };
  readonly ranges: number;
  readonly rangesMatching: number;
  /** The ranges that differ: what to compare again after a repair. */
  readonly differingRanges: readonly TokenRange[];
  /** Every row that differed at each look, in token order. */
  readonly differences: readonly RowDifference[];
  /** False when a range had so many differing rows that its comparison stopped looking: `differences` holds some of them. */
  readonly complete: boolean;
}

export interface VerifyOptions extends Pick<CheckOptions, 'attempts' | 'retryMs' | 'inFlightMs' | 'pageRows'> {
  /** Token ranges the ring is compared in (32): what progress is counted in; or the ranges to compare. */
  readonly ranges?: number | readonly TokenRange[];
  /** Ranges compared at once, each read on both clusters (4). */
  readonly concurrency?: number;
  /** Called as each range is done. */
  readonly onRange?: (done: number, total: number) => void;
  /** Rows a second read from each cluster at most (VERIFY_RATE); 0: no limit. */
  readonly rate?: number;
  /** Or the paces to share with other comparisons (those of a process's workers), in place of `rate`. */
  readonly paces?: ClusterPaces;
}

/** What reads on each cluster take their turn from. */
export interface ClusterPaces {
  readonly origin: Pace;
  readonly target: Pace;
}

/** Larger pages than the copy's: they cost the clusters less a row (measured: 12 against 10 µs, bench/verify). */
const PAGE_ROWS = 5000;

/**
 * Compares every row of a table on origin and target, now: the ring in token ranges, each read
 * once on each cluster and the two walked side by side, so that each row is read once on each
 * side and no row is looked up alone. (Hashing ranges and splitting the ones that differ would
 * read each row again for every split: the hash is computed here, not by the clusters.) A row
 * that differs is looked at again before it counts, as the copy's check does: writes in flight
 * reach one cluster a moment before the other.
 */
export async function verifyTable(origin: cassandra.Client, target: cassandra.Client, plan: CopyPlan, options: VerifyOptions = {}): Promise<TableVerification> {
  const { ranges: which = 32, concurrency = 4, onRange, pageRows = PAGE_ROWS, rate = 0, paces = { origin: new Pace(rate), target: new Pace(rate) }, ...check } = options;
  const ranges = typeof which === 'number' ? splitRing(which) : which;
  const checks = new Array<RangeCheck>(ranges.length);
  let done = 0;
  await forEachConcurrently(ranges, concurrency, async (range, i) => {
    checks[i] = await checkRange(origin, target, plan, range, { ...check, pageRows, paces, examples: TOO_MANY });
    onRange?.(++done, ranges.length);
  });
  return {
    keyspace: plan.keyspace,
    table: plan.table,
    rows: { origin: sum(checks, (c) => c.rows.origin), target: sum(checks, (c) => c.rows.target) },
    ranges: ranges.length,
    rangesMatching: checks.filter((c) => c.matches).length,
    differingRanges: checks.filter((c) => !c.matches).map((c) => c.range),
    differences: checks.flatMap((c) => c.examples),
    complete: checks.every((c) => c.complete),
  };
}

function sum(checks: readonly RangeCheck[], of: (check: RangeCheck) => number): number {
  return checks.reduce((total, c) => total + of(c), 0);
}
