import type { ClusterName } from '@cutover/config';
import { Backoff } from '@cutover/errors';
import type cassandra from 'cassandra-driver';
import { forEachConcurrently } from '../concurrently.js';
import type { CopyPlan } from '../copy/copy-plan.js';
import { partitionPages } from '../copy/range-pages.js';
import { stagedPages, type StagedRow } from '../copy/staged-row.js';
import { Pace } from './pace.js';
import { rowDifferences, type RowDifference } from './row-diff.js';

/** Partitions of a table compared on both clusters (`cutover verify --changed-since`). */
export interface PartitionsVerification {
  readonly keyspace: string;
  readonly table: string;
  readonly partitions: number;
  /** Rows read on each side, at the first look. */
  readonly rows: { readonly origin: number; readonly target: number };
  /** Rows that differed at every look. */
  readonly differences: readonly RowDifference[];
  /** The partitions of those rows: what to compare again after a repair. */
  readonly differingPartitions: readonly (readonly Buffer[])[];
}

export interface PartitionsOptions {
  /** Looks at a partition, while it differs (3). */
  readonly attempts?: number;
  /** Between looks (1 s). */
  readonly retryMs?: number;
  /** Cells written this recently are in flight and left out (2 s). */
  readonly inFlightMs?: number;
  /** Partitions read at once, each on both clusters (32). */
  readonly concurrency?: number;
  /** Rows a second read from each cluster at most (VERIFY_RATE); 0: no limit. */
  readonly rate?: number;
}

/**
 * Compares the named partitions of a table (each its partition key's values, as bytes) on both
 * clusters: each read whole on each side, its rows walked side by side as a range's are. The
 * partitions that differ are looked at again, in generations a second apart, and only a row that
 * differs at every look counts: writes in flight reach one cluster a moment before the other.
 */
export async function verifyPartitions(origin: cassandra.Client, target: cassandra.Client, plan: CopyPlan, partitions: readonly (readonly Buffer[])[], options: PartitionsOptions = {}): Promise<PartitionsVerification> {
  const { attempts = 3, retryMs = 1000, inFlightMs = 2000, concurrency = 32, rate = 0 } = options;
  const paces = { origin: new Pace(rate), target: new Pace(rate) };
  let pending = partitions;
  let differing: Map<string, RowDifference> | undefined;
  let rows: { origin: number; target: number } | undefined;
  const looks = new Backoff({ initialDelayMs: retryMs, maxAttempts: attempts });
  for (;;) {
    const horizon = BigInt(Date.now() - inFlightMs) * 1000n;
    const look = await lookAt({ origin, target, paces }, plan, pending, horizon, concurrency);
    rows ??= look.rows;
    // A row counts only if it differed at every look so far.
    differing = new Map([...look.differences].filter(([key]) => differing === undefined || differing.has(key)));
    pending = partitionsOf(plan, differing.values());
    if (differing.size === 0 || !(await looks.wait())) break;
  }
  const differences = [...differing.values()].sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : 0));
  return { keyspace: plan.keyspace, table: plan.table, partitions: partitions.length, rows, differences, differingPartitions: pending };
}

/** One look at the partitions: the rows each side had, and the rows that differed, by key. */
async function lookAt(clusters: { origin: cassandra.Client; target: cassandra.Client; paces: { origin: Pace; target: Pace } }, plan: CopyPlan, partitions: readonly (readonly Buffer[])[], horizon: bigint, concurrency: number): Promise<{ rows: { origin: number; target: number }; differences: Map<string, RowDifference> }> {
  const rows = { origin: 0, target: 0 };
  const differences = new Map<string, RowDifference>();
  const read = (side: ClusterName, key: readonly Buffer[]): AsyncGenerator<readonly StagedRow[]> => tally(stagedPages(plan, partitionPages(clusters[side], plan, key, { pace: clusters.paces[side] })), (n) => (rows[side] += n));
  await forEachConcurrently(partitions, concurrency, async (key) => {
    for await (const difference of rowDifferences(plan, read('origin', key), read('target', key), horizon)) differences.set(difference.key, difference);
  });
  return { rows, differences };
}

/** The partitions the rows are of, each once. */
function partitionsOf(plan: CopyPlan, differences: Iterable<RowDifference>): (readonly Buffer[])[] {
  const partitions = new Map<string, readonly Buffer[]>();
  for (const { keyValues } of differences) {
    const key = keyValues.slice(0, plan.partitionKey.length) as Buffer[];
    partitions.set(key.map((k) => k.toString('hex')).join('.'), key);
  }
  return [...partitions.values()];
}

async function* tally<T>(pages: AsyncIterable<readonly T[]>, count: (n: number) => void): AsyncGenerator<readonly T[]> {
  for await (const page of pages) {
    count(page.length);
    yield page;
  }
}
