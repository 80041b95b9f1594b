import { setTimeout as delay } from 'node:timers/promises';
import { fromBson, shred } from '@cutover/collection-table';
import { Backoff, type RetryPolicy } from '@cutover/errors';
import { EventLogError, deadLetter, type StoredRecord, type Subscription } from '@cutover/event-log';
import { splitQualifiedName, type CollectionCopy } from '@cutover/migration-state';
import { Pace, forEachConcurrently, isTransient } from '@cutover/table-migrator';
import { BSON } from 'mongodb';
import type { DocumentContext } from './document-context.js';
import { readDocumentEvent, type DocumentEvent } from './document-event.js';
import { documentDelete, documentUpsert, type Statement } from './document-writes.js';
import { writeBadDocuments, type BadDocument } from './bad-documents.js';

export interface LoaderOptions {
  /** The loaders' consumer group: every process loading the migration shares the topic's partitions. */
  readonly group: string;
  /** Writes in flight at once (DOCUMENT_LOAD_CONCURRENCY). */
  readonly concurrency: number;
  /** Writes a second at most, shared by the loader's batches (DOCUMENT_LOAD_RATE); 0: no limit. */
  readonly rate: number;
  /** Partitions' batches loaded at once. */
  readonly partitions: number;
}

/** An event, and where it is on its partition. */
interface Loading {
  readonly event: DocumentEvent;
  readonly offset: number;
}

/** A batch whose loading failed is delivered again after this, for as long as it fails. */
const RETRY: RetryPolicy = { initialDelayMs: 1000 };
/** How long events of a round the loader's state does not know yet wait for it, between looks. */
const STATE_WAIT_MS = 100;

/**
 * Writes the documents topic to target, as a member of the loaders' consumer group: each batch
 * of a partition, each document's newest version in it written whole at its MongoDB time (a
 * delete as a tombstone at its time), so that loading anything again, in any order, changes
 * nothing. Records what it wrote per collection (DocumentsLoaded) before it commits the batch.
 * A document with no Data API form goes to the round's bad-documents file in S3; an event that
 * cannot be read goes to the dead letters, with the reason.
 */
export class DocumentLoader {
  private subscription?: Subscription;
  private readonly pace: Pace;
  private readonly retries = new Backoff(RETRY);

  private constructor(
    private readonly ctx: DocumentContext,
    readonly id: string,
    private readonly options: LoaderOptions,
  ) {
    this.pace = new Pace(options.rate);
  }

  static async start(ctx: DocumentContext, id: string, options: LoaderOptions): Promise<DocumentLoader> {
    const loader = new DocumentLoader(ctx, id, options);
    loader.subscription = await ctx.log.consumeBatches(ctx.documentsTopic, options.group, (records) => loader.load(records), { partitions: options.partitions });
    return loader;
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }

  private async load(records: readonly StoredRecord[]): Promise<void> {
    const events = new Map<string, Loading[]>();
    for (const record of records) {
      const event = await this.read(record);
      if (event === undefined) continue;
      const list = events.get(event.collection) ?? [];
      list.push({ event, offset: Number(record.offset) });
      events.set(event.collection, list);
    }
    const first = records[0]!;
    const span = { partition: first.partition, fromOffset: Number(first.offset), toOffset: Number(records[records.length - 1]!.offset) };
    try {
      for (const [collection, list] of events) await this.loadCollection(collection, list, span);
      this.retries.reset();
    } catch (error) {
      // Target, S3 or Kafka away (or a failure no one foresaw): the batch comes again, after a pause so that it does not spin.
      this.ctx.logger[isTransient(error) ? 'warn' : 'error']({ loader: this.id, err: error, ...span }, 'loading a batch of documents failed: it will be loaded again');
      await this.retries.wait();
      throw error;
    }
  }

  /** The record's event, or undefined when it is unreadable (then dead-lettered) or of another migration. */
  private async read(record: StoredRecord): Promise<DocumentEvent | undefined> {
    try {
      const event = readDocumentEvent(record.value);
      return event.migrationId === this.ctx.live.state.migrationId ? event : undefined;
    } catch (error) {
      if (!(error instanceof EventLogError)) throw error;
      this.ctx.logger.error({ loader: this.id, reason: error.message }, 'an unreadable document event went to the dead letters');
      await this.ctx.log.produce(this.ctx.deadLetterTopic, [deadLetter(record, `${error.code}: ${error.message}`)]);
      return undefined;
    }
  }

  private async loadCollection(collection: string, events: readonly Loading[], span: { partition: number; fromOffset: number; toOffset: number }): Promise<void> {
    const started = performance.now();
    const round = events.reduce((most, { event }) => Math.max(most, event.round), 0);
    const copy = await this.roundCopy(collection, round);
    if (copy === undefined) return; // the collection left the migration, or a later round began: these versions say nothing of it
    const [keyspace, table] = splitQualifiedName(copy.target);
    // Events a loader before this one wrote and counted (it died before committing them): written again, counted once.
    const counted = copy.loaded.through[span.partition] ?? -1;
    // Of each document, the newest version: target would keep only it anyway.
    const newest = new Map<string, Loading>();
    for (const loading of events) {
      if (loading.event.round !== round) continue;
      const held = newest.get(loading.event.id);
      if (held === undefined || held.event.clusterTime <= loading.event.clusterTime) newest.set(loading.event.id, loading);
    }
    const writes: Statement[] = [];
    const bad: BadDocument[] = [];
    let documents = 0;
    let deletes = 0;
    let latestChange = 0;
    let tombstones = 0;
    for (const { event, offset } of newest.values()) {
      const counts = offset > counted;
      if (event.operation !== 'SNAPSHOT') latestChange = Math.max(latestChange, event.clusterTime);
      const at = BigInt(event.clusterTime);
      if (event.document === null) {
        const id = fromBson({ _id: BSON.EJSON.parse(event.id, { relaxed: false }) });
        const row = 'bad' in id ? id : shred(id.document);
        // An _id with no Data API key was never written: nothing to delete.
        if (!('bad' in row)) {
          writes.push(documentDelete(keyspace, table, row.key, at));
          tombstones++;
        }
        if (counts) deletes++;
        continue;
      }
      const bson = BSON.deserialize(event.document, { promoteValues: false, bsonRegExp: true });
      const converted = fromBson(bson);
      const row = 'bad' in converted ? converted : shred(converted.document);
      if ('bad' in row) {
        bad.push({ id: event.id, reason: row.bad, document: event.document });
        continue;
      }
      writes.push(documentUpsert(keyspace, table, row, at));
      if (counts) documents++;
    }
    const written = performance.now();
    await forEachConcurrently(writes, this.options.concurrency, async (statement) => {
      await this.pace.take(1);
      await this.ctx.target.execute(statement.query, statement.params as unknown[], { prepare: true });
    });
    const wrote = performance.now();
    this.ctx.metrics?.written.inc({ collection, kind: 'document' }, writes.length - tombstones);
    this.ctx.metrics?.written.inc({ collection, kind: 'delete' }, tombstones);
    const badDocumentsKey = bad.length === 0 ? null : `bad-documents/${this.ctx.live.state.migrationId}/${collection}/round-${round}/${span.partition}-${span.fromOffset}.jsonl`;
    if (badDocumentsKey !== null) {
      await writeBadDocuments(this.ctx.staging, badDocumentsKey, bad);
      this.ctx.metrics?.bad.inc({ collection }, bad.length);
      this.ctx.logger.error({ loader: this.id, collection, badDocuments: bad.length, file: `s3://${this.ctx.staging.bucket}/${badDocumentsKey}` }, `${bad.length} document(s) of ${collection} have no Data API form and were not written`);
    }
    await this.ctx.control.record(
      { type: 'DocumentsLoaded', collection, round, ...span, fromOffset: Math.max(span.fromOffset, counted + 1), documents, deletes, badDocumentIds: bad.map((b) => b.id), badDocumentsKey, latestChange },
      { migrationId: this.ctx.live.state.migrationId!, issuer: this.id, eventId: `${collection}/${round}/loaded/${span.partition}/${span.fromOffset}-${span.toOffset}` },
    );
    const ms = (to: number, from: number): number => Math.round(to - from);
    this.ctx.logger.debug({ loader: this.id, collection, ...span, events: events.length, writes: writes.length, prepareMs: ms(written, started), writeMs: ms(wrote, written), recordMs: ms(performance.now(), wrote) }, 'batch loaded');
  }

  /** The round's copy, once the state shows it (the reader's plan may reach this loader after its events); undefined for an earlier round. */
  private async roundCopy(collection: string, round: number): Promise<CollectionCopy | undefined> {
    for (;;) {
      const state = this.ctx.live.state.collections[collection];
      if (state === undefined || state.round > round) return undefined;
      if (state.copy?.round === round) return state.copy;
      await delay(STATE_WAIT_MS);
    }
  }
}
