import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { targetName } from '@cutover/collection-table';
import { quoteQualified } from '@cutover/cql-protocol';
import { CutoverError } from '@cutover/errors';
import { needsSweep, splitQualifiedName, type CollectionCopy, type CollectionState, type IdRange } from '@cutover/migration-state';
import { forEachConcurrently } from '@cutover/table-migrator';
import { BSON, MongoServerError, Timestamp, type ChangeStreamDocument, type Document } from 'mongodb';
import { clusterTimeOf, versionTime } from './cluster-time.js';
import type { DocumentContext } from './document-context.js';
import { documentRecord, type DocumentEvent } from './document-event.js';
import { idText, planRanges, rangeFilter } from './id-ranges.js';
import { sweepCollection } from './sweep.js';
import { ensureCollectionTable } from './target-table.js';

export interface ReaderOptions {
  /** Ranges a collection's snapshot is split into (DOCUMENT_RANGES). */
  readonly ranges: number;
  /** Ranges read at once (DOCUMENT_READERS). */
  readonly readers: number;
  /** Documents a snapshot page reads at most. */
  readonly pageDocuments: number;
  /** How often the change stream's position is recorded (ChangesRead), ms. */
  readonly checkpointMs: number;
}

/** What MongoDB answers when a change stream cannot go on from where it was. */
const HISTORY_LOST = new Set([286 /* ChangeStreamHistoryLost */, 280 /* ChangeStreamFatalError */, 136 /* CappedPositionLost */]);
/** Changes put on the topic at once, at most. */
const CHANGE_BATCH = 500;
/** How long a reader of a paused collection waits before it looks again. */
const PAUSE_MS = 250;

/** The collection's change stream ended for good (dropped, renamed): a new snapshot round is due. */
class StreamEnded extends CutoverError<'CHANGE_STREAM_ENDED'> {
  constructor(message: string) {
    super('CHANGE_STREAM_ENDED', message);
  }
}

/**
 * Reads one snapshot round of a collection onto the documents topic: plans the round (the
 * change stream's start first, then the `_id` ranges) unless another reader did, then follows
 * the change stream from its start (or its last recorded position) while reading the ranges
 * not read yet, each page with the cluster time MongoDB read it at. Stops when `signal` aborts,
 * or the round is over (a re-migration, a lost change stream). Killed at any point, the next
 * reader resumes from the facts: ranges read again whole, changes from the last recorded position.
 */
export class CollectionReader {
  private readonly database: string;
  private readonly name: string;
  /** Every change up to this time (write-time scale) is on the documents topic. */
  caughtUpTo = 0;

  constructor(
    private readonly ctx: DocumentContext,
    readonly collection: string,
    private readonly issuer: string,
    private readonly options: ReaderOptions,
  ) {
    [this.database, this.name] = splitQualifiedName(collection);
  }

  async run(signal: AbortSignal): Promise<void> {
    const round = this.state()?.round;
    if (round === undefined) return;
    const copy = this.state()?.copy ?? (await this.plan(round, signal));
    if (copy === undefined) return;
    const [keyspace, table] = splitQualifiedName(copy.target);
    await ensureCollectionTable(this.ctx.target, keyspace, table);
    // Over when the round is: both loops look at this signal.
    const over = new AbortController();
    const abort = (): void => over.abort();
    signal.addEventListener('abort', abort, { once: true });
    const watch = setInterval(() => {
      const now = this.state();
      if (now === undefined || now.round !== round || this.ctx.live.state.status !== 'running') over.abort();
    }, PAUSE_MS);
    try {
      await Promise.all([this.follow(copy, over.signal), this.snapshot(copy, over.signal).then(() => this.sweep(copy, over.signal))]);
    } finally {
      clearInterval(watch);
      signal.removeEventListener('abort', abort);
      over.abort();
    }
  }

  private state(): CollectionState | undefined {
    return this.ctx.live.state.collections[this.collection];
  }

  private paused(): boolean {
    return this.ctx.live.state.paused || this.state()?.paused === true;
  }

  private by(eventId: string): { migrationId: string; issuer: string; eventId: string } {
    return { migrationId: this.ctx.live.state.migrationId!, issuer: this.issuer, eventId };
  }

  /** Claims the round: the change stream's start, then the ranges read after it. The first claim in the log is the round's. */
  private async plan(round: number, signal: AbortSignal): Promise<CollectionCopy | undefined> {
    const db = this.ctx.mongo.db(this.database);
    const startAt = await this.clusterTime();
    const { ranges, documents, bytes } = await planRanges(db, this.name, this.options.ranges);
    const state = this.state()!;
    const target = state.into ?? `${targetName(this.database)}.${targetName(this.name)}`;
    const [keyspace, table] = splitQualifiedName(target);
    await ensureCollectionTable(this.ctx.target, keyspace, table);
    if (state.truncate === true) {
      // The re-migration asked for it: what the earlier rounds wrote goes before this round writes.
      await this.ctx.target.execute(`TRUNCATE ${quoteQualified(keyspace, table)}`);
      this.ctx.logger.info({ collection: this.collection, round, target }, 'target table truncated for the new round');
    }
    const budget = this.ctx.errorBudget ?? { maxBadDocuments: 0, maxBadDocumentsPercent: null };
    await this.ctx.control.record(
      { type: 'CollectionPlanned', collection: this.collection, round, target, startAt, ranges, estimatedDocuments: documents, estimatedBytes: bytes, ...budget },
      this.by(`${this.collection}/${round}/planned/${randomUUID()}`),
    );
    this.ctx.logger.info({ collection: this.collection, round, ranges: ranges.length, documents, target }, 'collection planned');
    while (!signal.aborted) {
      const copy = this.state()?.copy;
      if (copy !== undefined) return copy;
      await delay(PAUSE_MS);
    }
    return undefined;
  }

  /** MongoDB's cluster time now (write-time scale): what a snapshot read now sees everything up to. */
  async clusterTime(): Promise<number> {
    const reply = await this.ctx.mongo.db(this.database).command({ find: this.name, filter: {}, limit: 1, singleBatch: true, readConcern: { level: 'snapshot' } });
    return Number(versionTime(atClusterTime(reply)));
  }

  /** Reads the ranges not read yet, `readers` at once, recording each as it is done. */
  private async snapshot(copy: CollectionCopy, signal: AbortSignal): Promise<void> {
    const todo = copy.ranges.map((_, i) => i).filter((i) => copy.read[i] === undefined);
    await forEachConcurrently(todo, this.options.readers, async (i) => {
      const read = await this.readRange(copy, i, copy.ranges[i]!, signal);
      if (read === undefined) return;
      await this.ctx.control.record({ type: 'RangeRead', collection: this.collection, round: copy.round, range: i, ...read }, this.by(`${this.collection}/${copy.round}/range/${i}`));
    });
  }

  /** Once the round's snapshot is read: what target holds from earlier rounds that MongoDB no longer has, deleted (see `needsSweep`). */
  private async sweep(copy: CollectionCopy, signal: AbortSignal): Promise<void> {
    const state = this.state();
    if (signal.aborted || state === undefined || !needsSweep(state) || state.copy?.swept !== undefined) return;
    // The snapshot ended: every range is read, once the state has this reader's last RangeRead.
    while (Object.keys(this.state()?.copy?.read ?? {}).length < copy.ranges.length) {
      if (signal.aborted) return;
      await delay(PAUSE_MS);
    }
    const { deleted, kept } = await sweepCollection(this.ctx.mongo.db(this.database).collection(this.name), this.ctx.target, copy.target, copy.startAt);
    if (kept > 0) this.ctx.logger.warn({ collection: this.collection, round: copy.round, kept }, 'documents on target with a fractional number for _id cannot be looked up exactly in MongoDB: left on target (cutover verify names them if MongoDB no longer has them)');
    await this.ctx.control.record({ type: 'CollectionSwept', collection: this.collection, round: copy.round, deleted }, this.by(`${this.collection}/${copy.round}/swept`));
    this.ctx.logger.info({ collection: this.collection, round: copy.round, deleted }, 'documents MongoDB no longer has deleted from target');
  }

  /** A range, page by page in `_id` order; undefined when stopped before its end. */
  private async readRange(copy: CollectionCopy, index: number, range: IdRange, signal: AbortSignal): Promise<{ documents: number; bytes: number } | undefined> {
    const db = this.ctx.mongo.db(this.database);
    let after: unknown;
    let documents = 0;
    let bytes = 0;
    for (;;) {
      while (this.paused() && !signal.aborted) await delay(PAUSE_MS);
      if (signal.aborted) return undefined;
      const reply = await db.command(
        { find: this.name, filter: rangeFilter(range, after), sort: { _id: 1 }, limit: this.options.pageDocuments, batchSize: this.options.pageDocuments, singleBatch: true, readConcern: { level: 'snapshot' } },
        { promoteValues: false, bsonRegExp: true },
      );
      const page = (reply['cursor'] as { firstBatch: Document[] }).firstBatch;
      if (page.length === 0) return { documents, bytes };
      const clusterTime = Number(versionTime(atClusterTime(reply)));
      const events = page.map((document): DocumentEvent => {
        const bson = Buffer.from(BSON.serialize(document));
        bytes += bson.length;
        return { migrationId: this.ctx.live.state.migrationId!, collection: this.collection, round: copy.round, operation: 'SNAPSHOT', id: idText(document['_id']), document: bson, clusterTime, range: index, readAt: Date.now() };
      });
      await this.ctx.log.produce(this.ctx.documentsTopic, events.map(documentRecord));
      this.ctx.metrics?.read.inc({ collection: this.collection, source: 'snapshot' }, page.length);
      documents += page.length;
      after = page[page.length - 1]!['_id'];
    }
  }

  /** Follows the change stream from where the round's facts say, putting each change on the topic and recording the position as it goes. */
  private async follow(copy: CollectionCopy, signal: AbortSignal): Promise<void> {
    // What is on the topic: resumed from after it when the stream is opened again.
    let published = copy.changes?.resumeToken;
    let recorded = published;
    let through = copy.changes?.through ?? copy.startAt;
    let count = 0;
    let checkpoint = Date.now();
    const record = async (): Promise<void> => {
      if (published === undefined || published === recorded) return;
      await this.ctx.control.record({ type: 'ChangesRead', collection: this.collection, round: copy.round, resumeToken: published, through, changes: count }, this.by(`${this.collection}/${copy.round}/changes/${randomUUID()}`));
      recorded = published;
      count = 0;
      checkpoint = Date.now();
    };
    while (!signal.aborted) {
      if (this.paused()) {
        await delay(PAUSE_MS);
        continue;
      }
      const start = published === undefined ? { startAtOperationTime: new Timestamp(clusterTimeOf(copy.startAt)) } : { resumeAfter: BSON.EJSON.parse(published, { relaxed: false }) as Document };
      const stream = this.ctx.mongo.db(this.database).collection(this.name).watch([], { ...start, fullDocument: 'updateLookup', maxAwaitTimeMS: PAUSE_MS, batchSize: CHANGE_BATCH, promoteValues: false, bsonRegExp: true });
      try {
        while (!signal.aborted && !this.paused()) {
          // Taken before the stream is read to its end: every change up to it is then read.
          const before = await this.clusterTime();
          const pending: DocumentEvent[] = [];
          let last: string | undefined;
          let drained = false;
          const asked = performance.now();
          for (let read = 0; read < CHANGE_BATCH; read++) {
            const change = await stream.tryNext();
            if (change === null) {
              drained = true;
              break;
            }
            const event = this.changeEvent(copy, change);
            if (event !== undefined) pending.push(event);
            last = idText(change._id);
            through = Math.max(through, Number(versionTime((change as { clusterTime: Timestamp }).clusterTime)));
          }
          if (pending.length > 0) {
            await this.ctx.log.produce(this.ctx.documentsTopic, pending.map(documentRecord));
            this.ctx.metrics?.read.inc({ collection: this.collection, source: 'changes' }, pending.length);
          }
          count += pending.length;
          published = last ?? published;
          if (drained) this.caughtUpTo = before;
          // MongoDB waits for changes up to maxAwaitTimeMS before it answers that there are none; a
          // server that answers at once (mongo-java-server) is not asked again sooner than that.
          const idle = PAUSE_MS - (performance.now() - asked);
          if (drained && pending.length === 0 && idle > 0) await delay(idle);
          if (Date.now() - checkpoint >= this.options.checkpointMs) await record();
        }
        // Stopped or paused: where it got to is recorded, so the next reader starts there.
        await record();
      } catch (error) {
        const lost = error instanceof StreamEnded ? error.message : error instanceof MongoServerError && HISTORY_LOST.has(Number(error.code)) ? `${error.codeName ?? error.code}: ${error.message}` : undefined;
        if (lost === undefined) throw error;
        this.ctx.logger.error({ collection: this.collection, round: copy.round, reason: lost }, `the change stream of ${this.collection} cannot go on: the collection is read again whole`);
        await this.ctx.control.record({ type: 'ChangeStreamLost', collection: this.collection, round: copy.round, reason: lost }, this.by(`${this.collection}/${copy.round}/lost`));
        return;
      } finally {
        await stream.close();
      }
    }
  }

  /** A change as a document event: the document's whole new version, or its delete; undefined for an update of a document deleted since. */
  private changeEvent(copy: CollectionCopy, change: ChangeStreamDocument): DocumentEvent | undefined {
    const base = { migrationId: this.ctx.live.state.migrationId!, collection: this.collection, round: copy.round, range: null, readAt: Date.now() };
    switch (change.operationType) {
      case 'insert':
      case 'update':
      case 'replace': {
        const clusterTime = Number(versionTime(change.clusterTime!));
        // The document as it is now (updateLookup): null when deleted since, which a later delete says.
        if (change.fullDocument == null) return undefined;
        const operation = change.operationType === 'insert' ? 'INSERT' : change.operationType === 'update' ? 'UPDATE' : 'REPLACE';
        // The _id from the document itself: mongo-java-server puts the update's operators in an update's documentKey.
        return { ...base, operation, id: idText(change.fullDocument['_id']), document: Buffer.from(BSON.serialize(change.fullDocument)), clusterTime };
      }
      case 'delete':
        return { ...base, operation: 'DELETE', id: idText(change.documentKey._id), document: null, clusterTime: Number(versionTime(change.clusterTime!)) };
      case 'drop':
      case 'rename':
      case 'dropDatabase':
      case 'invalidate':
        throw new StreamEnded(`the collection had a ${change.operationType}`);
      default:
        return undefined; // DDL events of other kinds change no document
    }
  }
}

/** The cluster time a snapshot read saw everything up to. */
function atClusterTime(reply: Document): { t: number; i: number } {
  const time = (reply['cursor'] as { atClusterTime?: Timestamp } | undefined)?.atClusterTime;
  if (time === undefined) throw new Error('MongoDB did not say the cluster time of a snapshot read (atClusterTime): a replica set or sharded cluster of MongoDB 5.0 or later is needed');
  return { t: time.t, i: time.i };
}
