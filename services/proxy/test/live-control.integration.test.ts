import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import { ControlPlane, controlTopicSpecs, controlTopics } from '@cutover/control-plane';
import { KafkaEventLog, createTopics } from '@cutover/event-log';
import { kafkaClient } from '@cutover/stack';
import cassandra from 'cassandra-driver';
import { pino } from 'pino';
import { InMemoryMutationSink, ProxyServer } from '../src/index.ts';
import { REPLICATION, configWith, directClients, rowsOf, uniqueKeyspace } from './support.ts';
import { runCli } from '../../cli/test/run-cli.ts';

/**
 * set-primary and set-read-mode, issued with the CLI, take effect at once on every running
 * proxy, and on a proxy started afterwards, without a restart.
 */
const prefix = `live-${randomBytes(3).toString('hex')}.`;
const env = { KAFKA_TOPIC_PREFIX: prefix };
const timeout = 120_000;
const ks = uniqueKeyspace('live');
const proxies: ProxyServer[] = [];
const logs: KafkaEventLog[] = [];
let direct: ReturnType<typeof directClients>;

async function startProxy(port: number): Promise<ProxyServer> {
  const config = configWith({ ...env, PROXY_QUERY_PORT: String(port), PROXY_METRICS_PORT: String(port - 1), PROXY_ID: `live-${port}` });
  const log = new KafkaEventLog(config.kafka);
  logs.push(log);
  const proxy = await ProxyServer.start(config, { sink: new InMemoryMutationSink(), logger: pino({ level: 'warn' }), control: new ControlPlane(log, controlTopics(prefix)) });
  proxies.push(proxy);
  return proxy;
}

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !condition(); i++) await delay(50);
  assert.ok(condition(), what);
}

before(async () => {
  const config = configWith(env);
  const admin = kafkaClient(config).admin();
  await admin.connect();
  await createTopics(admin, controlTopicSpecs(prefix));
  await admin.disconnect();
  direct = directClients(config);
  await direct.origin.execute(`CREATE KEYSPACE ${ks} WITH replication = ${REPLICATION}`);
  await direct.target.execute(`CREATE KEYSPACE ${ks} WITH replication = ${REPLICATION}`);
  for (const c of [direct.origin, direct.target]) await c.execute(`CREATE TABLE ${ks}.t (id int PRIMARY KEY, v text)`);
  await direct.target.execute(`INSERT INTO ${ks}.t (id, v) VALUES (1, 'only on target')`);
});

after(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await Promise.all(logs.map((l) => l.close()));
  await direct.shutdown();
});

it('switches every running proxy to read from target, live, and a proxy started later too', { timeout }, async () => {
  const running = [await startProxy(19962), await startProxy(19972)];
  assert.ok(running.every((p) => p.live.primary === 'origin'));
  const readThrough = async (port: number): Promise<unknown[]> => {
    const client = new cassandra.Client({ contactPoints: [`127.0.0.1:${port}`], localDataCenter: 'datacenter1' });
    try {
      return await rowsOf(client, `SELECT v FROM ${ks}.t WHERE id = 1`);
    } finally {
      await client.shutdown();
    }
  };
  assert.deepEqual(await readThrough(19962), [], 'reads come from origin');

  const switched = await runCli(['control', 'set-primary', 'target', '--issuer', 'ops', '--reason', 'cut-over'], env);
  assert.equal(switched.code, 0, switched.stderr);
  assert.match(switched.stdout, /^accepted: PrimaryChanged/m);
  await until('both proxies follow the command', () => running.every((p) => p.live.primary === 'target'));
  for (const port of [19962, 19972]) assert.deepEqual(await readThrough(port), [{ v: 'only on target' }], `proxy on ${port} reads target`);

  const mode = await runCli(['control', 'set-read-mode', 'dual-async'], env);
  assert.equal(mode.code, 0, mode.stderr);
  await until('both proxies switch their read mode', () => running.every((p) => p.live.readMode === 'dual-async'));

  const later = await startProxy(19982);
  await until('a proxy started later replays the log', () => later.live.primary === 'target' && later.live.readMode === 'dual-async');
});

it('reports a rejected command, and the audit shows who did what and why', { timeout }, async () => {
  const again = await runCli(['control', 'set-primary', 'target'], env);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^rejected: target is already the primary$/m);
  const audit = await runCli(['audit'], env);
  assert.equal(audit.code, 0, audit.stderr);
  assert.match(audit.stdout, /ops\s+accepted\s+primary is now target\s+cut-over/);
  assert.match(audit.stdout, /rejected\s+SetPrimary rejected: target is already the primary/);
  const state = JSON.parse((await runCli(['state', '--json'], env)).stdout) as { primary: string; readMode: string };
  assert.equal(state.primary, 'target');
  assert.equal(state.readMode, 'dual-async');
});

it('switches the primary under load: no request fails, and reads come from the new primary at once', { timeout }, async () => {
  const proxy = proxies[0]!;
  assert.equal(proxy.live.primary, 'target', 'the first test left target primary');
  const client = new cassandra.Client({ contactPoints: ['127.0.0.1:19962'], localDataCenter: 'datacenter1', queryOptions: { prepare: true } });
  const read = `SELECT v FROM ${ks}.t WHERE id = 1`;
  let stop = false;
  type Phase = 'before' | 'switching' | 'after';
  let phase = 'before' as Phase;
  const reads: Record<Phase, { origin: number; target: number }> = { before: { origin: 0, target: 0 }, switching: { origin: 0, target: 0 }, after: { origin: 0, target: 0 } };
  let flapped = 0;
  // Sixteen clients write and read without pause while the primary switches back to origin.
  const workers = Array.from({ length: 16 }, async (_, worker) => {
    let sawOrigin = false;
    for (let i = 0; !stop; i++) {
      await client.execute(`INSERT INTO ${ks}.t (id, v) VALUES (?, ?)`, [1000 + worker, `w${i}`]);
      const startedIn = phase;
      const fromOrigin = (await client.execute(read)).rows.length === 0; // id 1 exists on target only
      reads[startedIn][fromOrigin ? 'origin' : 'target']++;
      if (sawOrigin && !fromOrigin) flapped++;
      sawOrigin ||= fromOrigin;
    }
  });
  const total = (): number => Object.values(reads).reduce((sum, r) => sum + r.origin + r.target, 0);
  for (let i = 0; i < 100 && total() < 200; i++) await delay(20);
  phase = 'switching';
  await new ControlPlane(logs[0]!, controlTopics(prefix)).issue({ type: 'SetPrimary', cluster: 'origin' }, { migrationId: 'live', issuer: 'ops', reason: 'roll back under load' });
  await until('every proxy follows', () => proxies.every((p) => p.live.primary === 'origin'));
  phase = 'after';
  const switched = total();
  for (let i = 0; i < 100 && total() < switched + 200; i++) await delay(20);
  stop = true;
  await Promise.all(workers); // a failed request rejects here
  await client.shutdown();
  assert.equal(reads.before.origin, 0, 'before the command, reads came from target');
  assert.ok(reads.after.origin > 0, 'reads went on after the switch');
  assert.equal(reads.after.target, 0, 'once switched, reads come from origin');
  assert.equal(flapped, 0, 'no client saw target again after seeing origin');
  assert.deepEqual(await readThroughOnce(19962, read), [], 'a read after the switch comes from origin');
});

async function readThroughOnce(port: number, query: string): Promise<unknown[]> {
  const client = new cassandra.Client({ contactPoints: [`127.0.0.1:${port}`], localDataCenter: 'datacenter1' });
  try {
    return await rowsOf(client, query);
  } finally {
    await client.shutdown();
  }
}
