import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import { ControlPlane, controlTopicSpecs, controlTopics } from '@cutover/control-plane';
import { KafkaEventLog, createTopics, topicCatalogue } from '@cutover/event-log';
import { LocalStack, cassandraClient, kafkaClient } from '@cutover/stack';
import cassandra from 'cassandra-driver';
import { pino } from 'pino';
import { Healer, ProxyServer, PublishingSink } from '../src/index.ts';
import { REPLICATION, configWith, directClients, rowsOf, uniqueKeyspace } from './support.ts';

/**
 * TARGET_FAILURE_POLICY=origin-acked: target is stopped under a workload and started again.
 * Clients keep writing (origin's answer), every write target missed goes to the heals topic,
 * the table gets a Remigrate from the proxy past PROXY_REMIGRATE_THRESHOLD, and once target is
 * back the healer brings it level: same rows, same writetimes. This test stops the shared
 * stack's target, and always starts it again.
 */
const prefix = `heal-${randomBytes(3).toString('hex')}.`;
const timeout = 240_000;
const ks = uniqueKeyspace('heal');
const config = configWith({ KAFKA_TOPIC_PREFIX: prefix, PROXY_QUERY_PORT: '19922', PROXY_METRICS_PORT: '19921', PROXY_ID: 'healing', TARGET_FAILURE_POLICY: 'origin-acked', PROXY_REMIGRATE_THRESHOLD: '10' });
const topic = (name: string): string => `${prefix}cutover.${name}`;
const stack = new LocalStack(config);
const logger = pino({ level: 'error' });
const log = new KafkaEventLog(config.kafka);
const control = new ControlPlane(log, controlTopics(prefix));
const target = cassandraClient(config.target, { metadata: false, reconnectMs: 500 });
let sink: PublishingSink | undefined;
let proxy: ProxyServer | undefined;
let healer: Healer | undefined;
let client: cassandra.Client | undefined;

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${config.proxy.metricsPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.split(' ')[1]);
}

before(async () => {
  const admin = kafkaClient(config).admin();
  await admin.connect();
  await createTopics(admin, [...controlTopicSpecs(prefix), ...topicCatalogue(prefix).filter((t) => t.name === topic('mutations') || t.name === topic('heals'))]);
  await admin.disconnect();
  const direct = directClients(config);
  for (const c of [direct.origin, direct.target]) {
    await c.execute(`CREATE KEYSPACE ${ks} WITH replication = ${REPLICATION}`);
    await c.execute(`CREATE TABLE ${ks}.t (id int PRIMARY KEY, v text, tags set<text>)`);
  }
  await direct.shutdown();
  await control.issue({ type: 'StartMigration', tables: [`${ks}.t`], collections: [] }, { migrationId: 'm-heal', issuer: 'test' });
  sink = await PublishingSink.open(log, config, logger);
  proxy = await ProxyServer.start(config, { sink, logger, control });
  healer = await Healer.start(log, { topic: topic('heals'), deadLetterTopic: topic('dead-letters'), group: `${prefix}cutover-healer`, target, logger, registry: proxy.metrics.registry, retryMs: 200, maxRetryMs: 1000 });
  client = new cassandra.Client({ contactPoints: ['127.0.0.1:19922'], localDataCenter: 'datacenter1', queryOptions: { prepare: true } });
});

after(async () => {
  await stack.up(['target']); // whatever happened, leave target running for the other tests
  await client?.shutdown();
  await proxy?.stop();
  await healer?.stop();
  await target.shutdown();
  await sink?.close();
  await log.close();
});

it('clients keep writing while target is down, and the healer brings target level once it is back', { timeout }, async () => {
  assert.ok(client && sink);
  const insert = `INSERT INTO ${ks}.t (id, v, tags) VALUES (?, ?, ?)`;
  for (let id = 0; id < 10; id++) await client.execute(insert, [id, `before ${id}`, ['a']]);

  await stack.down(['target']);
  for (let id = 10; id < 40; id++) await client.execute(insert, [id, `during ${id}`, ['b', String(id)]]);
  await client.execute(`UPDATE ${ks}.t SET v = 'updated during' WHERE id = 3`);
  await client.execute(`DELETE FROM ${ks}.t WHERE id = 4`);
  await sink.flushed();
  assert.ok((await metric('cutover_proxy_pending_heals')) >= 32, 'the writes target missed wait in the heals topic');

  // Past the threshold, the proxy asked for the table to be migrated again.
  let remigrated = false;
  for (let i = 0; i < 100 && !remigrated; i++) {
    remigrated = (await control.history()).events.some((e) => e.event.type === 'RemigrationRequested' && e.event.table === `${ks}.t` && e.issuer === 'proxy healing');
    if (!remigrated) await delay(100);
  }
  assert.ok(remigrated, 'the proxy issued an accepted Remigrate for the table');

  await stack.up(['target']);
  const healsApplied = async (): Promise<void> => {
    for (let i = 0; i < 600 && (await metric('cutover_proxy_pending_heals')) > 0; i++) await delay(100);
  };
  await healsApplied();
  assert.equal(await metric('cutover_proxy_pending_heals'), 0, 'every heal applied');
  await client.execute(insert, [40, 'after', ['c']]);
  // The session may not have its connection to target back yet: then this write is healed too.
  await sink.flushed();
  await healsApplied();

  const query = `SELECT id, v, tags, writetime(v) AS wt FROM ${ks}.t`;
  const fresh = directClients(config);
  const sorted = (rows: unknown[]) => (rows as { id: number }[]).sort((a, b) => a.id - b.id);
  const origin = sorted(await rowsOf(fresh.origin, query));
  const healed = sorted(await rowsOf(fresh.target, query));
  await fresh.shutdown();
  assert.equal(origin.length, 40);
  assert.deepEqual(healed, origin, 'target equals origin, writetimes included');
  assert.match(String(await metric('cutover_proxy_heals_total{result="healed"}')), /^(3[2-9]|[4-9]\d)$/);
});
