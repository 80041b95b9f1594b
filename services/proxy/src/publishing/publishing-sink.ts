import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { SchemaCatalogue, encodeRecord, type EventLog, type LogRecord } from '@cutover/event-log';
import type { Config } from '@cutover/config';
import type { Logger } from 'pino';
import { needsHealing, type MutationRecord, type MutationSink } from '../mutation-sink.js';
import { mutationKey, toMutationEvent } from './mutation-event.js';
import { Spool, type SpooledRecord } from './spool.js';

export interface PublishingOptions {
  /** The mutations topic. */
  readonly topic: string;
  /** Under TARGET_FAILURE_POLICY=origin-acked: where mutations origin took and target did not also go, for the healer. */
  readonly healTopic?: string;
  readonly spool: Spool;
  readonly logger: Logger;
  /** How long records gather before a batch is sent (PROXY_PUBLISH_LINGER_MS). */
  readonly lingerMs?: number;
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
  private queue: SpooledRecord[] = [];
  private pumping = false;
  private chain: Promise<void> = Promise.resolve();
  private retry?: NodeJS.Timeout;
  private readonly catalogue = SchemaCatalogue.load();
  /** Mutation events the log has taken. */
  published = 0;

  constructor(
    private readonly log: EventLog,
    private readonly options: PublishingOptions,
  ) {
    // Records a previous run left in the spool go first.
    if (options.spool.size > 0) this.scheduleDrain(0);
  }

  /** The sink `cutover proxy` runs with: topics, spool, linger and heals as configured. */
  static fromConfig(log: EventLog, config: Config, logger: Logger): PublishingSink {
    const topic = (name: string): string => `${config.kafka.topicPrefix}cutover.${name}`;
    return new PublishingSink(log, {
      topic: topic('mutations'),
      ...(config.proxy.targetFailurePolicy === 'origin-acked' ? { healTopic: topic('heals') } : {}),
      spool: new Spool(join(config.proxy.spoolDir, `${config.proxy.id}.spool`), config.proxy.spoolFsync),
      lingerMs: config.proxy.publishLingerMs,
      logger,
    });
  }

  record(mutation: MutationRecord): void {
    // Encoded as it comes rather than a batch at once: encoding a whole batch in one go would
    // hold up the answers of every client for as long.
    const { topic, healTopic } = this.options;
    const record = { key: mutationKey(mutation), value: encodeRecord(this.catalogue, 'MutationEvent', toMutationEvent(mutation, randomUUID())) };
    this.queue.push({ topic, record });
    if (healTopic !== undefined && needsHealing(mutation)) this.queue.push({ topic: healTopic, record });
    if (this.pumping) return;
    this.pumping = true;
    this.chain = this.chain.then(() => this.pump());
  }

  /** False while mutations wait in the spool: the log is not taking them. */
  available(): boolean {
    return this.options.spool.size === 0;
  }

  /**
   * Sends what has queued, batch after batch, until the queue is empty. Records that arrive
   * while a batch lingers or is in flight join it or the next one, so a batch costs one request
   * to the log however many records it carries.
   */
  private async pump(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        await delay(this.options.lingerMs ?? 0);
        const entries = this.queue;
        this.queue = [];
        await this.publish(entries);
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

  private async publish(entries: readonly SpooledRecord[]): Promise<void> {
    const { spool } = this.options;
    if (spool.size > 0) return spool.append(entries); // behind what is waiting, to keep the order
    const unsent = await this.send(entries);
    if (unsent.length === 0) return;
    spool.append(unsent);
    this.options.logger.warn({ spooled: spool.size }, 'the event log refused mutations: spooling them until it is back');
    this.scheduleDrain();
  }

  /** Produces entries topic by topic, in order within each; returns those the log refused. */
  private async send(entries: readonly SpooledRecord[]): Promise<readonly SpooledRecord[]> {
    const byTopic = new Map<string, LogRecord[]>();
    for (const { topic, record } of entries) (byTopic.get(topic) ?? byTopic.set(topic, []).get(topic)!).push(record);
    const unsent: SpooledRecord[] = [];
    for (const [topic, records] of byTopic) {
      if (unsent.length === 0) {
        try {
          await this.log.produce(topic, records);
          if (topic === this.options.topic) this.published += records.length;
          continue;
        } catch (error) {
          this.options.logger.debug({ err: error, topic }, 'produce failed');
        }
      }
      unsent.push(...records.map((record) => ({ topic, record })));
    }
    return unsent;
  }

  private scheduleDrain(delayMs = this.options.retryMs ?? 1000): void {
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      this.chain = this.chain.then(() => this.drain());
    }, delayMs);
  }

  /** Sends the spool to the log, oldest first, and empties it; tries again later if refused. */
  private async drain(): Promise<void> {
    const { spool, logger } = this.options;
    const entries = spool.readAll();
    for (let i = 0; i < entries.length; i += 1000) {
      // Records produced before a failure go again with the rest: consumers dedupe by event id.
      if ((await this.send(entries.slice(i, i + 1000))).length > 0) return this.scheduleDrain();
    }
    spool.clear();
    logger.info({ drained: entries.length }, 'the spool drained into the event log');
  }
}
