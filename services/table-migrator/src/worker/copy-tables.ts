import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { copyFinished, tableProgress, type TableProgress } from '@cutover/migration-state';
import { tableManifest, writeManifest } from '../copy/manifest.js';
import type { ChunkSizing } from '../plan/chunk-plan.js';
import type { CopyContext } from './copy-context.js';
import { Planner } from './plan-copy.js';
import { TableWorker } from './table-worker.js';
import { isTransient } from './transient.js';

export interface CopyTablesOptions {
  readonly workers: number;
  /** Workers are named `<workerId>-1`, `-2`, …; the consumer group is shared with every other process copying the migration. */
  readonly workerId: string;
  readonly group: string;
  readonly sizing: ChunkSizing;
  /** How often the state is looked at (250 ms by default). */
  readonly pollMs?: number;
  /** Each state's progress, by table; throwing stops the copy (with the error). */
  readonly onProgress?: (progress: readonly TableProgress[]) => void;
}

/**
 * Copies the migration's tables: runs `workers` workers on the work topic, and follows the
 * state the logs tell, planning tables as they come due (a re-migration issued meanwhile
 * included) and staging each round's manifest once its chunks are all staged, until every
 * table's round is over: verified, mismatched or failed. Other processes doing the same share
 * the work.
 */
export async function copyTables(ctx: CopyContext, options: CopyTablesOptions): Promise<readonly TableProgress[]> {
  // Workers decide on queued work from this (pauses, re-migrations), so it is always a whole state.
  const live = await ctx.control.live(options.workerId);
  const shared: CopyContext = { ...ctx, live };
  ctx.metrics?.follow(() => live.state);
  const workers: TableWorker[] = [];
  const manifests = new Set<string>();
  // Named apart from every other process's planner, whatever the worker ids: the log tells them apart.
  const planner = new Planner(shared, `${options.workerId}/planner-${randomUUID()}`, options.sizing);
  try {
    // Every worker in the group before work is queued: a worker busy with a chunk holds up the
    // group's rebalance, and the others would wait idle until it is done.
    for (let i = 1; i <= options.workers; i++) workers.push(await TableWorker.start(shared, `${options.workerId}-${i}`, options.group));
    for (;;) {
      const state = live.state;
      try {
        await planner.next(state);
      } catch (error) {
        // A cluster or Kafka away while planning: planned again at the next look.
        if (!isTransient(error)) throw error;
        ctx.logger.warn({ err: error }, 'planning a copy round failed: it will be tried again');
      }
      for (const table of Object.values(state.tables)) {
        const manifest = state.migrationId === undefined ? undefined : tableManifest(state.migrationId, table);
        if (manifest === undefined || manifests.has(`${manifest.table}/${manifest.round}`)) continue;
        const key = await writeManifest(ctx.staging, manifest);
        manifests.add(`${manifest.table}/${manifest.round}`);
        ctx.logger.info({ table: manifest.table, round: manifest.round, chunks: manifest.chunks.length, rows: manifest.rows, manifest: `s3://${ctx.staging.bucket}/${key}` }, 'manifest staged');
      }
      const progress = Object.values(state.tables).map(tableProgress);
      options.onProgress?.(progress);
      if (progress.every(copyFinished)) return progress;
      await delay(options.pollMs ?? 250);
    }
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await live.close();
  }
}
