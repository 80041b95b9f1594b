import { randomUUID } from 'node:crypto';
import { SchemaCatalogue, encodeRecord, type EventLog, type LogRecord } from '@cutover/event-log';
import type { Logger } from 'pino';
import type { MutationRecord, MutationSink } from '../mutation-sink.js';
import { mutationKey, toMutationEvent } from './mutation-event.js';
import type { Spool } from './spool.js';

export interface PublishingOptions {
  readonly topic: string;
  readonly spool: Spool;
  readonly logger: Logger;
  /** How long to wait before trying a refused log again. */
  readonly retryMs?: number;
}

/**
 * Publishes every mutation to the event log without ever making a client wait for it: records
 * queue on the request path and are encoded and produced in batches, one batch in flight at a
 * time, so they reach the log in the order the proxy saw them. While the log refuses them, and
 * until what was spooled has drained, batches go to the durable spool instead, in order.
 */
export class PublishingSink implements MutationSink {
  private queue: MutationRecord[] = [];
  private pumping = false;
  private chain: Promise<void> = Promise.resolve();
  private retry?: NodeJS.Timeout;
  private readonly catalogue = SchemaCatalogue.load();
  published = 0;

  constructor(
    private readonly log: EventLog,
    private readonly options: PublishingOptions,
  ) {
    // Records a previous run left in the spool go first.
    if (options.spool.size > 0) this.scheduleDrain(0);
  }

  record(mutation: MutationRecord): void {
    this.queue.push(mutation);
    if (this.pumping) return;
    this.pumping = true;
    this.chain = this.chain.then(() => this.pump());
  }

  /**
   * Sends what has queued, batch after batch, until the queue is empty. Records that arrive
   * while a batch is in flight join the next one, so batches grow with the log's latency
   * instead of each tick paying for its own request.
   */
  private async pump(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        await new Promise((resolve) => setImmediate(resolve)); // let this tick's records gather
        const batch = this.queue;
        this.queue = [];
        await this.publish(batch);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Records waiting in the spool. */
  get spooled(): number {
    return this.options.spool.size;
  }

  /** Resolves once everything recorded so far has been produced or spooled. */
  async flushed(): Promise<void> {
    while (this.pumping || this.queue.length > 0) await this.chain;
  }

  async close(): Promise<void> {
    await this.flushed();
    clearTimeout(this.retry);
  }

  private async publish(batch: readonly MutationRecord[]): Promise<void> {
    const records: LogRecord[] = batch.map((m) => ({ key: mutationKey(m), value: encodeRecord(this.catalogue, 'MutationEvent', toMutationEvent(m, randomUUID())) }));
    const { spool } = this.options;
    if (spool.size > 0) return spool.append(records); // behind what is waiting, to keep the order
    try {
      await this.log.produce(this.options.topic, records);
      this.published += records.length;
    } catch (error) {
      spool.append(records);
      this.options.logger.warn({ err: error, spooled: spool.size }, 'the event log refused mutations: spooling them until it is back');
      this.scheduleDrain();
    }
  }

  private scheduleDrain(delay = this.options.retryMs ?? 1000): void {
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      this.chain = this.chain.then(() => this.drain());
    }, delay);
  }

  /** Sends the spool to the log, oldest first, and empties it; tries again later if refused. */
  private async drain(): Promise<void> {
    const { spool, logger } = this.options;
    const records = spool.readAll();
    try {
      for (let i = 0; i < records.length; i += 1000) await this.log.produce(this.options.topic, records.slice(i, i + 1000));
      spool.clear();
      this.published += records.length;
      logger.info({ drained: records.length }, 'the spool drained into the event log');
    } catch {
      // Records produced before the failure go again with the rest: consumers dedupe by event id.
      this.scheduleDrain();
    }
  }
}
