import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { KafkaEventLog, createTopics, topicCatalogue, topicNames } from '@cutover/event-log';
import { readMutations } from '@cutover/mutation-log';
import { LocalStack, cassandraClient, kafkaClient } from '@cutover/stack';
import cassandra from 'cassandra-driver';
import { startProxy as startCliProxy } from './run-cli.ts';

/**
 * `cutover proxy` killed with SIGKILL under load, with LOG_DURABILITY=acked: every write its
 * clients saw acknowledged is in the mutation log once it is started again (and, under
 * TARGET_FAILURE_POLICY=origin-acked with target down, on target once the healer is done).
 * The second test stops the shared stack's target, and always starts it again.
 */
const timeout = 240_000;
const prefix = `crash-${randomBytes(3).toString('hex')}.`;
const ks = `crash_${randomBytes(3).toString('hex')}`;
const baseEnv = { ...process.env, KAFKA_TOPIC_PREFIX: prefix, PROXY_QUERY_PORT: '19962', PROXY_METRICS_PORT: '19961', LOG_LEVEL: 'warn', LOG_DURABILITY: 'acked' };
const config = loadConfig({ env: baseEnv });
const stack = new LocalStack(config);
const log = new KafkaEventLog(config.kafka);
const children: ChildProcess[] = [];

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await stack.up(['target']);
  await log.close();
});

/** `cutover proxy` as a user runs it; resolves once it listens. */
async function startProxy(env: Record<string, string | undefined>): Promise<ChildProcess> {
  const { child } = await startCliProxy(env);
  children.push(child);
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** A client of the proxy, connected. */
async function connect(): Promise<cassandra.Client> {
  const client = new cassandra.Client({ contactPoints: ['127.0.0.1:19962'], localDataCenter: 'datacenter1', queryOptions: { prepare: true }, socketOptions: { readTimeout: 5000 }, policies: { reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(100) } });
  await client.connect();
  return client;
}

/** Writers insert rows with increasing ids until `stop`; resolves with the ids acknowledged. */
async function load(client: cassandra.Client, table: string, stop: AbortSignal): Promise<number[]> {
  const acknowledged: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (!stop.aborted) {
        const id = next++;
        try {
          await client.execute(`INSERT INTO ${ks}.${table} (id, v) VALUES (?, ?)`, [id, `row ${id}`]);
          acknowledged.push(id);
        } catch {
          await delay(20); // the proxy is gone: this write was not acknowledged
        }
      }
    }),
  );
  await client.shutdown();
  return acknowledged;
}

/** The ids of `table` the mutation log holds, once. */
async function loggedIds(table: string): Promise<Set<number>> {
  const ids = new Set<number>();
  for (const record of await log.readAll(topicNames(prefix).mutations)) {
    for (const m of readMutations(record)) if (m.keyspace === ks && m.table === table && m.kind === 'INSERT') ids.add(Number(m.values[0]!.rendered));
  }
  return ids;
}

async function until(what: string, condition: () => Promise<boolean>, seconds = 90): Promise<void> {
  for (let i = 0; i < seconds * 4 && !(await condition()); i++) await delay(250);
  assert.ok(await condition(), what);
}

it('SIGKILL under load: every acknowledged write is in the log after a restart, a torn journal tail included', { timeout }, async () => {
  const admin = kafkaClient(config).admin();
  await admin.connect();
  await createTopics(admin, topicCatalogue(prefix));
  await admin.disconnect();
  for (const cluster of [config.origin, config.target]) {
    const client = cassandraClient(cluster, { metadata: false });
    await client.execute(`CREATE KEYSPACE IF NOT EXISTS ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    for (const table of ['acked', 'healed']) await client.execute(`CREATE TABLE IF NOT EXISTS ${ks}.${table} (id int PRIMARY KEY, v text)`);
    await client.shutdown();
  }
  const spoolDir = mkdtempSync(join(tmpdir(), 'cutover-journal-'));
  const env = { ...baseEnv, PROXY_ID: 'crash', PROXY_SPOOL_DIR: spoolDir };
  const proxy = await startProxy(env);
  const stop = new AbortController();
  const writing = load(await connect(), 'acked', stop.signal);
  await delay(3000);
  await kill(proxy);
  await delay(500);
  stop.abort();
  const acknowledged = await writing;
  assert.ok(acknowledged.length > 200, `a real load (${acknowledged.length} writes acknowledged)`);

  // A write torn by the crash: bytes of an entry that never completed, at the end of the journal.
  const segments = readdirSync(join(spoolDir, 'crash')).filter((f) => f.endsWith('.seg')).sort();
  appendFileSync(join(spoolDir, 'crash', segments.at(-1)!), Buffer.from([0, 0, 1, 0, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3]));

  const restarted = await startProxy(env);
  await until('every acknowledged write reaches the log', async () => {
    const ids = await loggedIds('acked');
    return acknowledged.every((id) => ids.has(id));
  });
  // Appends after the torn tail are kept too.
  const client = new cassandra.Client({ contactPoints: ['127.0.0.1:19962'], localDataCenter: 'datacenter1' });
  await client.execute(`INSERT INTO ${ks}.acked (id, v) VALUES (?, ?)`, [1_000_000, 'after the restart'], { prepare: true });
  await client.shutdown();
  await until('a write after the restart reaches the log', async () => (await loggedIds('acked')).has(1_000_000));
  await kill(restarted);
});

it('SIGKILL under origin-acked while target is down: every acknowledged write is on target once the healer is done', { timeout }, async () => {
  const env = { ...baseEnv, PROXY_ID: 'crash-heal', PROXY_SPOOL_DIR: mkdtempSync(join(tmpdir(), 'cutover-journal-')), TARGET_FAILURE_POLICY: 'origin-acked', PROXY_REMIGRATE_THRESHOLD: '1000000' };
  const proxy = await startProxy(env);
  const client = await connect(); // a new session needs both clusters; this one goes on with origin alone
  await stack.down(['target']);
  const stop = new AbortController();
  const writing = load(client, 'healed', stop.signal);
  await delay(3000);
  await kill(proxy);
  stop.abort();
  const acknowledged = await writing;
  assert.ok(acknowledged.length > 100, `writes acknowledged by origin alone (${acknowledged.length})`);

  await stack.up(['target']);
  const restarted = await startProxy(env);
  const target = cassandraClient(config.target, { metadata: false });
  try {
    await until(
      'target has every acknowledged write',
      async () => {
        const rows = (await target.execute(`SELECT id FROM ${ks}.healed`, [], { fetchSize: 100_000 })).rows.map((r) => r['id'] as number);
        const present = new Set(rows);
        return acknowledged.every((id) => present.has(id));
      },
      120,
    );
  } finally {
    await target.shutdown();
    await kill(restarted);
  }
});
