import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import { KafkaEventLog, createTopics, topicCatalogue } from '@cutover/event-log';
import { cassandraClient, kafkaClient } from '@cutover/stack';
import cassandra from 'cassandra-driver';
import { pino } from 'pino';
import { Healer, ProxyServer, PublishingSink, pendingHeals } from '../src/index.ts';
import { configWith, directClients, rowsOf, uniqueKeyspace } from './support.ts';

/**
 * Heals of values the client bound by name, end to end: through the proxy, the mutation log and
 * the heals topic onto the real target. Target is made to fail writes without stopping it (the
 * other tests share it): its copy of the keyspace has replication factor 3 on its single node,
 * so QUORUM writes get Unavailable there, while origin's (factor 1) takes them; dropping the
 * factor to 1 is target coming back.
 */
const prefix = `named-heal-${randomBytes(3).toString('hex')}.`;
const timeout = 180_000;
const ks = uniqueKeyspace('namedheal');
const config = configWith({ KAFKA_TOPIC_PREFIX: prefix, PROXY_QUERY_PORT: '19932', PROXY_METRICS_PORT: '19931', PROXY_ID: 'named-heal', TARGET_FAILURE_POLICY: 'origin-acked' });
const topic = (name: string): string => `${prefix}cutover.${name}`;
const logger = pino({ level: 'error' });
const log = new KafkaEventLog(config.kafka);
const target = cassandraClient(config.target, { metadata: false, reconnectMs: 500 });
let sink: PublishingSink | undefined;
let proxy: ProxyServer | undefined;
let healer: Healer | undefined;
let client: cassandra.Client | undefined;
let direct: ReturnType<typeof directClients>;

before(async () => {
  const admin = kafkaClient(config).admin();
  await admin.connect();
  await createTopics(admin, topicCatalogue(prefix).filter((t) => [topic('mutations'), topic('heals'), topic('dead-letters')].includes(t.name)));
  await admin.disconnect();
  direct = directClients(config);
  await direct.origin.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await direct.target.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}`);
  for (const c of [direct.origin, direct.target]) await c.execute(`CREATE TABLE ${ks}.t (id int PRIMARY KEY, a int, b text)`);
  sink = await PublishingSink.open(log, config, logger);
  proxy = await ProxyServer.start(config, { sink, logger });
  client = new cassandra.Client({ contactPoints: ['127.0.0.1:19932'], localDataCenter: 'datacenter1', queryOptions: { consistency: cassandra.types.consistencies.quorum } });
  await client.connect(); // the driver sends named values for simple statements only once connected
});

after(async () => {
  await client?.shutdown();
  await proxy?.stop();
  await healer?.stop();
  await target.shutdown();
  await sink?.close();
  await log.close();
  await direct.shutdown();
});

it('values bound by name are healed by name: target gets what origin got, writetimes included', { timeout }, async () => {
  assert.ok(client && sink);
  // By name: the driver takes hints keyed like the values, though its types say only arrays.
  const hints = { id: 'int', a: 'int', b: 'text' } as unknown as string[];
  // Named markers, the values in another order than the markers'.
  await client.execute(`INSERT INTO ${ks}.t (id, a, b) VALUES (:id, :a, :b)`, { b: 'named', a: 10, id: 1 }, { prepare: false, hints });
  // `?` markers bound by their columns' names, in another order too.
  await client.execute(`INSERT INTO ${ks}.t (id, a, b) VALUES (?, ?, ?)`, [2, 20, 'positional'], { prepare: false, hints: ['int', 'int', 'text'] });
  await client.execute(`UPDATE ${ks}.t SET b = ?, a = ? WHERE id = ?`, { id: 2, a: 21, b: 'by column name' }, { prepare: false, hints });
  // A prepared statement the driver binds by position itself.
  await client.execute(`INSERT INTO ${ks}.t (id, a, b) VALUES (:id, :a, :b)`, { b: 'prepared', id: 3, a: 30 }, { prepare: true });
  assert.deepEqual(await rowsOf(direct.target, `SELECT id FROM ${ks}.t`), [], 'target missed every write');
  await sink.flushed();

  await direct.target.execute(`ALTER KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  healer = await Healer.start(log, { topic: topic('heals'), deadLetterTopic: topic('dead-letters'), group: `${prefix}cutover-healer`, target, logger, retryMs: 200, maxRetryMs: 1000 });
  for (let i = 0; i < 600 && (await pendingHeals(log, prefix)) > 0; i++) await delay(100);
  assert.equal(await pendingHeals(log, prefix), 0, 'every heal taken');

  const query = `SELECT id, a, b, writetime(b) AS wt FROM ${ks}.t`;
  const origin = await rowsOf(direct.origin, query);
  assert.deepEqual(
    origin.map((r) => { const { wt: _wt, ...row } = r as Record<string, unknown>; return row; }),
    [
      { id: 1, a: 10, b: 'named' },
      { id: 2, a: 21, b: 'by column name' },
      { id: 3, a: 30, b: 'prepared' },
    ],
  );
  assert.deepEqual(await rowsOf(direct.target, query), origin, 'target equals origin, writetimes included');
  assert.deepEqual(await log.readAll(topic('dead-letters')).catch(() => []), [], 'nothing dead-lettered');
});
