import { ErrorCode } from '@cutover/cql-protocol';
import { Backoff, pause } from '@cutover/errors';
import { deadLetter, groupNames, topicNames, type EventLog, type StoredRecord, type Subscription } from '@cutover/event-log';
import { readMutations, redactPasswords, type LoggedMutation } from '@cutover/mutation-log';
import cassandra from 'cassandra-driver';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { applyMutation } from './apply-mutation.js';
import { notHealable } from './logged-mutation.js';

export interface HealerOptions {
  /** The heals topic (cutover.heals): mutations origin took and target failed. */
  readonly topic: string;
  readonly deadLetterTopic: string;
  /** Every proxy's healer joins one group, so each heal is applied by one of them. */
  readonly group: string;
  /** A client of the target cluster. */
  readonly target: cassandra.Client;
  readonly logger: Logger;
  /** Where the healer's metrics go (the proxy's registry). */
  readonly registry?: Registry;
  /** First wait before trying target again; it doubles up to `maxRetryMs`. */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
  /**
   * Tries of a heal that target answers with a transient error (a timeout, overloaded) before
   * it goes to the dead letters, so one mutation cannot hold up its partition for ever. Target
   * unreachable is waited for without limit: every heal would fail alike.
   */
  readonly maxTries?: number;
}



/**
 * Mutations target failed that no healer has applied yet: the heals topic's lag for the healers'
 * group (none when the topic was never created: no proxy ever had a heal to queue).
 */
export async function pendingHeals(log: EventLog, prefix: string): Promise<number> {
  const topic = topicNames(prefix).heals;
  if ((await log.endOffsets(topic)).length === 0) return 0;
  return log.lag(topic, groupNames(prefix).healer);
}

/** Error codes of a cluster that could not take the write now, and may later. */
const RETRIABLE_CODES: ReadonlySet<number> = new Set([ErrorCode.SERVER_ERROR, ErrorCode.UNAVAILABLE, ErrorCode.OVERLOADED, ErrorCode.IS_BOOTSTRAPPING, ErrorCode.WRITE_TIMEOUT, ErrorCode.TRUNCATE_ERROR]);

/**
 * Brings target up to date with the writes it failed while origin took them (under
 * TARGET_FAILURE_POLICY=origin-acked). It consumes the heals topic in order and re-applies
 * each mutation to target with its original write timestamp, waiting for target as long as
 * it is down: a heal is committed only once target has it. A mutation that cannot be applied
 * again (a counter, a list append, an LWT), that target refuses outright, or that keeps
 * failing past `maxTries` goes to the dead letters with the reason; the table then needs
 * re-migrating. Started without Kafka, it keeps trying to join until Kafka is back.
 */
export class Healer {
  private stopped = false;
  private readonly heals: Counter<'result'>;
  private subscription?: Subscription;

  private constructor(
    private readonly log: EventLog,
    private readonly options: HealerOptions,
  ) {
    const registers = options.registry ? [options.registry] : [];
    this.heals = new Counter({ name: 'cutover_proxy_heals_total', help: 'Mutations the healer took from the heals topic, by result (healed, dead-lettered)', labelNames: ['result'] as const, registers });
    new Gauge({
      name: 'cutover_proxy_pending_heals',
      help: 'Mutations origin took and target failed that target does not have yet (the heals topic not yet consumed, all proxies together)',
      registers,
      // Kafka away: the last value stays rather than failing the whole scrape.
      collect: async function (this: Gauge) {
        const lag = await log.lag(options.topic, options.group).catch(() => undefined);
        if (lag !== undefined) this.set(lag);
      },
    });
  }

  /** Resolves at once: the healer joins its group in the background, and keeps trying while Kafka is away. */
  static start(log: EventLog, options: HealerOptions): Promise<Healer> {
    const healer = new Healer(log, options);
    healer.joining = healer.join();
    return Promise.resolve(healer);
  }

  private joining?: Promise<void>;

  private async join(): Promise<void> {
    // Kafka away: tried again at a steady pace, for as long as it takes.
    const backoff = new Backoff({ initialDelayMs: this.options.retryMs ?? 500 });
    while (!this.stopped) {
      try {
        const subscription = await this.log.consume(this.options.topic, this.options.group, (record) => this.healRecord(record));
        if (this.stopped) return void (await subscription.stop());
        this.subscription = subscription;
        if (backoff.failed > 0) this.options.logger.info({ attempts: backoff.failed + 1 }, 'the healer joined its group: Kafka is back');
        return;
      } catch (error) {
        if (backoff.failed === 0) this.options.logger.warn({ err: error, retryInMs: backoff.policy.initialDelayMs }, 'the healer cannot reach Kafka yet: writes target failed wait in the heals topic; trying again');
        await backoff.wait();
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.joining;
    await this.subscription?.stop();
  }

  private async healRecord(record: StoredRecord): Promise<void> {
    let mutations: LoggedMutation[];
    try {
      mutations = readMutations(record);
    } catch (error) {
      return this.giveUp(record, `unreadable: ${(error as Error).message}`);
    }
    // A record is committed once each of its mutations is healed or dead-lettered.
    for (const mutation of mutations) await this.heal(record, mutation);
  }

  private async heal(record: StoredRecord, mutation: LoggedMutation): Promise<void> {
    const refusal = notHealable(mutation);
    if (refusal !== undefined) return this.giveUp(record, `not healed: ${refusal}`, mutation);
    const { logger, target } = this.options;
    const maxTries = this.options.maxTries ?? 10;
    let tries = 0;
    // Target away is waited for without limit; `maxTries` counts only the failures of a target that answers.
    const backoff = new Backoff({ initialDelayMs: this.options.retryMs ?? 500, factor: 2, maxDelayMs: this.options.maxRetryMs ?? 5000 });
    for (;;) {
      // Not committed: the proxy that owns the partition next heals it.
      if (this.stopped) throw new Error('the healer stopped before target took the mutation');
      try {
        await applyMutation(target, mutation);
        this.heals.inc({ result: 'healed' });
        logger.debug({ eventId: mutation.eventId, table: mutation.table }, 'healed on target');
        return;
      } catch (error) {
        if (isCode(error, ErrorCode.ALREADY_EXISTS)) return this.heals.inc({ result: 'healed' }); // schema target got after all
        if (!(error instanceof cassandra.errors.DriverError)) return this.giveUp(record, `it cannot be applied again: ${(error as Error).message}`, mutation);
        if (!retriable(error)) return this.giveUp(record, `target refused it: ${(error as Error).message}`, mutation);
        if (!unreachable(error) && ++tries >= maxTries) return this.giveUp(record, `target failed it ${tries} times: ${(error as Error).message}`, mutation);
        const wait = backoff.next() ?? 0;
        logger.warn({ eventId: mutation.eventId, table: mutation.table, retryInMs: wait, reason: (error as Error).message }, 'target cannot take a heal yet; waiting for it');
        await pause(wait);
      }
    }
  }

  /** The whole record goes to the dead letters, naming the mutation of it that was not healed. */
  private async giveUp(record: StoredRecord, reason: string, mutation?: LoggedMutation): Promise<void> {
    // A schema change or a TRUNCATE says what to redo by hand; other statements may hold row values in literals.
    const statement = mutation?.kind === 'DDL' || mutation?.kind === 'TRUNCATE' ? redactPasswords(mutation.statement) : undefined;
    this.options.logger.error({ eventId: mutation?.eventId, kind: mutation?.kind, keyspace: mutation?.keyspace, table: mutation?.table, statement, reason }, 'a heal went to the dead letters: the table needs re-migrating');
    const letter = deadLetter(record, reason);
    await this.log.produce(this.options.deadLetterTopic, [mutation === undefined ? letter : { ...letter, headers: { ...letter.headers, 'cutover-event-id': mutation.eventId } }]);
    this.heals.inc({ result: 'dead-lettered' });
  }
}

function isCode(error: unknown, code: number): boolean {
  return error instanceof cassandra.errors.ResponseError && error.code === code;
}

/** No node of target answers: every heal waits for it alike. */
function unreachable(error: unknown): boolean {
  return error instanceof cassandra.errors.NoHostAvailableError;
}

/** Target down, timing out or overloaded: worth waiting for. Anything else would fail the same way again. */
function retriable(error: unknown): boolean {
  if (error instanceof cassandra.errors.NoHostAvailableError || error instanceof cassandra.errors.OperationTimedOutError) return true;
  return error instanceof cassandra.errors.ResponseError && RETRIABLE_CODES.has(error.code);
}
