import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MemoryEventLog, SchemaCatalogue, decodeRecord, type EventLog, type LogRecord } from '@cutover/event-log';
import { pino } from 'pino';
import type { MutationRecord } from '../src/mutation-sink.ts';
import { PublishingSink } from '../src/publishing/publishing-sink.ts';
import { Spool } from '../src/publishing/spool.ts';

const catalogue = SchemaCatalogue.load();
const logger = pino({ level: 'silent' });
const spoolPath = (): string => join(mkdtempSync(join(tmpdir(), 'cutover-spool-')), 'mutations.spool');

/** An event log that refuses everything while it is down, like Kafka when it is unreachable. */
class SwitchableLog implements EventLog {
  down = false;
  constructor(readonly inner = new MemoryEventLog()) {}
  produce(topic: string, records: readonly LogRecord[]): Promise<void> {
    return this.down ? Promise.reject(new Error('Kafka is unreachable')) : this.inner.produce(topic, records);
  }
  readAll = (topic: string) => this.inner.readAll(topic);
  consume = (...args: Parameters<EventLog['consume']>) => this.inner.consume(...args);
  lag = (...args: Parameters<EventLog['lag']>) => this.inner.lag(...args);
  close = () => this.inner.close();
}

function mutation(n: number, targetOk = true): MutationRecord {
  const id = Buffer.alloc(4);
  id.writeInt32BE(n);
  const pk = { name: 'id', type: 'int', rendered: String(n % 3), bytes: Buffer.from([0, 0, 0, n % 3]) };
  const ok = { ok: true, timedOut: false, latencyMs: 1 };
  return {
    statement: 'UPDATE shop.orders SET total = ? WHERE id = ?', keyspace: 'shop', table: 'orders', preparedId: 'ab',
    values: [{ name: 'total', type: 'int', rendered: String(n), bytes: id }, pk], partitionKey: [pk],
    proxyId: 'proxy-0', connectionId: 'c1', clientAddress: '127.0.0.1:1', receivedAt: 1_795_000_000_000 + n, kind: 'update', consistency: 6,
    writeTimestamp: 1_795_000_000_000_000n + BigInt(n), nonIdempotent: { counter: false, listAppend: false, lwt: false, now: false, uuid: false, ambiguousIncrement: false },
    results: { origin: ok, target: targetOk ? ok : { ok: false, errorCode: 0x1100, errorMessage: 'write timeout', timedOut: true, latencyMs: 10 } },
  };
}

async function totals(log: EventLog): Promise<number[]> {
  return (await log.readAll('m')).map((r) => Number(decodeRecord<{ values: { rendered: string }[] }>(catalogue, 'MutationEvent', r.value).value.values[0]!.rendered));
}

describe('PublishingSink', () => {
  it('publishes every mutation as a MutationEvent, keyed by table and partition key, in order per key', async () => {
    const log = new MemoryEventLog(() => 3);
    const sink = new PublishingSink(log, { topic: 'm', spool: new Spool(spoolPath()), logger });
    for (let n = 0; n < 30; n++) sink.record(mutation(n));
    await sink.flushed();
    const records = await log.readAll('m');
    assert.equal(records.length, 30);
    const decoded = records.map((r) => decodeRecord<Record<string, unknown> & { values: { rendered: string }[] }>(catalogue, 'MutationEvent', r.value).value);
    const first = decoded.find((e) => e.values[0]?.rendered === '0')!;
    assert.equal(first['kind'], 'UPDATE');
    assert.equal(first['writeTimestamp'], 1_795_000_000_000_000);
    assert.match(String(first['eventId']), /^[0-9a-f-]{36}$/);
    assert.equal(new Set(decoded.map((e) => e['eventId'])).size, 30, 'every event has its own id');
    for (const key of [0, 1, 2]) {
      const sameKey = (await totals(log)).filter((t) => t % 3 === key);
      assert.deepEqual(sameKey, [...sameKey].sort((a, b) => a - b), `key ${key} stays in order`);
    }
  });

  it('spools durably while the log refuses, without making anyone wait, and drains in order when it is back', async () => {
    const log = new SwitchableLog();
    const path = spoolPath();
    const sink = new PublishingSink(log, { topic: 'm', spool: new Spool(path), logger, retryMs: 20 });
    for (let n = 0; n < 5; n++) sink.record(mutation(n));
    await sink.flushed();
    log.down = true;
    const started = performance.now();
    for (let n = 5; n < 15; n++) sink.record(mutation(n));
    assert.ok(performance.now() - started < 50, 'recording never waits for the log');
    await sink.flushed();
    assert.equal(sink.spooled, 10);
    assert.equal(new Spool(path).size, 10, 'the spool is on disk');
    assert.equal(sink.available(), false, 'LOG_FAILURE_POLICY=reject refuses mutations meanwhile');
    log.down = false;
    for (let i = 0; i < 200 && sink.spooled > 0; i++) await new Promise((r) => setTimeout(r, 10));
    sink.record(mutation(15));
    await sink.flushed();
    assert.deepEqual(await totals(log), Array.from({ length: 16 }, (_, n) => n), 'nothing lost, nothing reordered');
    assert.equal(sink.spooled, 0);
    assert.equal(sink.available(), true);
  });

  it('with a heal topic, also sends there the writes origin took and target failed, spooled and drained alike', async () => {
    const log = new SwitchableLog();
    const sink = new PublishingSink(log, { topic: 'm', healTopic: 'h', spool: new Spool(spoolPath()), logger, retryMs: 20 });
    sink.record(mutation(0));
    sink.record(mutation(1, false));
    await sink.flushed();
    log.down = true;
    sink.record(mutation(2, false));
    sink.record(mutation(3));
    await sink.flushed();
    assert.equal(sink.spooled, 3, 'two mutations and one heal wait in the spool');
    log.down = false;
    for (let i = 0; i < 200 && sink.spooled > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(await totals(log), [0, 1, 2, 3]);
    const heals = (await log.readAll('h')).map((r) => decodeRecord<{ values: { rendered: string }[]; target: { ok: boolean } }>(catalogue, 'MutationEvent', r.value).value);
    assert.deepEqual(heals.map((e) => [e.values[0]!.rendered, e.target.ok]), [['1', false], ['2', false]]);
    assert.equal(sink.published, 4, 'heals are not counted as published mutations');
  });

  it('a new sink first drains what a previous run left in the spool', async () => {
    const path = spoolPath();
    const down = new SwitchableLog();
    down.down = true;
    const first = new PublishingSink(down, { topic: 'm', spool: new Spool(path), logger, retryMs: 60_000 });
    for (let n = 0; n < 3; n++) first.record(mutation(n));
    await first.close();
    const log = new MemoryEventLog();
    const second = new PublishingSink(log, { topic: 'm', spool: new Spool(path), logger });
    for (let i = 0; i < 200 && second.spooled > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(await totals(log), [0, 1, 2]);
  });
});

describe('Spool', () => {
  it('ignores a record torn by a crash mid-write', () => {
    const path = spoolPath();
    const spool = new Spool(path);
    spool.append([{ topic: 'm', record: { key: Buffer.from('k'), value: Buffer.from('one') } }, { topic: 'h', record: { key: null, value: Buffer.from('two') } }]);
    appendFileSync(path, Buffer.from([0, 1, 0x6d, 0, 0, 0, 1, 0x6b, 0, 0, 0, 9, 1, 2]));
    assert.deepEqual(new Spool(path).readAll().map((e) => [e.topic, e.record.key?.toString() ?? null, e.record.value.toString()]), [['m', 'k', 'one'], ['h', null, 'two']]);
    spool.clear();
    assert.equal(new Spool(path).size, 0);
  });
});
