import type { Config } from '@cutover/config';
import { groupNames } from '@cutover/event-log';
import type { TableProgress } from '@cutover/migration-state';
import { MigratorMetrics, copyTables } from '@cutover/table-migrator';
import { serveMetrics } from '../metrics-endpoint.js';
import { commandLogger } from '../command-logger.js';
import type { Output } from '../output.js';
import { ProgressBars } from '../progress-bars.js';
import { UsageError } from '../usage.js';
import { openCopy } from './copy-setup.js';
import { MIGRATE_DOCUMENTS_USAGE, migrateDocumentsCommand } from './migrate-documents.js';

export const MIGRATE_USAGE = `cutover migrate tables    copy the migration's tables (schema, then token-range chunks through S3) with MIGRATOR_WORKERS workers; returns once every table is copied\n${MIGRATE_DOCUMENTS_USAGE}`;

/**
 * `cutover migrate tables`: copies the migration's tables with MIGRATOR_WORKERS workers until
 * every table's copy is over, with a progress bar per table and metrics on
 * MIGRATOR_METRICS_PORT. Other processes running the same command share the work. Exits 1 when
 * a table failed or differs from origin.
 */
export async function migrateCommand(args: string[], config: Config, io: Output): Promise<number> {
  if (args[0] === 'documents') return migrateDocumentsCommand(args.slice(1), config, io);
  if (args.length !== 1 || args[0] !== 'tables') throw new UsageError(MIGRATE_USAGE);
  const prefix = config.kafka.topicPrefix;
  const { logger, file } = commandLogger(config, 'table-migrator');
  if (file !== undefined) io.err(`(its log: ${file})`);
  const metrics = new MigratorMetrics();
  const copy = await openCopy(config, prefix, logger);
  const ctx = copy.ctx;
  const http = await serveMetrics(metrics, config, logger);
  try {
    const { state } = await ctx.control.history();
    if (state.status !== 'running' || Object.keys(state.tables).length === 0) {
      io.err('no migration with tables is running: start one with `cutover control start <keyspace.table> ...`');
      return 1;
    }
    const started = Date.now();
    const bars = new ProgressBars('{table} [{bar}] {value}/{total} chunks | {rows}/{estimate} rows | {rate} rows/s | ETA {left} | {mib} MiB staged{note}');
    let progress: readonly TableProgress[];
    try {
      progress = await copyTables(
        { ...ctx, metrics },
        {
          workers: config.migrator.workers,
          workerId: `${config.proxy.id}-worker`,
          group: groupNames(prefix).tableWorkers,
          sizing: { chunkBytes: config.migrator.chunkBytes, minChunks: config.migrator.minChunks, maxChunks: 4096 },
          onProgress: (p) => showTables(bars, p),
        },
      );
    } finally {
      bars.stop();
    }
    const seconds = (Date.now() - started) / 1000;
    for (const p of progress) io.out(`${p.table}: ${p.rowsLoaded} rows in ${p.chunks} chunks, ${outcome(p, config.s3.bucket)}`);
    const rows = progress.reduce((sum, p) => sum + p.rowsLoaded, 0);
    io.out(`copied ${progress.length} table(s), ${rows} rows in ${seconds.toFixed(1)} s (${Math.round(rows / seconds)} rows/s)`);
    const failed = progress.filter((p) => p.phase === 'failed');
    const mismatched = progress.filter((p) => p.phase === 'mismatched');
    if (failed.length > 0) io.err(`${failed.length} table(s) failed, each for the reason on its line above: deal with it (a bad-rows file names each row target refused), then re-migrate them (\`cutover control remigrate <table>\`)`);
    if (mismatched.length > 0) io.err(`${mismatched.length} table(s) differ from origin after loading: re-migrate them (\`cutover control remigrate <table>\`)`);
    return failed.length + mismatched.length === 0 ? 0 : 1;
  } finally {
    await http.close();
    await copy.close();
  }
}

function outcome(p: TableProgress, bucket: string): string {
  const bad = p.badRows === 0 ? '' : `; ${p.badRows} bad rows listed in ${p.badRowsFiles.map((key) => `s3://${bucket}/${key}`).join(', ')}`;
  switch (p.phase) {
    case 'failed':
      return `FAILED: ${p.failure ?? ''}${bad}`;
    case 'mismatched':
      return `chunks differing from origin: ${p.mismatchedChunks.join(', ')}${bad}`;
    default:
      return `verified${bad}`;
  }
}

/** A bar per table: chunks loaded of planned, rows (of the estimate), rate and ETA, staged bytes. */
function showTables(bars: ProgressBars, progress: readonly TableProgress[]): void {
  for (const p of progress) {
    const rate = bars.rate(p.table, p.rowsLoaded);
    const left = Math.max(0, p.estimatedRows - p.rowsLoaded);
    bars.update(p.table, p.chunksLoaded, p.chunks, {
      table: p.table,
      rows: p.rowsLoaded,
      estimate: p.estimatedRows || '?',
      rate: Math.round(rate),
      left: p.phase === 'copying' && rate > 0 ? `${Math.round(left / rate)}s` : p.phase === 'waiting' ? '-' : '0s',
      mib: (p.bytesUnloaded / 2 ** 20).toFixed(1),
      note: p.phase === 'failed' ? ' | FAILED' : p.badRows > 0 ? ` | ${p.badRows} bad rows` : '',
    });
  }
}
