import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlPlane, controlTopicSpecs, controlTopics } from '@cutover/control-plane';
import { KafkaEventLog, createTopics, topicCatalogue } from '@cutover/event-log';
import { readMutations } from '@cutover/mutation-log';
import { LocalStack, kafkaClient } from '@cutover/stack';
import cassandra from 'cassandra-driver';
import { pino } from 'pino';
import { ProxyServer, PublishingSink } from '../src/index.ts';
import { REPLICATION, configWith, directClients, rowsOf, uniqueKeyspace } from './support.ts';

/**
 * Kafka stopped and restarted in the middle of a workload, with two proxies side by side:
 * under LOG_FAILURE_POLICY=spool clients never notice and every acknowledged mutation reaches
 * the topic once the spool drains; under reject, mutations are refused, unapplied, while the
 * log is away. This test stops the shared stack's Kafka, and always starts it again.
 */
const prefix = `outage-${randomBytes(3).toString('hex')}.`;
const topic = `${prefix}cutover.mutations`;
const timeout = 420_000;
const ks = uniqueKeyspace('outage');
const stack = new LocalStack(configWith());
const logger = pino({ level: 'warn' });

interface Running {
  readonly proxy: ProxyServer;
  readonly sink: PublishingSink;
  readonly log: KafkaEventLog;
  readonly client: cassandra.Client;
  readonly spoolDir: string;
}
const running: Running[] = [];
let direct: ReturnType<typeof directClients>;

async function startProxy(port: number, policy: 'spool' | 'reject', id = `outage-${policy}`, env: Record<string, string> = {}): Promise<Running> {
  const config = configWith({ KAFKA_TOPIC_PREFIX: prefix, PROXY_QUERY_PORT: String(port), PROXY_METRICS_PORT: String(port - 1), PROXY_ID: id, LOG_FAILURE_POLICY: policy, ...env });
  const log = new KafkaEventLog(config.kafka, pino({ level: 'error' })); // its retries while Kafka is away are warnings
  // Small journal segments, so an outage spans many of them.
  const sink = await PublishingSink.open(log, config, logger, { segmentBytes: 64 * 1024 });
  const proxy = await ProxyServer.start(config, { sink, logger: pino({ level: 'error' }), control: new ControlPlane(log, controlTopics(prefix)) });
  const spoolDir = join(config.proxy.spoolDir, id);
  const client = new cassandra.Client({ contactPoints: [`127.0.0.1:${port}`], localDataCenter: 'datacenter1', queryOptions: { prepare: true } });
  const started = { proxy, sink, log, client, spoolDir };
  running.push(started);
  return started;
}

async function until(what: string, condition: () => boolean, seconds = 90): Promise<void> {
  for (let i = 0; i < seconds * 10 && !condition(); i++) await delay(100);
  assert.ok(condition(), what);
}

before(async () => {
  const config = configWith({ KAFKA_TOPIC_PREFIX: prefix });
  const admin = kafkaClient(config).admin();
  await admin.connect();
  await createTopics(admin, [...controlTopicSpecs(prefix), ...topicCatalogue(prefix).filter((t) => t.name === topic)]);
  await admin.disconnect();
  direct = directClients(config);
  for (const c of [direct.origin, direct.target]) {
    await c.execute(`CREATE KEYSPACE ${ks} WITH replication = ${REPLICATION}`);
    await c.execute(`CREATE TABLE ${ks}.t (id int PRIMARY KEY, v int)`);
  }
});

async function stop(proxy: Running): Promise<void> {
  running.splice(running.indexOf(proxy), 1);
  await proxy.client.shutdown();
  await proxy.proxy.stop();
  await proxy.sink.close();
  await proxy.log.close();
}

after(async () => {
  await stack.up(['kafka']); // whatever happened, leave Kafka running for the other tests
  for (const proxy of [...running]) await stop(proxy);
  await direct.shutdown();
});

it('spool: clients never wait for Kafka, and every acknowledged mutation is in the topic once it is back; reject: mutations are refused unapplied meanwhile', { timeout }, async () => {
  const spooling = await startProxy(19932, 'spool');
  const rejecting = await startProxy(19942, 'reject');
  const update = `UPDATE ${ks}.t SET v = ? WHERE id = ?`;
  // Five keys updated in turn: per key, the values must reach the topic in the order written.
  const acknowledged: number[] = [];
  const write = async (n: number): Promise<void> => {
    await spooling.client.execute(update, [n, n % 5]);
    acknowledged.push(n);
  };
  let n = 0;
  for (; n < 20; n++) await write(n);
  await rejecting.client.execute(update, [1, 100]);
  // A proxy that has read the control log once keeps a copy of its state in its spool directory.
  const lateEnv = { PROXY_SPOOL_DIR: mkdtempSync(join(tmpdir(), 'cutover-late-')) };
  await stop(await startProxy(19952, 'spool', 'outage-late', lateEnv));

  // Kafka away for a minute under a steady load.
  await stack.down(['kafka']);
  const slowest = { ms: 0 };
  for (const downAt = Date.now(); Date.now() - downAt < 60_000 && n < 100_000; n++) {
    const started = performance.now();
    await write(n);
    slowest.ms = Math.max(slowest.ms, performance.now() - started);
  }
  assert.ok(slowest.ms < 1000, `no write waited for Kafka (slowest ${slowest.ms.toFixed(0)} ms)`);
  const segments = (): number => readdirSync(spooling.spoolDir).filter((f) => f.endsWith('.seg')).length;
  assert.ok(segments() > 3, `the journal grew over several segments (${segments()})`);

  // The rejecting proxy takes mutations until it knows the log refuses them, then refuses them.
  let refused: { id: number; error: Error } | undefined;
  for (let id = 101; refused === undefined && id < 1000; id++) {
    await rejecting.client.execute(update, [id, id]).catch((error: Error) => (refused = { id, error }));
    if (refused === undefined) await delay(100);
  }
  assert.ok(refused, 'the rejecting proxy refused a mutation while Kafka was down');
  assert.match(refused.error.message, /LOG_FAILURE_POLICY=reject: the mutation was not applied/);
  for (const cluster of [direct.origin, direct.target]) assert.deepEqual(await rowsOf(cluster, `SELECT v FROM ${ks}.t WHERE id = ?`, [refused.id]), [], 'a refused mutation was applied nowhere');
  const lastOfKey1 = Math.max(...acknowledged.filter((v) => v % 5 === 1));
  assert.deepEqual(await rowsOf(rejecting.client, `SELECT v FROM ${ks}.t WHERE id = 1`), [{ v: lastOfKey1 }], 'reads still work');
  assert.ok(spooling.sink.backlog > 0, 'the spooling proxy spooled');
  const late = await startProxy(19952, 'spool', 'outage-late', lateEnv);
  assert.deepEqual(await rowsOf(late.client, `SELECT v FROM ${ks}.t WHERE id = 1`), [{ v: lastOfKey1 }], 'a proxy restarted without Kafka serves its clients by its copy of the control state');

  await stack.up(['kafka']);
  await until('both journals drain', () => spooling.sink.backlog === 0 && rejecting.sink.backlog === 0, 180);
  await until('published segments are deleted', () => segments() <= 1, 10);
  for (; n < 80; n++) await write(n);
  await rejecting.client.execute(update, [1000, 1000]);
  for (const { sink } of running) await sink.flushed();

  const events = (await spooling.log.readAll(topic)).flatMap((r) => readMutations(r).map((event) => ({ partition: r.partition, offset: BigInt(r.offset), event })));
  const seen = new Set<string>();
  const once = events.sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset)).filter((e) => !seen.has(e.event.eventId) && seen.add(e.event.eventId));
  const ofProxy = (id: string) => once.filter((e) => e.event.proxyId === id && e.event.table === 't').map((e) => Number(e.event.values[0]!.rendered));
  assert.deepEqual([...ofProxy('outage-spool')].sort((a, b) => a - b), acknowledged, 'every acknowledged mutation, once, nothing lost');
  for (let key = 0; key < 5; key++) {
    const ofKey = ofProxy('outage-spool').filter((v) => v % 5 === key);
    assert.deepEqual(ofKey, [...ofKey].sort((a, b) => a - b), `key ${key} in the order written`);
  }
  await new ControlPlane(spooling.log, controlTopics(prefix)).issue({ type: 'SetReadMode', mode: 'dual-async' }, { migrationId: 'outage', issuer: 'test' });
  await until('every proxy follows the control log, the one started without Kafka too', () => running.every((r) => r.proxy.live.readMode === 'dual-async'), 30);
  const rejected = ofProxy('outage-reject');
  assert.ok(!rejected.includes(refused.id), 'the refused mutation is not in the log');
  assert.ok(rejected.includes(1) && rejected.includes(1000), 'the rejecting proxy logged what it accepted before and after');
});
