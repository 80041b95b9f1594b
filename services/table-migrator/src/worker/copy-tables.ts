import { setTimeout as delay } from 'node:timers/promises';
import { copyFinished, tableProgress, type TableProgress } from '@cutover/migration-state';
import { tableManifest, writeManifest } from '../copy/manifest.js';
import type { ChunkSizing } from '../plan/chunk-plan.js';
import type { CopyContext } from './copy-context.js';
import { planCopy } from './plan-copy.js';
import { TableWorker } from './table-worker.js';

export interface CopyTablesOptions {
  readonly workers: number;
  /** Workers are named `<workerId>-1`, `-2`, …; the consumer group is shared with every other process copying the migration. */
  readonly workerId: string;
  readonly group: string;
  readonly sizing: ChunkSizing;
  /** How often the state is rebuilt from the logs (1 s by default). */
  readonly pollMs?: number;
  /** Each state's progress, by table; throwing stops the copy (with the error). */
  readonly onProgress?: (progress: readonly TableProgress[]) => void;
}

/**
 * Copies the migration's tables: runs `workers` workers on the work topic, and rebuilds the
 * state from the logs every `pollMs`, planning tables as they come due (a re-migration issued
 * meanwhile included) and staging each round's manifest once its chunks are all staged, until
 * every table's round is over: verified, mismatched or failed. Other processes doing the same
 * share the work.
 */
export async function copyTables(ctx: CopyContext, options: CopyTablesOptions): Promise<readonly TableProgress[]> {
  // Workers decide on queued work from this (pauses, re-migrations), so it is always a whole state.
  const live = { state: (await ctx.control.history()).state };
  const shared: CopyContext = { ...ctx, live };
  ctx.metrics?.follow(() => live.state);
  const workers: TableWorker[] = [];
  const manifests = new Set<string>();
  try {
    await planCopy(shared, live.state, options.sizing);
    for (let i = 1; i <= options.workers; i++) workers.push(await TableWorker.start(shared, `${options.workerId}-${i}`, options.group));
    for (;;) {
      const progress = Object.values(live.state.tables).map(tableProgress);
      for (const table of Object.values(live.state.tables)) {
        const manifest = live.state.migrationId === undefined ? undefined : tableManifest(live.state.migrationId, table);
        if (manifest === undefined || manifests.has(`${manifest.table}/${manifest.round}`)) continue;
        const key = await writeManifest(ctx.staging, manifest);
        manifests.add(`${manifest.table}/${manifest.round}`);
        ctx.logger.info({ table: manifest.table, round: manifest.round, chunks: manifest.chunks.length, rows: manifest.rows, manifest: `s3://${ctx.staging.bucket}/${key}` }, 'manifest staged');
      }
      options.onProgress?.(progress);
      if (progress.every(copyFinished)) return progress;
      await delay(options.pollMs ?? 1000);
      live.state = (await ctx.control.history()).state;
      await planCopy(shared, live.state, options.sizing);
    }
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}
