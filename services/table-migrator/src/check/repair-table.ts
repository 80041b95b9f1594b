import cassandra from 'cassandra-driver';
import { forEachConcurrently } from '../concurrently.js';
import type { CopyPlan } from '../copy/copy-plan.js';
import { repairWrites } from './repair-writes.js';
import type { RowDifference } from './row-diff.js';

/** What a repair did. */
export interface Repair {
  /** Rows whose writes target took. */
  readonly rows: number;
  readonly writes: number;
  /** Rows target refused a write of, and its answer. */
  readonly failed: readonly { readonly difference: RowDifference; readonly reason: string }[];
}

/**
 * Writes to target origin's version of each differing row, as `repairWrites` makes it safe to
 * (never over a write newer than the one compared), `concurrency` rows at a time. A counter
 * table is not repaired: an increment has no writetime to make it safe.
 */
export async function repairTable(target: cassandra.Client, plan: CopyPlan, differences: readonly RowDifference[], options: { readonly concurrency?: number } = {}): Promise<Repair> {
  if (plan.counter) throw new TypeError(`${plan.keyspace}.${plan.table} is a counter table: its rows cannot be repaired safely`);
  const failed: { difference: RowDifference; reason: string }[] = [];
  let [rows, writes] = [0, 0];
  await forEachConcurrently(differences, options.concurrency ?? 32, async (difference) => {
    // What remains of each TTL is taken as the row is written.
    const statements = repairWrites(plan, difference, Date.now() / 1000);
    try {
      for (const { query, params } of statements) await target.execute(query, params, { prepare: true });
      rows++;
      writes += statements.length;
    } catch (error) {
      if (!(error instanceof cassandra.errors.ResponseError)) throw error;
      failed.push({ difference, reason: error.message });
    }
  });
  return { rows, writes, failed };
}
