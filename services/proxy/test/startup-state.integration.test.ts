import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import { ControlPlane, controlTopicSpecs, controlTopics } from '@cutover/control-plane';
import { KafkaEventLog, createTopics, type EventLog } from '@cutover/event-log';
import { kafkaClient } from '@cutover/stack';
import cassandra from 'cassandra-driver';
import { pino } from 'pino';
import { readControlState } from '../src/control-state.ts';
import { InMemoryMutationSink, ProxyServer } from '../src/index.ts';
import { REPLICATION, configWith, directClients, rowsOf, uniqueKeyspace } from './support.ts';

/**
 * A starting proxy serves clients only once it knows the migration's primary and read mode:
 * from the control log, or, while Kafka cannot be read, from the local copy of the log's last
 * state it kept in PROXY_SPOOL_DIR; never by a default the log has moved on from. Kafka "down"
 * is a control log whose every call fails (the shared Kafka keeps running for the other tests).
 */
const prefix = `startup-${randomBytes(3).toString('hex')}.`;
const timeout = 120_000;
const ks = uniqueKeyspace('startup');
const spool = mkdtempSync(join(tmpdir(), 'cutover-startup-'));
const kafka = new KafkaEventLog(configWith({ KAFKA_TOPIC_PREFIX: prefix }).kafka);
const logger = pino({ level: 'error' });
let direct: ReturnType<typeof directClients>;

/** The log, or one whose every call fails as if Kafka were unreachable, until `up()`. */
function switchable(log: EventLog): { log: EventLog; up(): void } {
  let down = true;
  const wrapped = new Proxy(log, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => (down ? Promise.reject(new Error('Kafka is unreachable (test)')) : (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
  return { log: wrapped, up: () => void (down = false) };
}

function start(port: number, control: ControlPlane, env: Record<string, string> = {}): Promise<ProxyServer> {
  const config = configWith({ KAFKA_TOPIC_PREFIX: prefix, PROXY_QUERY_PORT: String(port), PROXY_METRICS_PORT: String(port - 1), PROXY_ID: 'startup', PROXY_SPOOL_DIR: spool, ...env });
  return ProxyServer.start(config, { sink: new InMemoryMutationSink(), logger, control });
}

async function readThrough(port: number): Promise<unknown[]> {
  const client = new cassandra.Client({ contactPoints: [`127.0.0.1:${port}`], localDataCenter: 'datacenter1' });
  try {
    return await rowsOf(client, `SELECT v FROM ${ks}.t WHERE id = 1`);
  } finally {
    await client.shutdown();
  }
}

async function ready(port: number): Promise<{ code: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port - 1}/health/ready`);
  return { code: response.status, body: (await response.json()) as Record<string, unknown> };
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

before(async () => {
  const admin = kafkaClient(configWith({ KAFKA_TOPIC_PREFIX: prefix })).admin();
  await admin.connect();
  await createTopics(admin, controlTopicSpecs(prefix));
  await admin.disconnect();
  direct = directClients(configWith());
  for (const c of [direct.origin, direct.target]) {
    await c.execute(`CREATE KEYSPACE ${ks} WITH replication = ${REPLICATION}`);
    await c.execute(`CREATE TABLE ${ks}.t (id int PRIMARY KEY, v text)`);
  }
  await direct.target.execute(`INSERT INTO ${ks}.t (id, v) VALUES (1, 'only on target')`);
  const control = new ControlPlane(kafka, controlTopics(prefix));
  await control.issue({ type: 'SetPrimary', cluster: 'target' }, { migrationId: 'm-startup', issuer: 'test', reason: 'cut over' });
  await control.issue({ type: 'SetReadMode', mode: 'dual-async' }, { migrationId: 'm-startup', issuer: 'test' });
});

after(async () => {
  await kafka.close();
  await direct.shutdown();
});

it("a proxy started after set-primary serves its first read from the log's primary, and keeps a local copy of the state", { timeout }, async () => {
  const proxy = await start(19252, new ControlPlane(kafka, controlTopics(prefix)));
  try {
    assert.deepEqual({ ...proxy.live }, { primary: 'target', readMode: 'dual-async' }, 'known before the first client is served');
    assert.deepEqual(await readThrough(19252), [{ v: 'only on target' }]);
    assert.equal((await ready(19252)).body['control'], 'control log');
  } finally {
    await proxy.stop();
  }
  assert.deepEqual(await readControlState(join(spool, 'startup.control-state.json')), { primary: 'target', readMode: 'dual-async' });
});

it('with Kafka down, a restarting proxy serves by its local copy of the state, and says so', { timeout }, async () => {
  const down = switchable(kafka);
  const proxy = await start(19262, new ControlPlane(down.log, controlTopics(prefix)));
  try {
    assert.deepEqual({ ...proxy.live }, { primary: 'target', readMode: 'dual-async' });
    assert.deepEqual(await readThrough(19262), [{ v: 'only on target' }], 'not origin, the configured default');
    const health = await ready(19262);
    assert.equal(health.code, 200);
    assert.equal(health.body['control'], 'local copy');
  } finally {
    await proxy.stop();
  }
});

it('with Kafka down and no local copy, a proxy serves no client until the control log answers', { timeout }, async () => {
  const down = switchable(kafka);
  const fresh = mkdtempSync(join(tmpdir(), 'cutover-startup-'));
  const starting = start(19272, new ControlPlane(down.log, controlTopics(prefix)), { PROXY_SPOOL_DIR: fresh });
  let started: ProxyServer | undefined;
  void starting.then((proxy) => (started = proxy));
  try {
    let health = await ready(19272).catch(() => undefined);
    for (let i = 0; i < 100 && health === undefined; i++) health = await delay(50).then(() => ready(19272).catch(() => undefined));
    assert.equal(health?.code, 503);
    assert.equal(health.body['control'], 'waiting');
    await delay(1000);
    assert.equal(started, undefined, 'still starting');
    assert.ok(await refused(19272), 'drivers cannot connect yet');
    down.up();
    const proxy = await starting;
    assert.deepEqual({ ...proxy.live }, { primary: 'target', readMode: 'dual-async' });
    assert.deepEqual(await readThrough(19272), [{ v: 'only on target' }]);
    await proxy.stop();
    assert.ok(existsSync(join(fresh, 'startup.control-state.json')), 'the local copy is kept from then on');
  } finally {
    down.up();
    await (await starting).stop();
  }
});

it('under origin-acked, /health/ready stays ready while target is down, and says so; under strict it does not', { timeout }, async () => {
  // Target "down": its address is a closed port. No control log: the configured primary (origin) stands.
  const env = { PROXY_SPOOL_DIR: spool, TARGET_PORT: '1' };
  for (const [policy, port, code] of [['origin-acked', 19282, 200], ['strict', 19292, 503]] as const) {
    const config = configWith({ ...env, TARGET_FAILURE_POLICY: policy, PROXY_QUERY_PORT: String(port), PROXY_METRICS_PORT: String(port - 1) });
    const proxy = await ProxyServer.start(config, { sink: new InMemoryMutationSink(), logger });
    try {
      const health = await ready(port);
      assert.equal(health.code, code, JSON.stringify(health.body));
      assert.match(String(health.body['target']), /^down/);
      assert.equal(health.body['control'], 'configured');
      if (policy === 'origin-acked') assert.match(String(health.body['note']), /target is down: writes are acknowledged once origin has them/);
    } finally {
      await proxy.stop();
    }
  }
});
