import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Config } from '@cutover/config';
import { Backoff } from '@cutover/errors';
import { RecordsRefused, refusedLetter, topicNames, type EventLog, type LogRecord } from '@cutover/event-log';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { needsHealing, type MutationRecord, type MutationSink } from '../mutation-sink.js';
import { packBatches, type PendingMutation } from './batches.js';
import { decodeEntry, encodeEntry, type JournalRecord } from './journal-entry.js';
import { Journal, JournalCorrupt, type JournalOptions } from './journal.js';
import { legacySpoolEntries } from './legacy-spool.js';
import { MutationItems } from './mutation-item.js';

export interface PublishingOptions {
  readonly topics: {
    /** cutover.mutations */
    readonly mutations: string;
    /** cutover.heals, under TARGET_FAILURE_POLICY=origin-acked: mutations origin took and target did not. */
    readonly heals?: string;
    /** cutover.dead-letters: records Kafka refused for good, with the reason. */
    readonly deadLetters: string;
  };
  readonly journal: Journal;
  readonly proxyId: string;
  readonly logger: Logger;
  /** acked: `record` returns a promise the client's answer waits for (the journal append). */
  readonly durability: 'acked' | 'async';
  /** reject: while Kafka refuses what it is sent, new mutations are refused until the journal drains. */
  readonly failurePolicy?: 'spool' | 'reject';
  /** How long mutations gather before a batch is sent (PROXY_PUBLISH_LINGER_MS). */
  readonly lingerMs?: number;
  /** First wait before sending to a log that failed again; it doubles up to 5 s. */
  readonly retryMs?: number;
  /** A log with mutations waiting that has not advanced for this long is unhealthy (PROXY_LOG_STALL_MS). */
  readonly stallMs?: number;
}

/** How much of the journal one publishing round reads. */
const ROUND_BYTES = 8 * 1024 * 1024;
const MAX_RETRY_MS = 5000;

/**
 * The mutation log's writer in the proxy. Every mutation is encoded once (a v3 item: the raw
 * request and a small header), appended to the proxy's journal on disk, and published from the
 * journal in order, in MutationBatch records per topic partition; a journal segment is deleted
 * once Kafka has all of it. So Kafka being away only makes the journal grow, a proxy killed at
 * any point loses nothing it acknowledged under LOG_DURABILITY=acked, and a record Kafka
 * refuses for good goes to the dead letters instead of holding up the rest.
 */
export class PublishingSink implements MutationSink {
  private readonly items = new MutationItems();
  private readonly loop: Promise<void>;
  private readonly closing = new AbortController();
  /** Resolves the publishing loop's wait; called at most once (a promise resolved again costs a runtime call). */
  private wake?: () => void;
  /**
   * Under async, while Kafka takes everything and nothing waits in the journal, mutations go to
   * Kafka from memory, as they always did: only what Kafka refuses is journaled. A proxy killed
   * meanwhile loses them, which is what async means.
   */
  private fresh: JournalRecord[] = [];
  /** Entries of this turn of the event loop, appended together at its end. */
  private gathering: Buffer[] = [];
  private gathered?: Promise<void>;
  /** Mutations recorded and not yet written: the journal's counts do not include them. */
  private appending = 0;
  /** Why the last attempt to publish failed, while it has not succeeded since. */
  private failure?: Error;
  /** Since when the log has not advanced while holding mutations. */
  private stuckSince?: number;
  private readonly drained: (() => void)[] = [];
  /** Mutations the log has taken. */
  published = 0;
  private readonly metrics = {
    published: new Counter({ name: 'cutover_proxy_log_published_total', help: 'Mutations published to the mutation log (Kafka)', registers: [] }),
    failures: new Counter({ name: 'cutover_proxy_log_publish_failures_total', help: 'Attempts to publish to Kafka that failed and will be tried again, by error code', labelNames: ['code'] as const, registers: [] }),
    deadLetters: new Counter({ name: 'cutover_proxy_log_dead_letters_total', help: 'Mutation log records Kafka refused for good, sent to the dead letters with the reason, by error code', labelNames: ['code'] as const, registers: [] }),
    lost: new Counter({ name: 'cutover_proxy_log_lost_total', help: 'Journaled mutations that could not be published: in a damaged journal segment, or refused by Kafka and by the dead letters', registers: [] }),
    unlogged: new Counter({ name: 'cutover_proxy_log_unlogged_total', help: 'Mutations both clusters ran that could not be journaled (full or failing disk); under acked their clients got an error', registers: [] }),
  };

  constructor(
    private readonly log: EventLog,
    private readonly options: PublishingOptions,
  ) {
    this.loop = this.run();
  }

  /** The sink `cutover proxy` runs with: its journal in PROXY_SPOOL_DIR/PROXY_ID, topics, durability and linger as configured. */
  static async open(log: EventLog, config: Config, logger: Logger, journalOptions: Partial<JournalOptions> = {}): Promise<PublishingSink> {
    const { proxy } = config;
    const journal = await Journal.open({ dir: join(proxy.spoolDir, proxy.id), owner: proxy.id, fsync: proxy.spoolFsync, maxBytes: proxy.spoolMaxBytes, commitIntervalMs: proxy.spoolCommitMs, ...journalOptions });
    for (const repair of journal.repairs) logger.warn({ dir: join(proxy.spoolDir, proxy.id) }, repair);
    await importLegacySpool(join(proxy.spoolDir, `${proxy.id}.spool`), journal, logger);
    const { mutations, deadLetters, heals } = topicNames(config.kafka.topicPrefix);
    return new PublishingSink(log, {
      topics: { mutations, deadLetters, ...(proxy.targetFailurePolicy === 'origin-acked' ? { heals } : {}) },
      journal,
      proxyId: proxy.id,
      logger,
      durability: proxy.logDurability,
      failurePolicy: proxy.logFailurePolicy,
      lingerMs: proxy.publishLingerMs,
      stallMs: proxy.logStallMs,
    });
  }

  record(mutation: MutationRecord): Promise<void> | undefined {
    let entry: Buffer;
    try {
      const pending: JournalRecord = { kind: 'mutation', heal: this.options.topics.heals !== undefined && needsHealing(mutation), ...this.items.build(mutation) };
      if (this.options.durability === 'async' && this.direct) {
        this.fresh.push(pending);
        this.poke();
        return undefined;
      }
      entry = encodeEntry(pending);
    } catch (error) {
      this.unlogged(1, error as Error);
      return this.options.durability === 'acked' ? Promise.reject(error as Error) : undefined;
    }
    this.gathering.push(entry);
    this.appending++;
    // The mutations of one turn of the event loop go to the journal in one append.
    if (this.gathered === undefined) {
      this.gathered = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.appendGathered());
      this.gathered.catch(() => undefined); // counted and logged once for all of them; under acked each client gets the error too
    }
    return this.options.durability === 'acked' ? this.gathered : undefined;
  }

  private async appendGathered(): Promise<void> {
    const entries = this.gathering;
    this.gathering = [];
    this.gathered = undefined;
    try {
      await this.options.journal.append(entries);
    } catch (error) {
      this.unlogged(entries.length, error as Error);
      throw error;
    } finally {
      this.appending -= entries.length;
      this.poke();
    }
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private unlogged(count: number, error: Error): void {
    this.metrics.unlogged.inc(count);
    this.options.logger.error({ err: error, mutations: count }, 'mutations could not be written to the journal: they are not in the mutation log');
  }

  refusal(bytes: number): string | undefined {
    const { journal, failurePolicy } = this.options;
    // An entry is the request body and a header of a few hundred bytes.
    if (!journal.canTake(bytes + 4096)) {
      return `the proxy's mutation journal is full (PROXY_SPOOL_MAX_BYTES=${journal.maxBytes}, ${journal.unpublishedBytes} bytes not yet in Kafka, or its disk is full): the mutation was not applied; retry once Kafka has caught up`;
    }
    if (failurePolicy === 'reject' && this.failure !== undefined) {
      return 'the mutation log (Kafka) is unavailable and LOG_FAILURE_POLICY=reject: the mutation was not applied; retry once the log is back';
    }
    return undefined;
  }

  unhealthy(): string | undefined {
    const stallMs = this.options.stallMs ?? 60_000;
    if (this.stuckSince === undefined || Date.now() - this.stuckSince < stallMs) return undefined;
    const waiting = this.options.journal.unpublishedEntries;
    return `the mutation log has not advanced for ${Math.round((Date.now() - this.stuckSince) / 1000)} s with ${waiting} mutations waiting${this.failure ? `: ${this.failure.message}` : ''}`;
  }

  registerMetrics(registry: Registry): void {
    const { journal } = this.options;
    for (const metric of Object.values(this.metrics)) registry.registerMetric(metric);
    const gauge = (name: string, help: string, value: () => number): void => {
      registry.registerMetric(
        new Gauge({
          name,
          help,
          registers: [],
          collect() {
            this.set(value());
          },
        }),
      );
    };
    gauge('cutover_proxy_log_journal_bytes', 'Bytes of mutations in the journal not yet in Kafka', () => journal.unpublishedBytes);
    gauge('cutover_proxy_log_journal_entries', 'Mutations in the journal not yet in Kafka', () => journal.unpublishedEntries);
    gauge('cutover_proxy_log_oldest_unpublished_seconds', 'Age of the oldest mutation not yet in Kafka (0 when none)', () => {
      const oldest = journal.oldestUnpublishedAt;
      return oldest === undefined ? 0 : (Date.now() - oldest) / 1000;
    });
  }

  /** Mutations not yet in Kafka (in memory, journaled or being journaled). */
  get backlog(): number {
    return this.options.journal.unpublishedEntries + this.appending + this.fresh.length;
  }

  /** Whether a mutation may skip the journal: nothing older waits there, so order holds. */
  private get direct(): boolean {
    return this.failure === undefined && this.appending === 0 && this.options.journal.unpublishedEntries === 0;
  }

  /** Mutations Kafka did not take from memory wait in the journal, ahead of any newer one. */
  private async journalFresh(first: readonly JournalRecord[]): Promise<void> {
    const entries = [...first, ...this.fresh.splice(0)];
    if (entries.length === 0) return;
    this.appending += entries.length;
    try {
      await this.options.journal.append(entries.map(encodeEntry));
    } catch (error) {
      this.unlogged(entries.length, error as Error);
    } finally {
      this.appending -= entries.length;
    }
  }

  /** Resolves once everything recorded so far is in Kafka (or in the dead letters). */
  async flushed(): Promise<void> {
    while (this.backlog > 0) await new Promise<void>((resolve) => this.drained.push(resolve));
  }

  /** Stops publishing; what Kafka does not have yet stays in the journal for the next start. */
  async close(): Promise<void> {
    await this.gathered?.catch(() => undefined);
    this.closing.abort();
    this.poke();
    await this.loop;
    await this.journalFresh([]);
    await this.options.journal.close();
  }

  private async run(): Promise<void> {
    const { journal, logger } = this.options;
    // Kafka refusing: sent again after waits that double up to MAX_RETRY_MS, from the first again once it takes them.
    const backoff = new Backoff({ initialDelayMs: this.options.retryMs ?? 500, factor: 2, maxDelayMs: MAX_RETRY_MS });
    while (!this.closing.signal.aborted) {
      if (journal.unpublishedEntries === 0 && this.fresh.length === 0) {
        this.stuckSince = undefined;
        for (const resolve of this.drained.splice(0)) resolve();
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      this.stuckSince ??= Date.now();
      // A lingering batch costs the broker and the proxy less per mutation; a backlog needs no wait.
      const lingerMs = this.options.lingerMs ?? 0;
      if (lingerMs > 0 && this.failure === undefined && journal.unpublishedBytes < ROUND_BYTES) await delay(lingerMs);
      let fresh: JournalRecord[] = [];
      try {
        if (journal.unpublishedEntries === 0 && this.appending === 0) {
          fresh = this.fresh.splice(0);
          await this.publish(fresh);
        } else {
          const { entries, end } = await journal.read(undefined, ROUND_BYTES);
          await this.publish(entries.map((e) => decodeEntry(e.bytes)));
          await journal.published(end);
        }
        this.stuckSince = journal.unpublishedEntries > 0 ? Date.now() : undefined;
        if (this.failure !== undefined) logger.info({ waiting: journal.unpublishedEntries }, 'the mutation log takes mutations again; the journal is draining');
        this.failure = undefined;
        backoff.reset();
      } catch (error) {
        if (error instanceof JournalCorrupt) {
          // Nothing can bring those entries back: say so, and go on rather than jam.
          this.metrics.lost.inc(error.lost);
          logger.error({ reason: error.message, lost: error.lost }, 'mutations in a damaged journal segment cannot be read: they are lost, and publishing goes on after them');
          await journal.published(error.skipTo);
          continue;
        }
        const code = errorCode(error);
        this.failure ??= error as Error; // from here on, mutations are journaled first
        await this.journalFresh(fresh);
        this.metrics.failures.inc({ code });
        if (this.failure === error) logger.warn({ code, reason: rootCause(error), waiting: journal.unpublishedEntries }, 'the mutation log (Kafka) refused mutations: they wait in the journal and are sent again, in order');
        this.failure = error as Error;
        await backoff.wait(this.closing.signal);
      }
    }
  }

  /** Sends one round of journal entries; a record Kafka refuses for good goes to the dead letters. */
  private async publish(entries: readonly JournalRecord[]): Promise<void> {
    const { topics, proxyId } = this.options;
    const mutations: PendingMutation[] = [];
    const heals: PendingMutation[] = [];
    const legacy = new Map<string, LogRecord[]>();
    for (const entry of entries) {
      if (entry.kind === 'record') {
        (legacy.get(entry.topic) ?? legacy.set(entry.topic, []).get(entry.topic)!).push({ key: entry.key, value: entry.value });
        continue;
      }
      mutations.push(entry);
      if (entry.heal) heals.push(entry);
    }
    for (const [topic, records] of legacy) await this.produce(topic, records);
    if (mutations.length > 0) await this.produce(topics.mutations, packBatches(proxyId, mutations, await this.log.limits(topics.mutations)));
    if (heals.length > 0 && topics.heals !== undefined) {
      // One heal a record: the healer commits, and dead-letters, each on its own.
      const limits = await this.log.limits(topics.heals);
      await this.produce(topics.heals, heals.flatMap((heal) => packBatches(proxyId, [heal], limits)));
    }
    this.published += mutations.length;
    this.metrics.published.inc(mutations.length);
  }

  private async produce(topic: string, records: readonly LogRecord[]): Promise<void> {
    try {
      await this.log.produce(topic, records);
    } catch (error) {
      if (!(error instanceof RecordsRefused)) throw error;
      const { logger, topics } = this.options;
      const letters = error.refused.map(({ index, code, reason }) => {
        const record = records[index]!;
        this.metrics.deadLetters.inc({ code });
        logger.error({ topic, code, reason, bytes: record.value.length }, 'Kafka refused a mutation log record for good: it goes to the dead letters, and the log goes on');
        return refusedLetter(topic, record, `${code}: ${reason}`);
      });
      await this.log.produce(topics.deadLetters, letters).catch((refusal: unknown) => {
        if (!(refusal instanceof RecordsRefused)) throw refusal;
        // Nothing is left to try: saying so loudly is all that can be done without jamming the log.
        for (const { index, code, reason } of refusal.refused) {
          this.metrics.lost.inc();
          logger.error({ topic, code, reason, bytes: letters[index]!.value.length }, 'a mutation log record Kafka refused could not be dead-lettered either: it is dropped');
        }
      });
    }
  }
}

/** A spool file an older proxy left (one record after another): its records go first, as they are. */
async function importLegacySpool(path: string, journal: Journal, logger: Logger): Promise<void> {
  if (!existsSync(path)) return;
  const records = await legacySpoolEntries(path);
  await journal.append(records.map((r) => encodeEntry({ kind: 'record', ...r })));
  rmSync(path);
  if (records.length > 0) logger.info({ path, records: records.length }, 'moved the records of an older spool file into the journal');
}

/** Kafka clients wrap the cause in layers of "failed N times": the innermost message says what happened. */
function rootCause(error: unknown): string {
  let inner = error as { errors?: unknown[]; cause?: unknown; message?: string };
  while (inner.errors?.[0] !== undefined || inner.cause !== undefined) inner = (inner.errors?.[0] ?? inner.cause) as typeof inner;
  return inner.message ?? 'unknown';
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : (error as Error).name || 'Error';
}
