import { setTimeout as delay } from 'node:timers/promises';
import { Backoff, type RetryPolicy } from '@cutover/errors';
import { partitionOf } from '@cutover/event-log';
import { collectionOrder, collectionProgress, type CollectionProgress } from '@cutover/migration-state';
import { isTransient } from '@cutover/table-migrator';
import { CollectionReader, type ReaderOptions } from './collection-reader.js';
import type { DocumentContext } from './document-context.js';
import { DocumentLoader, type LoaderOptions } from './document-loader.js';

/** A collection whose reading failed is read again, from where its facts say, after this. */
const READER_RETRY: RetryPolicy = { initialDelayMs: 1000 };

export interface MigrateDocumentsOptions {
  /** The process's name in the facts: readers are `<workerId>-reader`, loaders `<workerId>-loader`. */
  readonly workerId: string;
  /** The readers' consumer group on the readers topic: its members share the collections out. */
  readonly readerGroup: string;
  readonly reader: ReaderOptions;
  readonly loader: LoaderOptions;
  /** Return once every collection is synced (its snapshot read, and everything read loaded); without it, run until `signal` aborts or the migration ends. */
  readonly untilSynced?: boolean;
  readonly signal?: AbortSignal;
  /** Each state's progress, by collection. */
  readonly onProgress?: (progress: readonly CollectionProgress[]) => void;
  readonly pollMs?: number;
}

interface RunningReader {
  readonly round: number;
  readonly reader: CollectionReader;
  readonly stop: AbortController;
  done: Promise<void>;
}

/**
 * Migrates the migration's collections: a reader per collection (its snapshot round, then its
 * change stream), started again for each new round, and a loader in the loaders' consumer group.
 * Other processes running the same share the work: each collection is read by the process
 * holding its partition of the readers topic (a consumer group shares them out, and gives a
 * dead process's to the others), and the loaders share the documents topic's partitions.
 */
export async function migrateDocuments(base: Omit<DocumentContext, 'live'>, options: MigrateDocumentsOptions): Promise<readonly CollectionProgress[]> {
  const live = await base.control.live(options.workerId);
  const ctx: DocumentContext = { ...base, live };
  ctx.metrics?.follow(() => live.state);
  const stop = new AbortController();
  const abort = (): void => stop.abort();
  options.signal?.addEventListener('abort', abort, { once: true });
  const readers = new Map<string, RunningReader>();
  // Readers stopped because another process holds their collection now, finishing.
  const leaving = new Set<Promise<void>>();
  const { partitions } = await ctx.log.limits(ctx.readersTopic);
  // Undefined until the group first says which partitions this process holds.
  let held: ReadonlySet<number> | undefined;
  const sharing = await ctx.log.sharePartitions(ctx.readersTopic, options.readerGroup, (assigned) => (held = new Set(assigned)));
  const mine = (collection: string): boolean => held?.has(partitionOf(Buffer.from(collection), partitions)) === true;
  const loader = await DocumentLoader.start(ctx, `${options.workerId}-loader`, options.loader);
  // With untilSynced: how far each collection's change stream must be read, once every snapshot is.
  let syncTarget: Map<string, number> | undefined;
  try {
    for (;;) {
      const state = live.state;
      if (state.status === 'running') {
        // Snapshots one at a time, whoever reads them, in the collections' order; changes are
        // followed from each one's plan on.
        let snapshotting = false;
        for (const collection of collectionOrder(state.collections)) {
          const running = readers.get(collection.name);
          const phase = collectionProgress(collection).phase;
          if (running !== undefined && !mine(collection.name)) {
            running.stop.abort();
            readers.delete(collection.name);
            leaving.add(running.done);
            void running.done.then(() => leaving.delete(running.done));
          }
          if ((running !== undefined && running.round === collection.round) || !mine(collection.name)) {
            snapshotting ||= phase === 'snapshot' || phase === 'waiting';
            continue;
          }
          if (snapshotting && phase !== 'following') continue;
          snapshotting ||= phase !== 'following' && phase !== 'failed';
          const reader = new CollectionReader(ctx, collection.name, `${options.workerId}-reader`, options.reader);
          const entry: RunningReader = { round: collection.round, reader, stop: new AbortController(), done: Promise.resolve() };
          entry.done = reader.run(AbortSignal.any([stop.signal, entry.stop.signal])).catch(async (error: unknown) => {
            // Read again from its facts at the next look: MongoDB, Kafka or target away, or a failure no one foresaw.
            ctx.logger[isTransient(error) ? 'warn' : 'error']({ err: error, collection: collection.name }, `reading ${collection.name} failed: it is read again from where its facts say`);
            await new Backoff(READER_RETRY).wait();
            if (readers.get(collection.name) === entry) readers.delete(collection.name);
          });
          readers.set(collection.name, entry);
        }
      }
      const progress = Object.values(state.collections).map(collectionProgress);
      options.onProgress?.(progress);
      if (stop.signal.aborted || state.status === 'completed') return progress;
      // Synced only once this process reads what it holds: changes since the last reader stopped are read first.
      const reading = held !== undefined && Object.keys(state.collections).every((name) => !mine(name) || readers.has(name));
      if (options.untilSynced === true && reading && progress.every((p) => p.phase === 'following' || p.phase === 'failed')) {
        syncTarget ??= new Map(await Promise.all([...readers].map(async ([name, { reader }]) => [name, await reader.clusterTime()] as const)));
        if (await synced(ctx, options.loader.group, readers, syncTarget)) return progress;
      } else {
        syncTarget = undefined;
      }
      await delay(options.pollMs ?? 250);
    }
  } finally {
    stop.abort();
    options.signal?.removeEventListener('abort', abort);
    await Promise.all([...readers.values()].map((r) => r.done).concat([...leaving]));
    await sharing.stop();
    await loader.stop();
    await live.close();
  }
}

/**
 * Whether every collection is synced: its snapshot read, its change stream read up to `target`
 * (a cluster time taken once the snapshots were all read, by collection; as far as this
 * process's readers tell: another process's are not asked), and the documents topic loaded to
 * its end after that.
 */
async function synced(ctx: DocumentContext, group: string, readers: ReadonlyMap<string, { reader: CollectionReader }>, target: ReadonlyMap<string, number>): Promise<boolean> {
  for (const [name, { reader }] of readers) if (reader.caughtUpTo < (target.get(name) ?? Infinity)) return false;
  return (await ctx.log.lag(ctx.documentsTopic, group)) === 0;
}
