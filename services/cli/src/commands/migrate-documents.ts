import type { Config } from '@cutover/config';
import { DocumentMetrics, migrateDocuments } from '@cutover/document-migrator';
import { collectionOrder, collectionProgress, type CollectionProgress } from '@cutover/migration-state';
import { commandLogger } from '../command-logger.js';
import { serveMetrics } from '../metrics-endpoint.js';
import type { Output } from '../output.js';
import { ProgressBars } from '../progress-bars.js';
import { UsageError } from '../usage.js';
import { documentOptions, openDocuments } from './document-setup.js';

export const MIGRATE_DOCUMENTS_USAGE = `cutover migrate documents [--until-synced]    copy the migration's collections (snapshot by _id ranges, then the change stream) through the documents topic to target, until stopped (SIGINT, SIGTERM) or the migration completes; --until-synced: until every collection's snapshot is loaded and target has caught up with its changes`;

/**
 * `cutover migrate documents`: reads the migration's collections (a reader per collection) and
 * loads the documents topic to target (a loader in the loaders' group), with a progress bar per
 * collection. Exits 1 when a collection failed (more bad documents than its budget).
 */
export async function migrateDocumentsCommand(args: string[], config: Config, io: Output): Promise<number> {
  const untilSynced = args.includes('--until-synced');
  if (args.some((a) => a !== '--until-synced')) throw new UsageError(MIGRATE_DOCUMENTS_USAGE);
  const prefix = config.kafka.topicPrefix;
  const { logger, file } = commandLogger(config, 'document-migrator');
  if (file !== undefined) io.err(`(its log: ${file})`);
  const documents = await openDocuments(config, prefix, logger);
  const metrics = new DocumentMetrics();
  const ctx = { ...documents.ctx, metrics };
  const http = await serveMetrics(metrics, config, logger);
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const bars = new ProgressBars('{collection} [{bar}] {value}/{total} ranges | {documents}/{estimate} documents read | {rate} docs/s | ETA {left} | lag {lag} s{note}');
  try {
    const { state } = await ctx.control.history();
    if (state.status !== 'running' || Object.keys(state.collections).length === 0) {
      io.err('no migration with collections is running: start one with `cutover control start --collection <database.collection> ...`');
      return 1;
    }
    try {
      await migrateDocuments(ctx, {
        ...documentOptions(config, prefix),
        untilSynced,
        signal: stop.signal,
        onProgress: (p) => showCollections(bars, p),
      });
    } finally {
      bars.stop();
    }
    // As the logs tell it now, the readers' last positions included.
    const progress = collectionOrder((await ctx.control.history()).state.collections).map(collectionProgress);
    for (const p of progress) io.out(`${p.collection} → ${p.target ?? '?'}: ${p.documentsRead} documents read in ${p.ranges} ranges, ${p.changesRead} changes; ${p.documentsLoaded} written and ${p.deletesLoaded} deletes on target, ${outcome(p, config.s3.bucket)}`);
    const failed = progress.filter((p) => p.phase === 'failed');
    if (failed.length > 0) io.err(`${failed.length} collection(s) failed, each for the reason on its line above: a bad-documents file names each document with the reason`);
    return failed.length === 0 ? 0 : 1;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await http.close();
    await documents.close();
  }
}

function outcome(p: CollectionProgress, bucket: string): string {
  const bad = p.badDocuments === 0 ? '' : `; ${p.badDocuments} bad documents listed in ${p.badDocumentsFiles.map((key) => `s3://${bucket}/${key}`).join(', ')}`;
  return p.phase === 'failed' ? `FAILED: ${p.failure ?? ''}${bad}` : `${p.phase}, ${p.changeLagSeconds.toFixed(1)} s behind its change stream${bad}`;
}

/** A bar per collection: ranges read, documents read (of the estimate), rate and ETA, change-stream lag, bad documents. */
function showCollections(bars: ProgressBars, progress: readonly CollectionProgress[]): void {
  for (const p of progress) {
    const rate = bars.rate(p.collection, p.documentsRead);
    const left = Math.max(0, p.estimatedDocuments - p.documentsRead);
    bars.update(p.collection, p.rangesRead, Math.max(p.ranges, 1), {
      collection: p.collection,
      documents: p.documentsRead,
      estimate: p.estimatedDocuments,
      rate: Math.round(rate),
      left: p.phase === 'snapshot' && rate > 0 ? `${Math.round(left / rate)}s` : '-',
      lag: p.changeLagSeconds.toFixed(1),
      note: p.phase === 'failed' ? ' | FAILED' : p.badDocuments > 0 ? ` | ${p.badDocuments} bad documents` : '',
    });
  }
}
