import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { KafkaEventLog, createTopics, topicCatalogue } from '@cutover/event-log';
import { readMutations } from '@cutover/mutation-log';
import { kafkaClient } from '@cutover/stack';
import cassandra from 'cassandra-driver';
import { pino } from 'pino';
import { ProxyServer } from '../src/index.ts';
import { PublishingSink } from '../src/publishing/publishing-sink.ts';
import { REPLICATION, configWith, uniqueKeyspace } from './support.ts';

/** Every mutation acknowledged through the proxy is in the Kafka mutations topic once, in order per partition key. */
const prefix = `pub-${randomBytes(3).toString('hex')}.`;
const topic = `${prefix}cutover.mutations`;
const timeout = 120_000;
const ks = uniqueKeyspace('publish');
const config = configWith({ KAFKA_TOPIC_PREFIX: prefix, PROXY_QUERY_PORT: '19992', PROXY_METRICS_PORT: '19991' });
const log = new KafkaEventLog(config.kafka);
let sink: PublishingSink;
let proxy: ProxyServer;
let client: cassandra.Client;

before(async () => {
  const admin = kafkaClient(config).admin();
  await admin.connect();
  await createTopics(admin, topicCatalogue(prefix).filter((t) => t.name === topic));
  await admin.disconnect();
  sink = await PublishingSink.open(log, config, pino({ level: 'warn' }));
  proxy = await ProxyServer.start(config, { sink, logger: pino({ level: 'warn' }) });
  client = new cassandra.Client({ contactPoints: ['127.0.0.1:19992'], localDataCenter: 'datacenter1' });
});

after(async () => {
  await client.shutdown();
  await proxy.stop();
  await sink.close();
  await log.close();
});

it('publishes every acknowledged mutation exactly once, in order per partition key', { timeout }, async () => {
  await client.execute(`CREATE KEYSPACE ${ks} WITH replication = ${REPLICATION}`);
  await client.execute(`CREATE TABLE ${ks}.t (id int PRIMARY KEY, v int)`);
  const update = `UPDATE ${ks}.t SET v = ? WHERE id = ?`;
  let acknowledged = 0;
  for (let round = 0; round < 20; round++) {
    await Promise.all([0, 1, 2, 3, 4].map(async (id) => {
      await client.execute(update, [round, id], { prepare: true });
      acknowledged++;
    }));
  }
  await sink.flushed();
  assert.equal(sink.backlog, 0);

  // Within a record, mutations keep the order they were recorded in.
  const events = (await log.readAll(topic)).flatMap((r) => readMutations(r).map((event, i) => ({ partition: r.partition, offset: BigInt(r.offset) * 100_000n + BigInt(i), event })));
  const updates = events.filter((e) => e.event.kind === 'UPDATE' && e.event.table === 't');
  assert.equal(updates.length, acknowledged);
  assert.equal(new Set(updates.map((e) => e.event.eventId)).size, acknowledged, 'each once');
  for (const id of ['0', '1', '2', '3', '4']) {
    const ofKey = updates.filter((e) => e.event.values[1]?.rendered === id);
    assert.equal(new Set(ofKey.map((e) => e.partition)).size, 1, `id ${id} stays on one partition`);
    assert.deepEqual(ofKey.sort((a, b) => Number(a.offset - b.offset)).map((e) => Number(e.event.values[0]!.rendered)), Array.from({ length: 20 }, (_, round) => round), `id ${id} in order`);
  }
  assert.ok(events.some((e) => e.event.kind === 'DDL'), 'DDL is published too');
});
