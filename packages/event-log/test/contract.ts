import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { RecordsRefused, partitionOf, type EventLog, type StoredRecord } from '../src/index.ts';

export interface ContractSubject {
  readonly log: EventLog;
  /** A fresh, empty topic with three partitions. */
  topic(): Promise<string>;
}

const record = (key: string, value: string, headers?: Record<string, string>) => ({ key: Buffer.from(key), value: Buffer.from(value), ...(headers ? { headers } : {}) });
const text = (r: StoredRecord): string => `${r.key?.toString()}=${r.value.toString()}`;

async function all(records: AsyncIterable<StoredRecord>): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for await (const r of records) out.push(r);
  return out;
}

/** Collects what a subscription delivers until `count` records have arrived. */
async function collect(log: EventLog, topic: string, group: string, count: number, handler?: (r: StoredRecord) => void): Promise<StoredRecord[]> {
  const seen: StoredRecord[] = [];
  const subscription = await log.consume(topic, group, (r) => {
    handler?.(r);
    seen.push(r);
    return Promise.resolve();
  });
  for (let i = 0; i < 600 && seen.length < count; i++) await delay(50);
  await subscription.stop();
  return seen;
}

/** The contract every EventLog adapter keeps; run against the in-memory log and against Kafka. */
export function eventLogContract(name: string, make: () => Promise<ContractSubject>): void {
  describe(`EventLog contract: ${name}`, () => {
    let subject: ContractSubject;
    const ready = make().then((s) => (subject = s));
    after(() => subject.log.close());
    const timeout = 90_000;

    it('reads back what was produced, keys, values and headers, in order per key', { timeout }, async () => {
      await ready;
      const topic = await subject.topic();
      await subject.log.produce(topic, [record('a', '1', { source: 'test' }), record('b', '1'), record('a', '2')]);
      await subject.log.produce(topic, [record('c', '1'), record('a', '3')]);
      const all = await subject.log.readAll(topic);
      assert.equal(all.length, 5);
      assert.deepEqual(all.filter((r) => r.key?.toString() === 'a').map(text), ['a=1', 'a=2', 'a=3']);
      assert.deepEqual(all.find((r) => r.value.toString() === '1' && r.key?.toString() === 'a')?.headers, { source: 'test' });
      assert.ok(all.every((r) => r.topic === topic && /^\d+$/.test(r.offset) && r.timestamp > 0));
      assert.equal(new Set(all.filter((r) => r.key?.toString() === 'a').map((r) => r.partition)).size, 1, 'one key, one partition');
    });

    it('takes produce calls made at once, to one partition, all of them and in call order', { timeout }, async () => {
      await ready;
      const topic = await subject.topic();
      await Promise.all(Array.from({ length: 12 }, (_, i) => subject.log.produce(topic, [record('same', String(i))])));
      assert.deepEqual((await subject.log.readAll(topic)).map((r) => r.value.toString()), Array.from({ length: 12 }, (_, i) => String(i)));
    });

    it('reads an empty topic as empty, and stops at the end instead of waiting', { timeout }, async () => {
      await ready;
      const topic = await subject.topic();
      assert.deepEqual(await subject.log.readAll(topic), []);
      await subject.log.produce(topic, [record('k', 'v')]);
      assert.deepEqual((await subject.log.readAll(topic)).map(text), ['k=v']);
    });

    it('knows the partition count, and places records by partitionOf or where they say', { timeout }, async () => {
      await ready;
      const topic = await subject.topic();
      const limits = await subject.log.limits(topic);
      assert.equal(limits.partitions, 3);
      assert.ok(limits.maxRecordBytes > 100_000);
      const keys = Array.from({ length: 12 }, (_, i) => `key-${i}`);
      await subject.log.produce(topic, [...keys.map((k) => record(k, 'v')), { ...record('key-0', 'placed'), partition: (partitionOf(Buffer.from('key-0'), 3) + 1) % 3 }]);
      const stored = await subject.log.readAll(topic);
      for (const k of keys) assert.equal(stored.find((r) => r.key?.toString() === k)?.partition, partitionOf(Buffer.from(k), 3), k);
      assert.equal(stored.find((r) => r.value.toString() === 'placed')?.partition, (partitionOf(Buffer.from('key-0'), 3) + 1) % 3);
      assert.equal(new Set(keys.map((k) => partitionOf(Buffer.from(k), 3))).size, 3, 'the keys spread over every partition');
    });

    it('refuses a record for a partition the topic lacks, alone: the others are written', { timeout }, async () => {
      await ready;
      const topic = await subject.topic();
      const refusal = await subject.log.produce(topic, [record('a', '1'), { ...record('b', 'nowhere'), partition: 7 }, record('a', '2')]).then(
        () => assert.fail('produce should refuse record 1'),
        (error: unknown) => error,
      );
      assert.ok(refusal instanceof RecordsRefused);
      assert.equal(refusal.code, 'RECORDS_REFUSED');
      assert.deepEqual(
        refusal.refused.map((r) => [r.index, r.code]),
        [[1, 'UNKNOWN_TOPIC_OR_PARTITION']],
      );
      assert.deepEqual((await subject.log.readAll(topic)).map(text), ['a=1', 'a=2']);
    });

    it('reads without a group: to the end as it was, from a time, and following until aborted', { timeout }, async () => {
      await ready;
      const topic = await subject.topic();
      await subject.log.produce(topic, [record('a', '1'), record('b', '1')]);
      await delay(30);
      const middle = Date.now();
      await delay(30);
      await subject.log.produce(topic, [record('a', '2'), record('c', '2')]);
      const reading = all(subject.log.read(topic));
      assert.deepEqual((await reading).map(text).sort(), ['a=1', 'a=2', 'b=1', 'c=2']);
      assert.deepEqual((await all(subject.log.read(topic, { fromTimestamp: middle }))).map(text).sort(), ['a=2', 'c=2']);
      assert.deepEqual(await all(subject.log.read(topic, { fromTimestamp: Date.now() + 60_000 })), []);

      const controller = new AbortController();
      const followed: string[] = [];
      const following = (async () => {
        for await (const r of subject.log.read(topic, { fromTimestamp: middle, follow: true, signal: controller.signal })) followed.push(text(r));
      })();
      for (let i = 0; i < 600 && followed.length < 2; i++) await delay(50);
      await subject.log.produce(topic, [record('a', '3')]);
      for (let i = 0; i < 600 && followed.length < 3; i++) await delay(50);
      controller.abort();
      await following;
      assert.deepEqual(followed.sort(), ['a=2', 'a=3', 'c=2']);
      assert.equal(await subject.log.lag(topic, 'never-used'), 5, 'reading left no committed offsets behind');
    });

    it('delivers to a consumer group, resumes after what it committed, and knows its lag', { timeout }, async () => {
      await ready;
      const topic = await subject.topic();
      await subject.log.produce(topic, [record('a', '1'), record('b', '2')]);
      assert.equal(await subject.log.lag(topic, `${topic}-g`), 2, 'a new group has everything ahead of it');
      assert.deepEqual((await collect(subject.log, topic, `${topic}-g`, 2)).map(text).sort(), ['a=1', 'b=2']);
      assert.equal(await subject.log.lag(topic, `${topic}-g`), 0, 'nothing left once committed');
      await subject.log.produce(topic, [record('c', '3')]);
      assert.equal(await subject.log.lag(topic, `${topic}-g`), 1);
      assert.deepEqual((await collect(subject.log, topic, `${topic}-g`, 1)).map(text), ['c=3'], 'committed records are not delivered again');
      assert.equal((await collect(subject.log, topic, `${topic}-other`, 3)).length, 3, 'another group starts from the beginning');
    });

    it('delivers again a record whose handling failed', { timeout }, async () => {
      await ready;
      const topic = await subject.topic();
      await subject.log.produce(topic, [record('a', 'fails once')]);
      let attempts = 0;
      const seen: string[] = [];
      const subscription = await subject.log.consume(topic, `${topic}-g`, (r) => {
        if (++attempts === 1) return Promise.reject(new Error('handler failed'));
        seen.push(text(r));
        return Promise.resolve();
      });
      for (let i = 0; i < 600 && seen.length === 0; i++) await delay(50);
      await subscription.stop();
      assert.deepEqual(seen, ['a=fails once']);
      assert.equal(attempts, 2);
    });

    it('delivers batches of one partition in order, a failed batch again from its start, and commits each', { timeout }, async () => {
      await ready;
      const topic = await subject.topic();
      const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
      await subject.log.produce(topic, keys.flatMap((key) => [1, 2, 3].map((n) => record(key, String(n)))));
      let failed = false;
      const batches: StoredRecord[][] = [];
      const subscription = await subject.log.consumeBatches(
        topic,
        `${topic}-g`,
        (records) => {
          if (!failed) {
            failed = true;
            return Promise.reject(new Error('handler failed'));
          }
          batches.push([...records]);
          return Promise.resolve();
        },
        { partitions: 2 },
      );
      for (let i = 0; i < 600 && batches.flat().length < 18; i++) await delay(50);
      await subscription.stop();
      for (const batch of batches) assert.equal(new Set(batch.map((r) => r.partition)).size, 1, 'a batch is of one partition');
      const delivered = batches.flat();
      assert.equal(delivered.length, 18, 'every record once, the failed batch again');
      for (const key of keys) assert.deepEqual(delivered.filter((r) => r.key?.toString() === key).map((r) => r.value.toString()), ['1', '2', '3'], `in order: ${key}`);
      assert.equal(await subject.log.lag(topic, `${topic}-g`), 0, 'committed');
    });

    it('shares a topic\'s partitions out among a group\'s members, and gives a stopped member\'s to the others', { timeout }, async () => {
      await ready;
      const topic = await subject.topic();
      const held: (readonly number[])[] = [[], []];
      const until = async (what: string, ok: () => boolean): Promise<void> => {
        for (let i = 0; !ok(); i++) {
          assert.ok(i < 1200, `never: ${what} (${JSON.stringify(held)})`);
          await delay(50);
        }
      };
      const first = await subject.log.sharePartitions(topic, `${topic}-share`, (p) => (held[0] = p));
      await until('the only member holds every partition', () => held[0]!.length === 3);
      const second = await subject.log.sharePartitions(topic, `${topic}-share`, (p) => (held[1] = p));
      await until('two members share them', () => held[0]!.length > 0 && held[1]!.length > 0 && held[0]!.length + held[1]!.length === 3);
      assert.deepEqual([...held[0]!, ...held[1]!].sort(), [0, 1, 2], 'each partition held once');
      await second.stop();
      await until('the member left holds them all again', () => held[0]!.length === 3);
      await first.stop();
    });
  });
}
