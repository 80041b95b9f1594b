import { createHash } from 'node:crypto';
import { Backoff } from '@cutover/errors';
import type cassandra from 'cassandra-driver';
import type { CopyPlan } from '../copy/copy-plan.js';
import { rangePages, type PageOptions } from '../copy/range-pages.js';
import { hashRow, rowKey, stagedPages, type StagedRow } from '../copy/staged-row.js';
import type { TokenRange } from '../plan/token-ring.js';
import type { Pace } from './pace.js';
import { rowDifferences, type RowDifference } from './row-diff.js';

/** One token range of a table compared on both clusters. */
export interface RangeCheck {
  readonly range: TokenRange;
  /** Rows read on each side, at the last look (origin's: the staged rows', when origin was not read again). */
  readonly rows: { readonly origin: number; readonly target: number };
  /** Same rows, values and writetimes on both sides (TTLs count down, so only whether a cell has one counts). */
  readonly matches: boolean;
  /** Rows that differed at every look; up to `CheckOptions.examples` of them in `examples`. */
  readonly differences: number;
  readonly examples: readonly RowDifference[];
  /** False when so many rows differed that the comparison stopped looking (TOO_MANY): `differences` is a lower bound. */
  readonly complete: boolean;
  /** Whether origin was read: not when target's rows hashed as the staged ones did. */
  readonly originRead: boolean;
}

export interface CheckOptions {
  /**
   * What the range held when it was staged (`hashRow` over its rows, and how many): target is
   * read alone first, and origin only when target's rows hash otherwise (writes since, rows
   * target refused, cells expired, a copy gone wrong).
   */
  readonly staged?: { readonly sha256: string; readonly rows: number };
  /** The rows keyed here are left out (the bad rows of the chunk, which target refused). */
  readonly skip?: ReadonlySet<string>;
  /** Looks at the range, while rows differ (3). */
  readonly attempts?: number;
  /** Between looks (1 s). */
  readonly retryMs?: number;
  /**
   * Cells written this recently are in flight and left out (2 s): with the application writing
   * through the proxy, each write reaches one cluster a moment before the other. 0 when nothing
   * writes.
   */
  readonly inFlightMs?: number;
  /** Differing rows kept in `examples` (10). */
  readonly examples?: number;
  /** Rows per page of each side's read (1,000): larger pages cost the clusters less a row, and hold more in memory. */
  readonly pageRows?: number;
  /** The rate of rows read from each cluster. */
  readonly paces?: { readonly origin: Pace; readonly target: Pace };
}

/** So many differing rows at one look are no writes in flight: the range differs, and is not looked at again. */
export const TOO_MANY = 10_000;

/**
 * Compares a token range of both clusters. With what the range held when it was staged, target
 * alone is read first: the same digest, and the range matches without reading origin again.
 * Otherwise both are read and compared row by row; a row that differs must differ at every
 * look, a second apart, to count: the application's writes through the proxy land on one
 * cluster a moment before the other, and a check of a range they write to would otherwise fail
 * now and then for nothing.
 */
export async function checkRange(origin: cassandra.Client, target: cassandra.Client, plan: CopyPlan, range: TokenRange, options: CheckOptions = {}): Promise<RangeCheck> {
  const { staged, skip = new Set(), attempts = 3, retryMs = 1000, inFlightMs = 2000, examples = 10, pageRows, paces } = options;
  if (staged !== undefined && skip.size === 0) {
    const hash = createHash('sha256');
    let rows = 0;
    for await (const page of scan(target, plan, range, { skip, pageRows, pace: paces?.target })) {
      for (const row of page) hashRow(hash, row);
      rows += page.length;
    }
    if (hash.digest('hex') === staged.sha256) return { range, rows: { origin: staged.rows, target: rows }, matches: true, differences: 0, examples: [], complete: true, originRead: false };
  }
  let differing: Map<string, RowDifference> | undefined;
  let rows = { origin: 0, target: 0 };
  const looks = new Backoff({ initialDelayMs: retryMs, maxAttempts: attempts });
  for (;;) {
    const horizon = BigInt(Date.now() - inFlightMs) * 1000n;
    const counts = { origin: 0, target: 0 };
    const found = new Map<string, RowDifference>();
    const streams = [origin, target].map((client, i) => scan(client, plan, range, { skip, pageRows, pace: paces?.[i === 0 ? 'origin' : 'target'], count: (rows) => (counts[i === 0 ? 'origin' : 'target'] += rows) }));
    for await (const difference of rowDifferences(plan, streams[0]!, streams[1]!, horizon)) {
      if (differing === undefined || differing.has(difference.key)) found.set(difference.key, difference);
      if (found.size >= TOO_MANY) break;
    }
    [differing, rows] = [found, counts];
    if (found.size === 0 || found.size >= TOO_MANY || !(await looks.wait())) break;
  }
  return { range, rows, matches: differing.size === 0, differences: differing.size, examples: [...differing.values()].slice(0, examples), complete: differing.size < TOO_MANY, originRead: true };
}

/** The range's rows on one cluster, page by page in token order, the skipped ones left out; `count` told how many. */
async function* scan(client: cassandra.Client, plan: CopyPlan, range: TokenRange, options: PageOptions & { skip: ReadonlySet<string>; count?: (rows: number) => void }): AsyncGenerator<StagedRow[]> {
  const { skip, count, ...pages } = options;
  for await (let rows of stagedPages(plan, rangePages(client, plan, range, pages))) {
    if (skip.size > 0) rows = rows.filter((row) => !skip.has(rowKey(row)));
    count?.(rows.length);
    yield rows;
  }
}
