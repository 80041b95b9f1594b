import { setTimeout as delay } from 'node:timers/promises';
import { Backoff, pause, type RetryPolicy } from '@cutover/errors';
import type { Fact } from '@cutover/migration-state';
import { EventLogError, SchemaCatalogue, deadLetter, decodeRecord, encodeRecord, type StoredRecord, type Subscription } from '@cutover/event-log';
import { checkRange, type RangeCheck } from '../check/check-range.js';
import { verifyTable } from '../check/verify-table.js';
import { copyPlan, type CopyPlan } from '../copy/copy-plan.js';
import { badRowsKey, writeBadRows } from '../copy/bad-rows.js';
import { loadChunk, loadCounterChunk, type LoadedChunk } from '../copy/load.js';
import { rowKey } from '../copy/staged-row.js';
import { unloadChunk } from '../copy/unload.js';
import { chunkKey, loadItem, type WorkItem } from '../plan/work-item.js';
import { readSchema } from '../schema/read-schema.js';
import type { CopyContext } from './copy-context.js';
import { MigratorError } from '../errors.js';
import { isTransient } from './transient.js';
import { workDecision } from './work-decision.js';

const catalogue = SchemaCatalogue.load();

/** How long work of a paused table waits before it goes back in the queue. */
const DEFER_MS = 500;
/** Work that failed for a reason that may not pass: delivered again a second later, 3 tries in all before its table fails. */
const RETRY_FAILED: RetryPolicy = { initialDelayMs: 1000, maxAttempts: 3 };
/** Work that failed because a cluster, S3 or Kafka is away: delivered again a second later, however long that takes. */
const RETRY_AWAY: RetryPolicy = { initialDelayMs: 1000 };

/** The work item as the work topic keeps it: keyed by table and chunk, so one chunk's work stays in order. */
export function workRecord(item: WorkItem): { key: Buffer; value: Buffer } {
  return { key: Buffer.from(`${item.keyspace}.${item.table}/${item.chunk}`), value: encodeRecord(catalogue, 'WorkItem', item) };
}

/**
 * One table-migration worker: a member of the work topic's consumer group, so several share
 * the chunks, and a chunk whose worker died (its offset not committed) is done by another.
 * UNLOAD stages a token range in S3 and queues its LOAD; LOAD writes it to target. Each records
 * its fact under the work's id, so work done twice records the same fact once.
 */
export class TableWorker {
  private subscription?: Subscription;
  private readonly plans = new Map<string, Promise<CopyPlan>>();
  /** Failed tries of work that failed for a reason that may not pass, by work id. */
  private readonly tries = new Map<string, Backoff>();

  private constructor(
    private readonly ctx: CopyContext,
    readonly id: string,
  ) {}

  static async start(ctx: CopyContext, id: string, group: string): Promise<TableWorker> {
    const worker = new TableWorker(ctx, id);
    worker.subscription = await ctx.log.consume(ctx.workTopic, group, (record) => worker.handle(record));
    return worker;
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }

  private async handle(record: StoredRecord): Promise<void> {
    let item: WorkItem;
    try {
      item = decodeRecord<WorkItem>(catalogue, 'WorkItem', record.value).value;
    } catch (error) {
      if (!(error instanceof EventLogError)) throw error;
      // Delivered again it would fail again, holding up its partition's queue for good.
      this.ctx.logger.error({ worker: this.id, reason: error.message }, 'an unreadable work item went to the dead letters');
      return this.ctx.log.produce(this.ctx.deadLetterTopic, [deadLetter(record, `${error.code}: ${error.message}`)]);
    }
    const decision = this.ctx.live ? workDecision(this.ctx.live.state, item) : 'run';
    if (decision === 'drop') return this.ctx.logger.info({ worker: this.id, workId: item.workId }, 'work dropped: of an earlier round, a failed table, or another migration');
    if (decision === 'defer') {
      // Back to the end of the queue, after a pause of its own, so a paused table does not spin.
      await delay(DEFER_MS);
      return this.ctx.log.produce(this.ctx.workTopic, [workRecord({ ...item, attempt: item.attempt + 1 })]);
    }
    try {
      const plan = await this.plan(item);
      await (item.kind === 'UNLOAD' ? this.unload(item, plan) : item.kind === 'LOAD' ? this.load(item, plan) : this.verify(item, plan));
      this.tries.delete(item.workId);
    } catch (error) {
      await this.failed(item, error);
    }
  }

  /**
   * Work that failed. A cluster, S3 or Kafka away for a while: the work is delivered again
   * after a pause, however long that takes. Anything else is tried as RETRY_FAILED says (a
   * failure no one foresaw may still pass), then the table's round fails, with the chunk and
   * the reason in its facts (a value the driver cannot read, a staged chunk gone, a bug would
   * fail for ever), so that no one waits for a chunk that will never be done.
   */
  private async failed(item: WorkItem, error: unknown): Promise<void> {
    const table = `${item.keyspace}.${item.table}`;
    const message = error instanceof Error ? error.message : String(error);
    const away = isTransient(error);
    const tries = away ? new Backoff(RETRY_AWAY) : (this.tries.get(item.workId) ?? new Backoff(RETRY_FAILED));
    const wait = tries.next();
    if (wait !== undefined) {
      if (!away) this.tries.set(item.workId, tries);
      this.ctx.logger.warn({ worker: this.id, table, chunk: item.chunk, step: item.kind, reason: message, ...(away ? {} : { tries: tries.failed }) }, 'chunk work failed: it will be tried again');
      await pause(wait);
      throw error;
    }
    this.tries.delete(item.workId);
    if (item.kind === 'VERIFY') {
      // It fails no copy: the verification ends without telling that the tables agree, and says why.
      this.ctx.logger.error({ worker: this.id, table, verification: item.verificationId, range: item.chunk, err: error }, `a range of the verification of ${table} cannot be compared`);
      return this.rangeVerified(item, { rows: 0, targetRows: 0, differences: 0, complete: false, failure: message });
    }
    const reason = `chunk ${item.chunk} failed to ${item.kind.toLowerCase()}: ${message}`;
    this.ctx.logger.error({ worker: this.id, table, chunk: item.chunk, step: item.kind, err: error }, `the copy of ${table} failed: ${reason}`);
    await this.ctx.control.record({ type: 'TableRefused', table, round: item.round, reason }, { ...this.by(item), eventId: `${item.workId}/failed` });
  }

  /** Stages the chunk's token range, queues its load, and records ChunkUnloaded. */
  private async unload(item: WorkItem, plan: CopyPlan): Promise<void> {
    const table = `${item.keyspace}.${item.table}`;
    const started = performance.now();
    const unloaded = await unloadChunk(this.ctx.origin, this.ctx.staging, plan, { keyspace: item.keyspace, table: item.table, chunk: item.chunk, rangeStart: BigInt(item.rangeStart), rangeEnd: BigInt(item.rangeEnd) }, chunkKey(item));
    await this.ctx.log.produce(this.ctx.workTopic, [workRecord(loadItem(item))]);
    const { key: s3Key, rows, bytes, sha256, unloadedAt } = unloaded;
    await this.ctx.control.record({ type: 'ChunkUnloaded', table, round: item.round, chunk: item.chunk, s3Key, rows, bytes, sha256, unloadedAt }, this.by(item));
    this.ctx.metrics?.rows.inc({ table, step: 'unload' }, rows);
    this.ctx.metrics?.bytes.inc({ table }, bytes);
    this.ctx.metrics?.chunkSeconds.observe({ step: 'unload' }, (performance.now() - started) / 1000);
    this.ctx.logger.info({ worker: this.id, table, chunk: item.chunk, rows, ms: Math.round(performance.now() - started) }, 'chunk unloaded');
  }

  /** Writes the staged chunk to target (its bad rows to their file), checks its range, and records ChunkLoaded and ChunkChecked. */
  private async load(item: WorkItem, plan: CopyPlan): Promise<void> {
    const table = `${item.keyspace}.${item.table}`;
    const started = performance.now();
    const key = item.s3Key ?? chunkKey(item);
    const live = this.ctx.live;
    const options = { ...(this.ctx.load ?? { concurrency: 256, rate: 0 }), current: () => live === undefined || workDecision(live.state, item) !== 'drop' };
    const loaded = plan.counter ? await loadCounterChunk(this.ctx.origin, this.ctx.target, this.ctx.staging, plan, { key }, options) : await loadChunk(this.ctx.target, this.ctx.staging, plan, { key }, options);
    if (loaded.abandoned === true) return this.ctx.logger.info({ worker: this.id, table, chunk: item.chunk, round: item.round }, 'chunk load stopped: a newer round of its table has begun');
    const bad = loaded.badRows.length === 0 ? null : badRowsKey(key);
    if (bad !== null) {
      await writeBadRows(this.ctx.staging, bad, plan, loaded.badRows);
      this.ctx.logger.error({ worker: this.id, table, chunk: item.chunk, badRows: loaded.badRows.length, file: `s3://${this.ctx.staging.bucket}/${bad}`, reason: loaded.badRows[0]!.reason }, 'target refused rows of a chunk');
    }
    await this.ctx.control.record({ type: 'ChunkLoaded', table, round: item.round, chunk: item.chunk, rows: loaded.rows, writes: loaded.writes, badRows: loaded.badRows.length, badRowsKey: bad }, this.by(item));
    this.ctx.logger.info({ worker: this.id, table, chunk: item.chunk, rows: loaded.rows, ms: Math.round(performance.now() - started) }, 'chunk loaded');
    const check = await this.check(plan, item, loaded);
    await this.ctx.control.record({ type: 'ChunkChecked', table, round: item.round, chunk: item.chunk, originRows: check.rows.origin, targetRows: check.rows.target, matches: check.matches }, { ...this.by(item), eventId: `${item.workId}/check` });
    this.ctx.metrics?.rows.inc({ table, step: 'load' }, loaded.rows);
    this.ctx.metrics?.badRows.inc({ table }, loaded.badRows.length);
    this.ctx.metrics?.chunkSeconds.observe({ step: 'load' }, (performance.now() - started) / 1000);
    if (!check.matches) {
      const tokens = check.examples.map((d) => `${d.token} (${d.kind})`);
      this.ctx.logger.error({ worker: this.id, table, chunk: item.chunk, rows: check.rows, differences: check.differences, tokens, range: [item.rangeStart, item.rangeEnd] }, 'a loaded chunk differs between origin and target');
    }
  }

  /** Compares a token range of a shared verification on both clusters, and records RangeVerified. */
  private async verify(item: WorkItem, plan: CopyPlan): Promise<void> {
    const table = `${item.keyspace}.${item.table}`;
    const started = performance.now();
    const range = { start: BigInt(item.rangeStart), end: BigInt(item.rangeEnd) };
    const v = await verifyTable(this.ctx.origin, this.ctx.target, plan, { ranges: [range], concurrency: 1, ...(this.ctx.verifyPaces === undefined ? {} : { paces: this.ctx.verifyPaces }) });
    await this.rangeVerified(item, { rows: v.rows.origin, targetRows: v.rows.target, differences: v.differences.length, complete: v.complete, failure: null });
    this.ctx.logger.info({ worker: this.id, table, verification: item.verificationId, range: item.chunk, rows: v.rows.origin, differences: v.differences.length, ms: Math.round(performance.now() - started) }, 'range verified');
  }

  private rangeVerified(item: WorkItem, found: Pick<Extract<Fact, { type: 'RangeVerified' }>, 'rows' | 'targetRows' | 'differences' | 'complete' | 'failure'>): Promise<void> {
    const fact = { type: 'RangeVerified', table: `${item.keyspace}.${item.table}`, round: item.round, verificationId: item.verificationId ?? '', range: item.chunk, ...found } as const;
    return this.ctx.control.record(fact, this.by(item));
  }

  /** Facts are recorded under the work's id: work done twice records the same fact once. */
  private by(item: WorkItem): { migrationId: string; issuer: string; eventId: string } {
    return { migrationId: item.migrationId, issuer: this.id, eventId: item.workId };
  }

  /**
   * Compares the chunk's range: target against what was staged, and both clusters row by row
   * if that differs (a row must differ at every look to count: see checkRange).
   */
  private check(plan: CopyPlan, item: WorkItem, loaded: LoadedChunk): Promise<RangeCheck> {
    const skip = new Set(loaded.badRows.map((b) => rowKey(b.row)));
    return checkRange(this.ctx.origin, this.ctx.target, plan, { start: BigInt(item.rangeStart), end: BigInt(item.rangeEnd) }, { skip, staged: { sha256: loaded.sha256, rows: loaded.rows } });
  }

  /** A table's copy plan, read from origin's schema once per worker (read again after a failed read). */
  private plan(item: WorkItem): Promise<CopyPlan> {
    const name = `${item.keyspace}.${item.table}`;
    let plan = this.plans.get(name);
    if (plan === undefined) {
      plan = readSchema(this.ctx.origin, [item.keyspace]).then((schema) => {
        const keyspace = schema.keyspaces.get(item.keyspace);
        const table = keyspace?.tables.get(item.table);
        if (keyspace === undefined || table === undefined) throw new MigratorError('SCHEMA_NOT_FOUND', `origin has no table ${name}`);
        return copyPlan(table, new Set(keyspace.types.keys()));
      });
      this.plans.set(name, plan);
      plan.catch(() => this.plans.delete(name));
    }
    return plan;
  }
}
