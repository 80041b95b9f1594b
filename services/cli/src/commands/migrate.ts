import { setTimeout as delay } from 'node:timers/promises';
import type { Config } from '@cutover/config';
import { ControlPlane, controlTopics } from '@cutover/control-plane';
import { KafkaEventLog } from '@cutover/event-log';
import { copyFinished, tableProgress, type MigrationState, type TableProgress } from '@cutover/migration-state';
import { createLogger } from '@cutover/proxy';
import { cassandraClient, s3Client } from '@cutover/stack';
import { TableWorker, planCopy, type CopyContext } from '@cutover/table-migrator';
import cliProgress from 'cli-progress';
import type { Output } from '../output.js';
import { UsageError } from '../usage.js';
import { prepareCopy } from './copy-setup.js';

export const MIGRATE_USAGE = `cutover migrate tables    copy the migration's tables (schema, then token-range chunks through S3) with MIGRATOR_WORKERS workers; returns once every table is copied`;

/**
 * `cutover migrate tables`: plans what the migration's state has not planned yet, then runs
 * workers on the work topic until every table is copied, with a progress bar per table. Other
 * processes running the same command share the work.
 */
export async function migrateCommand(args: string[], config: Config, io: Output): Promise<number> {
  if (args.length !== 1 || args[0] !== 'tables') throw new UsageError(MIGRATE_USAGE);
  const prefix = config.kafka.topicPrefix;
  const logger = createLogger(config, 'table-migrator');
  const s3 = s3Client(config);
  await prepareCopy(config, prefix, s3);
  const log = new KafkaEventLog(config.kafka, logger);
  const control = new ControlPlane(log, controlTopics(prefix));
  // Workers decide on queued work from this, so it must be the whole state before they start.
  const live = { state: (await control.history()).state };
  const ctx: CopyContext = {
    origin: cassandraClient(config.origin),
    target: cassandraClient(config.target),
    staging: { s3, bucket: config.s3.bucket },
    log,
    control,
    workTopic: `${prefix}cutover.work`,
    deadLetterTopic: `${prefix}cutover.dead-letters`,
    logger,
    loadConcurrency: config.migrator.loadConcurrency,
    live,
  };
  const workers: TableWorker[] = [];
  try {
    const { state } = live;
    if (state.status !== 'running' || Object.keys(state.tables).length === 0) {
      io.err('no migration with tables is running: start one with `cutover control start <keyspace.table> ...`');
      return 1;
    }
    const started = Date.now();
    const sizing = { chunkBytes: config.migrator.chunkBytes, minChunks: 4, maxChunks: 4096 };
    await planCopy(ctx, state, sizing);
    for (let i = 1; i <= config.migrator.workers; i++) workers.push(await TableWorker.start(ctx, `${config.proxy.id}-worker-${i}`, `${prefix}cutover-table-workers`));
    // A re-migration asked for meanwhile is planned as it comes.
    const progress = await untilCopied(control, async (latest) => {
      live.state = latest;
      await planCopy(ctx, latest, sizing);
    });
    const rows = progress.reduce((sum, p) => sum + p.rowsLoaded, 0);
    const seconds = (Date.now() - started) / 1000;
    for (const p of progress) io.out(`${p.table}: ${p.rowsLoaded} rows in ${p.chunks} chunks, ${p.phase === 'verified' ? 'verified' : `chunks differing from origin: ${p.mismatchedChunks.join(', ')}`}`);
    io.out(`copied ${progress.length} table(s), ${rows} rows in ${seconds.toFixed(1)} s (${Math.round(rows / seconds)} rows/s)`);
    const mismatched = progress.filter((p) => p.phase === 'mismatched');
    if (mismatched.length > 0) io.err(`${mismatched.length} table(s) differ from origin after loading: re-migrate them (\`cutover control remigrate <table>\`)`);
    return mismatched.length === 0 ? 0 : 1;
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await Promise.all([ctx.origin.shutdown(), ctx.target.shutdown()]);
    await log.close();
  }
}

/**
 * Rebuilds the state every second until every table's current round is copied and checked, with a bar per
 * table (chunks loaded of planned, rows, rate, ETA); `onState` gets each state (to plan re-migrations, to let the
 * workers see pauses).
 */
async function untilCopied(control: ControlPlane, onState: (state: MigrationState) => Promise<unknown>): Promise<TableProgress[]> {
  const bars = new cliProgress.MultiBar(
    { format: '{table} [{bar}] {value}/{total} chunks | {rows} rows | {rate} rows/s | ETA {eta_formatted}', noTTYOutput: true, notTTYSchedule: 2000, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const shown = new Map<string, cliProgress.SingleBar>();
  const started = Date.now();
  try {
    for (;;) {
      const { state } = await control.history();
      await onState(state);
      const progress = Object.values(state.tables).map(tableProgress);
      for (const p of progress) {
        const bar = shown.get(p.table) ?? shown.set(p.table, bars.create(p.chunks, 0, { table: p.table, rows: 0, rate: 0 })).get(p.table)!;
        bar.setTotal(p.chunks);
        bar.update(p.chunksLoaded, { table: p.table, rows: p.rowsLoaded, rate: Math.round(p.rowsLoaded / ((Date.now() - started) / 1000)) });
      }
      if (progress.every(copyFinished)) return progress;
      await delay(1000);
    }
  } finally {
    bars.stop();
  }
}
