import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { MemoryEventLog, SchemaCatalogue, type EventLog, type LogRecord } from '@cutover/event-log';
import { readMutations, type LoggedMutation } from '@cutover/mutation-log';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { MutationRecord } from '../src/mutation-sink.ts';
import { packBatches } from '../src/publishing/batches.ts';
import { decodeEntry, encodeEntry } from '../src/publishing/journal-entry.ts';
import { Journal } from '../src/publishing/journal.ts';
import { MutationItems } from '../src/publishing/mutation-item.ts';
import { PublishingSink, type PublishingOptions } from '../src/publishing/publishing-sink.ts';

const logger = pino({ level: 'silent' });
const spoolDir = (): string => mkdtempSync(join(tmpdir(), 'cutover-journal-'));

/** An event log that refuses everything while it is down, like Kafka when it is unreachable. */
class SwitchableLog implements EventLog {
  down = false;
  constructor(readonly inner = new MemoryEventLog()) {}
  private unreachable = (): Promise<never> => Promise.reject(Object.assign(new Error('Kafka is unreachable'), { code: 'ECONNREFUSED' }));
  produce(topic: string, records: readonly LogRecord[]): Promise<void> {
    return this.down ? this.unreachable() : this.inner.produce(topic, records);
  }
  limits = (topic: string) => (this.down ? this.unreachable() : this.inner.limits(topic));
  readAll = (topic: string) => this.inner.readAll(topic);
  read = (...args: Parameters<EventLog['read']>) => this.inner.read(...args);
  consume = (...args: Parameters<EventLog['consume']>) => this.inner.consume(...args);
  consumeBatches = (topic: string, group: string, handler: Parameters<EventLog['consumeBatches']>[2], options?: Parameters<EventLog['consumeBatches']>[3]) => this.inner.consumeBatches(topic, group, handler, options);
  sharePartitions = (topic: string, group: string, onAssignment: Parameters<EventLog['sharePartitions']>[2]) => this.inner.sharePartitions(topic, group, onAssignment);
  lag = (...args: Parameters<EventLog['lag']>) => this.inner.lag(...args);
  endOffsets = (topic: string) => this.inner.endOffsets(topic);
  close = () => this.inner.close();
}

/** An INSERT into shop.orders of total n, on one of three partition keys, as a QUERY with its values in the text. */
function mutation(n: number, options: { targetOk?: boolean; padding?: number } = {}): MutationRecord {
  const cql = `${options.padding ? `/* ${'x'.repeat(options.padding)} */ ` : ''}INSERT INTO shop.orders (id, total) VALUES (${n % 3}, ${n})`;
  const pk = { name: 'id', type: 'int', rendered: String(n % 3), bytes: Buffer.from([0, 0, 0, n % 3]) };
  const ok = { ok: true, timedOut: false, latencyMs: 1 };
  return {
    statement: cql, keyspace: 'shop', table: 'orders',
    values: [], partitionKey: [pk],
    proxyId: 'proxy-0', connectionId: 'c1', clientAddress: '127.0.0.1:1', receivedAt: 1_795_000_000_000 + n, kind: 'insert', consistency: 6,
    writeTimestamp: 2n ** 62n + BigInt(n), nonIdempotent: { counter: false, listAppend: false, lwt: false, now: false, uuid: false, ambiguousIncrement: false },
    results: { origin: ok, target: options.targetOk === false ? { ok: false, errorCode: 0x1100, errorMessage: 'write timeout', timedOut: true, latencyMs: 10 } : ok },
    request: { version: 4, opcode: 0x07, flags: 0, body: queryBody(cql) },
  };
}

/** A QUERY body at consistency ONE with no values. */
function queryBody(cql: string): Buffer {
  const text = Buffer.from(cql);
  const body = Buffer.alloc(4 + text.length + 3);
  body.writeInt32BE(text.length, 0);
  text.copy(body, 4);
  body.writeUInt16BE(1, 4 + text.length);
  return body;
}

async function open(dir: string, log: EventLog, overrides: Partial<PublishingOptions> = {}): Promise<PublishingSink> {
  const journal = await Journal.open({ dir, owner: 'proxy-0', fsync: 'always', maxBytes: 64 * 1024 * 1024 });
  return new PublishingSink(log, { topics: { mutations: 'm', deadLetters: 'dead' }, journal, proxyId: 'proxy-0', logger, durability: 'acked', retryMs: 20, ...overrides });
}

async function logged(log: EventLog, topic = 'm'): Promise<LoggedMutation[]> {
  return (await log.readAll(topic)).flatMap((r) => readMutations(r));
}

/** The totals written, from each mutation's statement (… VALUES (key, total)). */
const totals = (mutations: readonly LoggedMutation[]): number[] => mutations.map((m) => Number(/, (\d+)\)$/.exec(m.statement)![1]));

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await delay(10);
  assert.ok(condition(), what);
}

describe('PublishingSink', { timeout: 20_000 }, () => {
  it('publishes mutations in v3 batches per partition, in order per key, with stable unique ids and exact timestamps', async () => {
    const log = new MemoryEventLog({ partitions: () => 3 });
    const sink = await open(spoolDir(), log);
    await Promise.all(Array.from({ length: 30 }, async (_, n) => sink.record(mutation(n))));
    await sink.flushed();
    const records = await log.readAll('m');
    assert.ok(records.length < 30 && records.length >= 1, `mutations travel many to a record (${records.length} records)`);
    const mutations = await logged(log);
    assert.equal(mutations.length, 30);
    assert.ok(mutations.every((m) => m.format === 3 && m.kind === 'INSERT' && m.proxyId === 'proxy-0'));
    assert.equal(new Set(mutations.map((m) => m.eventId)).size, 30, 'every mutation has its own id');
    assert.match(mutations[0]!.eventId, /^proxy-0\/\d+\/\d+$/);
    const first = mutations.find((m) => totals([m])[0] === 0)!;
    assert.equal(first.writeTimestamp, 2n ** 62n, 'a timestamp past 2^53 is exact');
    for (const key of [0, 1, 2]) {
      const sameKey = totals(mutations).filter((t) => t % 3 === key);
      assert.deepEqual(sameKey, [...sameKey].sort((a, b) => a - b), `key ${key} stays in order`);
    }
    await sink.close();
  });

  it('acked: a mutation is answered once it is in the journal; while the log is down they wait there, and drain in order', async () => {
    const log = new SwitchableLog(new MemoryEventLog({ partitions: () => 2 }));
    const dir = spoolDir();
    const sink = await open(dir, log, { failurePolicy: 'reject', stallMs: 50 });
    const registry = new Registry();
    sink.registerMetrics(registry);
    for (let n = 0; n < 5; n++) await sink.record(mutation(n));
    await sink.flushed();
    log.down = true;
    for (let n = 5; n < 15; n++) await sink.record(mutation(n));
    assert.equal(sink.backlog, 10, 'what Kafka does not have waits in the journal');
    await until('LOG_FAILURE_POLICY=reject refuses mutations while the log fails', () => sink.refusal(100) !== undefined);
    assert.match(sink.refusal(100)!, /LOG_FAILURE_POLICY=reject: the mutation was not applied/);
    await until('a log that does not advance is unhealthy', () => sink.unhealthy() !== undefined);
    assert.match(sink.unhealthy()!, /has not advanced for \d+ s with 10 mutations waiting/);
    const metrics = await registry.metrics();
    assert.match(metrics, /cutover_proxy_log_journal_entries 10/);
    assert.match(metrics, /cutover_proxy_log_publish_failures_total\{code="ECONNREFUSED"\} [1-9]/);
    assert.match(metrics, /cutover_proxy_log_oldest_unpublished_seconds 0\.[0-9]*[1-9]/);
    log.down = false;
    await sink.flushed();
    await sink.record(mutation(15));
    await sink.flushed();
    assert.deepEqual(totals(await logged(log)).sort((a, b) => a - b), Array.from({ length: 16 }, (_, n) => n), 'nothing lost');
    assert.equal(sink.refusal(100), undefined);
    assert.equal(sink.unhealthy(), undefined);
    await sink.close();
  });

  it('async: recording never waits, and what a closed sink left in the journal is published by the next one', async () => {
    const dir = spoolDir();
    const down = new SwitchableLog();
    down.down = true;
    const first = await open(dir, down, { durability: 'async' });
    for (let n = 0; n < 3; n++) assert.equal(first.record(mutation(n)), undefined, 'nothing to wait for');
    await until('journaled', () => first.backlog === 3);
    await first.close();
    const log = new MemoryEventLog();
    const second = await open(dir, log);
    await second.flushed();
    assert.deepEqual(totals(await logged(log)), [0, 1, 2]);
    await second.close();
  });

  it('async: while Kafka takes everything, mutations go to it from memory and the journal stays empty; once it refuses, they are journaled in order', async () => {
    const dir = spoolDir();
    const log = new SwitchableLog();
    const sink = await open(dir, log, { durability: 'async' });
    for (let n = 0; n < 20; n++) void sink.record(mutation(n));
    await sink.flushed();
    const segmentBytes = (): number => readdirSync(dir).filter((f) => f.endsWith('.seg')).reduce((sum, f) => sum + readFileSync(join(dir, f)).length, 0);
    assert.equal(segmentBytes(), 0, 'nothing was journaled');
    log.down = true;
    for (let n = 20; n < 40; n++) void sink.record(mutation(n));
    await until('what Kafka refused is journaled', () => segmentBytes() > 0 && sink.backlog === 20);
    log.down = false;
    await sink.flushed();
    assert.deepEqual(totals(await logged(log)).sort((a, b) => a - b), Array.from({ length: 40 }, (_, n) => n));
    for (const key of [0, 1, 2]) {
      const sameKey = totals(await logged(log)).filter((t) => t % 3 === key);
      assert.deepEqual(sameKey, [...sameKey].sort((a, b) => a - b), `key ${key} stays in order`);
    }
    await sink.close();
  });

  it('with a heal topic, also sends there the writes origin took and target failed, one a record', async () => {
    const log = new MemoryEventLog();
    const sink = await open(spoolDir(), log, { topics: { mutations: 'm', heals: 'h', deadLetters: 'dead' } });
    for (const [n, targetOk] of [[0, true], [1, false], [2, false], [3, true]] as const) await sink.record(mutation(n, { targetOk }));
    await sink.flushed();
    assert.deepEqual(totals(await logged(log)), [0, 1, 2, 3]);
    assert.deepEqual((await logged(log, 'h')).map((m) => [totals([m])[0], m.target.ok]), [[1, false], [2, false]]);
    assert.equal((await log.readAll('h')).length, 2, 'one heal a record');
    assert.equal(sink.published, 4, 'heals are not counted as published mutations');
    await sink.close();
  });

  it('a record the log refuses for good goes to the dead letters with the reason, and the rest flows', async () => {
    // The mutations topic takes records up to 64 KiB and refuses larger ones for good; the dead letters take any.
    const log = new SwitchableLog(new MemoryEventLog());
    const strict = new MemoryEventLog({ maxRecordBytes: 64 * 1024 });
    log.produce = (topic, records) => (topic === 'm' ? strict : log.inner).produce(topic, records);
    log.limits = (topic) => (topic === 'm' ? strict : log.inner).limits(topic);
    const sink = await open(spoolDir(), log);
    const registry = new Registry();
    sink.registerMetrics(registry);
    await sink.record(mutation(0));
    await sink.record(mutation(1, { padding: 200 * 1024 }));
    await sink.record(mutation(2));
    await sink.flushed();
    assert.deepEqual(totals(await logged(strict)), [0, 2]);
    const dead = await log.inner.readAll('dead');
    assert.equal(dead.length, 1);
    assert.match(dead[0]!.headers?.['cutover-error'] ?? '', /^MESSAGE_TOO_LARGE: /, 'with the reason');
    assert.deepEqual(totals(readMutations({ ...dead[0]!, topic: 'm' })), [1], 'the refused mutation itself, readable');
    assert.match(await registry.metrics(), /cutover_proxy_log_dead_letters_total\{code="MESSAGE_TOO_LARGE"\} 1/);
    await sink.close();
  });

  it('a record the dead letters refuse too is logged at error level and dropped, never holding up the log', async () => {
    const errors: string[] = [];
    const recording = pino({ level: 'error' }, { write: (line: string) => void errors.push(line) });
    const log = new MemoryEventLog({ maxRecordBytes: 64 * 1024 });
    const sink = await open(spoolDir(), log, { logger: recording });
    await sink.record(mutation(0, { padding: 200 * 1024 }));
    await sink.record(mutation(1));
    await sink.flushed();
    assert.deepEqual(totals(await logged(log)), [1]);
    assert.ok(errors.some((line) => /could not be dead-lettered either/.test(line)), errors.join('\n'));
    await sink.close();
  });

  it('a journal segment damaged on disk loses its damaged entries, counted and logged, and never jams the log', async () => {
    const dir = spoolDir();
    const down = new SwitchableLog();
    down.down = true;
    const options = { dir, owner: 'proxy-0', fsync: 'always' as const, maxBytes: 64 * 1024 * 1024, segmentBytes: 2000 };
    const first = new PublishingSink(down, { topics: { mutations: 'm', deadLetters: 'dead' }, journal: await Journal.open(options), proxyId: 'proxy-0', logger, durability: 'acked', retryMs: 20 });
    for (let n = 0; n < 30; n++) await first.record(mutation(n));
    await first.close();
    const oldest = readdirSync(dir).filter((f) => f.endsWith('.seg')).sort()[0]!;
    const bytes = readFileSync(join(dir, oldest));
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1); // the segment's last entry
    writeFileSync(join(dir, oldest), bytes);
    const log = new MemoryEventLog();
    const second = new PublishingSink(log, { topics: { mutations: 'm', deadLetters: 'dead' }, journal: await Journal.open(options), proxyId: 'proxy-0', logger, durability: 'acked', retryMs: 20 });
    const registry = new Registry();
    second.registerMetrics(registry);
    await second.flushed();
    const published = totals(await logged(log));
    assert.equal(published.length, 29, 'every other mutation');
    assert.deepEqual(published, [...published].sort((a, b) => a - b), 'in order');
    assert.match(await registry.metrics(), /cutover_proxy_log_lost_total 1/);
    await second.close();
  });

  it('a full journal refuses new mutations before any cluster sees them', async () => {
    const journal = await Journal.open({ dir: spoolDir(), owner: 'proxy-0', fsync: 'never', maxBytes: 8 * 1024 });
    const down = new SwitchableLog();
    down.down = true;
    const sink = new PublishingSink(down, { topics: { mutations: 'm', deadLetters: 'dead' }, journal, proxyId: 'proxy-0', logger, durability: 'acked', retryMs: 20 });
    assert.equal(sink.refusal(100), undefined);
    for (let n = 0; sink.refusal(100) === undefined && n < 100; n++) await sink.record(mutation(n));
    assert.match(sink.refusal(100) ?? '', /mutation journal is full \(PROXY_SPOOL_MAX_BYTES=8192/);
    await sink.close();
  });

  it('publishes first the records an older proxy left in its spool file', async () => {
    const dir = spoolDir();
    const v2 = Buffer.concat([Buffer.from([0, 0, 0, 0, 2]), SchemaCatalogue.load().byId(2)!.type.toBuffer(v2Event())]);
    const topic = Buffer.from('cutover.mutations');
    const entry = Buffer.concat([Buffer.from([0, topic.length]), topic, Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.from([0, 0, 0, v2.length]), v2]);
    writeFileSync(join(dir, 'proxy-0.spool'), entry);
    const log = new MemoryEventLog();
    const sink = await PublishingSink.open(log, configFor(dir), logger);
    await sink.record(mutation(7));
    await sink.flushed();
    assert.deepEqual((await logged(log, 'cutover.mutations')).map((m) => [m.format, m.eventId.startsWith('legacy') ? 'legacy' : 'new']), [[2, 'legacy'], [3, 'new']]);
    await sink.close();
  });
});

function v2Event(): Record<string, unknown> {
  const result = { ok: true, errorCode: null, errorMessage: null, timedOut: false, latencyMs: 1 };
  return {
    eventId: 'legacy-1', proxyId: 'proxy-0', connectionId: 'c1', clientAddress: '127.0.0.1:1', receivedAt: 1, kind: 'UPDATE',
    statement: 'UPDATE t SET v = 1 WHERE id = 1', preparedId: null, keyspace: 'shop', table: 't', values: [], partitionKey: null,
    consistency: 6, serialConsistency: null, writeTimestamp: 1, nonIdempotent: { counter: false, listAppend: false, lwt: false, now: false, uuid: false },
    children: [], origin: result, target: result, driver: null,
  };
}

function configFor(spoolDir: string): Parameters<typeof PublishingSink.open>[1] {
  return {
    kafka: { topicPrefix: '', brokers: [], clientId: 'test' },
    proxy: { id: 'proxy-0', spoolDir, spoolFsync: 'always', spoolMaxBytes: 1024 * 1024, spoolCommitMs: 2, logDurability: 'acked', logFailurePolicy: 'spool', publishLingerMs: 0, logStallMs: 60_000, targetFailurePolicy: 'strict' },
  } as unknown as Parameters<typeof PublishingSink.open>[1];
}

describe('packBatches', () => {
  it('puts each statement descriptor in a record once, whether its mutations share the descriptor or were read back from the journal', () => {
    const items = new MutationItems();
    const prepared = (n: number): MutationRecord => ({ ...mutation(n), statement: 'INSERT INTO shop.orders (id, total) VALUES (?, ?)', preparedId: 'aa01' });
    const fresh = [0, 3].map((n) => items.build(prepared(n)));
    const entry = decodeEntry(encodeEntry({ kind: 'mutation', heal: false, ...items.build(prepared(6)) }));
    assert.equal(entry.kind, 'mutation');
    const pending = [...fresh, entry];
    assert.notEqual(pending[2]!.descriptors[0], pending[0]!.descriptors[0], 'the journal gives copies, not the same buffers');
    const records = packBatches('proxy-0', pending, { partitions: 1, maxRecordBytes: 1024 * 1024 });
    assert.equal(records.length, 1);
    const value = records[0]!.value;
    const descriptor = pending[0]!.descriptors[0]!;
    assert.equal(value.indexOf(descriptor), value.lastIndexOf(descriptor), 'the descriptor once');
    assert.ok(value.indexOf(descriptor) > 0);
    const read = readMutations({ topic: 'm', partition: 0, offset: '0', key: null, value, timestamp: 0 });
    assert.deepEqual(read.map((m) => [m.keyspace, m.table, m.writeTimestamp]), [0, 3, 6].map((n) => ['shop', 'orders', 2n ** 62n + BigInt(n)]), 'each mutation, its statement described');
  });

  it('starts a new record before one would pass the log\'s largest, and each record carries the descriptors it needs', () => {
    const items = new MutationItems();
    const pending = Array.from({ length: 40 }, (_, n) => items.build({ ...mutation(n, { padding: 200 }), statement: `UPDATE shop.orders SET total = ${n % 2} WHERE id = 1`, preparedId: `p${n % 2}` }));
    const records = packBatches('proxy-0', pending, { partitions: 1, maxRecordBytes: 1024 + 8 * 1024 });
    assert.ok(records.length > 1, `${records.length} records`);
    for (const record of records) assert.ok(record.value.length <= 1024 + 8 * 1024, `${record.value.length} bytes`);
    const read = records.flatMap((r) => readMutations({ topic: 'm', partition: 0, offset: '0', key: null, value: r.value, timestamp: 0 }));
    assert.deepEqual(totals(read), pending.map((_, n) => n), 'every mutation, in order');
    assert.ok(read.every((m) => m.table === 'orders'), 'each found its statement in its own record');
  });
});
