import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { kafkaClient } from '@cutover/stack';
import kafkajs, { type Admin } from 'kafkajs';
import { FRAGMENT_HEADER, KafkaEventLog, RecordsRefused, partitionOf, type LogRecord, type StoredRecord } from '../src/index.ts';

// kafkajs is CommonJS: these exports are only reachable through the default import.
const { ConfigResourceTypes, Partitioners } = kafkajs;

const config = loadConfig();
const kafka = kafkaClient(config);
const run = randomBytes(4).toString('hex');
let topics = 0;
let admin: Admin;
let log: KafkaEventLog;

async function topic(partitions: number, configEntries: { name: string; value: string }[] = []): Promise<string> {
  const name = `cutover-limits-${run}-${++topics}`;
  await admin.createTopics({ topics: [{ topic: name, numPartitions: partitions, configEntries }], waitForLeaders: true });
  return name;
}

/** How many Kafka records the topic holds: fragments counted one by one. */
async function kafkaRecords(name: string): Promise<number> {
  return (await admin.fetchTopicOffsets(name)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

async function all(records: AsyncIterable<StoredRecord>): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for await (const r of records) out.push(r);
  return out;
}

async function consumeUntil(name: string, group: string, count: number): Promise<StoredRecord[]> {
  const seen: StoredRecord[] = [];
  const subscription = await log.consume(name, group, (r) => {
    seen.push(r);
    return Promise.resolve();
  });
  for (let i = 0; i < 600 && seen.length < count; i++) await delay(50);
  await delay(300);
  await subscription.stop();
  return seen;
}

/** Sends the broker refused: with the budget kept, none (the refused ones are then retried one by one, hiding it). */
const refusedSends: unknown[] = [];
function watchSends(target: KafkaEventLog): void {
  const spy = target as unknown as { send: (...args: unknown[]) => Promise<void> };
  const send = spy.send.bind(target);
  spy.send = (...args) => send(...args).catch((error: unknown) => {
    refusedSends.push(error);
    throw error;
  });
}

const key = (k: string) => Buffer.from(k);
const sized = (k: string, bytes: number): LogRecord => ({ key: key(k), value: randomBytes(bytes) });
const small = (k: string, value: string): LogRecord => ({ key: key(k), value: Buffer.from(value) });

describe('KafkaEventLog on the real broker: limits, large records, refusals', { timeout: 180_000 }, () => {
  before(async () => {
    admin = kafka.admin();
    await admin.connect();
    log = new KafkaEventLog(config.kafka);
    watchSends(log);
  });
  after(async () => {
    await log.close();
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(`cutover-limits-${run}-`));
    await admin.deleteTopics({ topics: mine }).catch(() => undefined);
    await admin.disconnect();
  });

  it("reads the broker's message.max.bytes, or the topic's max.message.bytes when lower, less the overhead", async () => {
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: String((await admin.describeCluster()).brokers[0]!.nodeId), configNames: ['message.max.bytes'] }] });
    const broker = Number(resources[0]!.configEntries[0]!.configValue);
    assert.ok(broker > 500_000, `the broker takes ${broker}`);
    assert.deepEqual(await log.limits(await topic(3)), { partitions: 3, maxRecordBytes: broker - 61 - 512 });
    assert.deepEqual(await log.limits(await topic(2, [{ name: 'max.message.bytes', value: '200000' }])), { partitions: 2, maxRecordBytes: 200_000 - 61 - 512 });
  });

  it('places keys where the Java-compatible partitioner of kafkajs, a separate implementation, puts them', async () => {
    const name = await topic(7);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}-${run}`);
    await producer.send({ topic: name, messages: keys.map((k) => ({ key: k, value: 'kafkajs' })) });
    await producer.disconnect();
    await log.produce(
      name,
      keys.map((k) => small(k, 'ours')),
    );
    const stored = await log.readAll(name);
    for (const k of keys) {
      const placed = stored.filter((r) => r.key?.toString() === k).map((r) => r.partition);
      assert.deepEqual(placed, [partitionOf(key(k), 7), partitionOf(key(k), 7)], k);
    }
  });

  it('writes a 2 MB and a 4 MB record among small ones on one key, and every reader gets them back whole and in order', async () => {
    refusedSends.length = 0;
    const name = await topic(3);
    const two = sized('same', 2 * 1024 * 1024);
    const four = sized('same', 4 * 1024 * 1024);
    const records = [small('same', 's1'), two, small('same', 's2'), four, small('same', 's3'), { ...small('other', 'elsewhere'), headers: { h: 'v' } }];
    await log.produce(name, records.slice(0, 3));
    await log.produce(name, records.slice(3));
    assert.ok((await kafkaRecords(name)) > 10, 'the large ones went as fragments');
    assert.deepEqual(refusedSends, [], 'no send went over the limit');
    const expected = records.filter((r) => r.key?.toString() === 'same').map((r) => r.value);
    const check = (label: string, got: readonly StoredRecord[]): void => {
      const same = got.filter((r) => r.key?.toString() === 'same');
      assert.equal(same.length, expected.length, label);
      same.forEach((r, i) => assert.ok(r.value.equals(expected[i]!), `${label}: record ${i} differs`));
      assert.ok(same.every((r) => r.headers?.[FRAGMENT_HEADER] === undefined), label);
      assert.deepEqual(got.find((r) => r.key?.toString() === 'other')?.headers, { h: 'v' }, label);
      assert.equal(got.length, records.length, label);
    };
    check('readAll', await log.readAll(name));
    check('read', await all(log.read(name)));
    check('consume', await consumeUntil(name, `${name}-g`, records.length));
    assert.equal(await log.lag(name, `${name}-g`), 0, 'committed to the end');
  });

  it('writes 3 records of 700 KB bound for one partition in one call (together they are over the limit)', async () => {
    refusedSends.length = 0;
    const name = await topic(3);
    const records = [sized('k', 700_000), sized('k', 700_000), sized('k', 700_000)];
    await log.produce(name, records);
    assert.equal(await kafkaRecords(name), 3, 'none needed fragmenting');
    assert.deepEqual(refusedSends, [], 'no send went over the limit');
    const stored = await log.readAll(name);
    assert.deepEqual(
      stored.map((r) => r.value),
      records.map((r) => r.value),
    );
  });

  it('writes a record of exactly maxRecordBytes as one Kafka record', async () => {
    const name = await topic(1);
    const { maxRecordBytes } = await log.limits(name);
    await log.produce(name, [{ key: key('k'), value: randomBytes(maxRecordBytes - 1), headers: {} }]);
    assert.equal(await kafkaRecords(name), 1);
  });

  it('reports a record the broker refuses for good (a null key on a compacted topic) and writes the rest of the call', async () => {
    const name = await topic(2, [{ name: 'cleanup.policy', value: 'compact' }]);
    // Null keys go to partition 0; `b` and `d` are keys that go to partition 1, so the first send
    // has one partition refused and the other written.
    const on = (partition: number) => Array.from({ length: 50 }, (_, i) => `key-${i}`).filter((k) => partitionOf(key(k), 2) === partition);
    const [a, c] = on(0);
    const [b, d] = on(1);
    const records: LogRecord[] = [small(a!, '1'), { key: null, value: Buffer.from('no key') }, small(b!, '2'), sized(c!, 2 * 1024 * 1024)];
    const refusal = await log.produce(name, records).then(
      () => assert.fail('the broker should refuse record 1'),
      (error: unknown) => error,
    );
    assert.ok(refusal instanceof RecordsRefused, String(refusal));
    assert.deepEqual(
      refusal.refused.map((r) => [r.index, r.code]),
      [[1, 'INVALID_RECORD']],
    );
    assert.match(refusal.refused[0]!.reason, /key/);
    const stored = await log.readAll(name);
    assert.deepEqual(stored.map((r) => r.key?.toString()).sort(), [a, b, c].sort());
    assert.ok(stored.find((r) => r.key?.toString() === c)!.value.equals(records[3]!.value));
    // The log goes on: a later batch to the partition that was written is written too, not
    // taken by the broker for a duplicate of the last one (the producer's numbering went stale).
    await log.produce(name, [small(d!, '3')]);
    assert.deepEqual((await log.readAll(name)).map((r) => r.key?.toString()).sort(), [a, b, c, d].sort());
  });

  it('reports a record over a limit lowered after it was read, writes the others, then splits by the new limit', async () => {
    const name = await topic(1);
    await log.limits(name);
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name, configEntries: [{ name: 'max.message.bytes', value: '50000' }] }] });
    await delay(500);
    const records = [small('a', '1'), sized('b', 300_000), small('c', '2')];
    const refusal = await log.produce(name, records).then(
      () => assert.fail('the broker should refuse record 1'),
      (error: unknown) => error,
    );
    assert.ok(refusal instanceof RecordsRefused, String(refusal));
    assert.deepEqual(
      refusal.refused.map((r) => [r.index, r.code]),
      [[1, 'MESSAGE_TOO_LARGE']],
    );
    assert.deepEqual(
      (await log.readAll(name)).map((r) => r.key?.toString()),
      ['a', 'c'],
    );
    assert.equal((await log.limits(name)).maxRecordBytes, 50_000 - 61 - 512, 'read again');
    await log.produce(name, [records[1]!]);
    const stored = await log.readAll(name);
    assert.ok(stored[2]!.value.equals(records[1]!.value));
  });

  it('does not commit past the first fragment of a record a consumer has not completed', async () => {
    const name = await topic(1);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const value = randomBytes(30);
    const fragment = (n: number) => ({ key: 'big', value: value.subarray((n - 1) * 10, n * 10), headers: { [FRAGMENT_HEADER]: `test-1 ${n}/3` } });
    await producer.send({ topic: name, messages: [{ key: 'x', value: 'before' }, fragment(1), fragment(2), { key: 'y', value: 'between' }] });
    const group = `${name}-g`;
    assert.deepEqual(
      (await consumeUntil(name, group, 2)).map((r) => r.value.toString()),
      ['before', 'between'],
    );
    assert.equal(await log.lag(name, group), 3, 'committed at the first fragment');
    await producer.send({ topic: name, messages: [fragment(3)] });
    await producer.disconnect();
    // What came after the first fragment is delivered again; the record comes with its last fragment.
    const [again, whole] = await consumeUntil(name, group, 2);
    assert.equal(again?.value.toString(), 'between');
    assert.ok(whole?.value.equals(value));
    assert.equal(whole?.offset, '1');
    assert.equal(await log.lag(name, group), 0);
  });

  it('reads from a time and follows a topic, large records included', async () => {
    const name = await topic(2);
    await log.produce(name, [small('a', 'old')]);
    await delay(50);
    const from = Date.now();
    await delay(50);
    const big = sized('a', 1_500_000);
    await log.produce(name, [big]);
    const controller = new AbortController();
    const seen: StoredRecord[] = [];
    const following = (async () => {
      for await (const r of log.read(name, { fromTimestamp: from, follow: true, signal: controller.signal })) seen.push(r);
    })();
    await log.produce(name, [small('b', 'new')]);
    for (let i = 0; i < 600 && seen.length < 2; i++) await delay(50);
    controller.abort();
    await following;
    assert.equal(seen.length, 2);
    assert.ok(seen.find((r) => r.key?.toString() === 'a')?.value.equals(big.value));
    assert.equal(seen.find((r) => r.key?.toString() === 'b')?.value.toString(), 'new');
    const groups = (await admin.listGroups()).groups.filter((g) => g.groupId.startsWith('cutover-read-'));
    assert.deepEqual(groups, [], 'no reading group left behind');
  });
});
