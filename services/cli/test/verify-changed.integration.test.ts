import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { cassandraClient } from '@cutover/stack';
import cassandra from 'cassandra-driver';
import { runCli, startProxy } from './run-cli.ts';

/**
 * `cutover verify --changed-since`: the partitions the mutation log says were written in a
 * window, written by a third-party driver through `cutover proxy`, compared on both clusters.
 */
const ks = `changed_${randomBytes(3).toString('hex')}`;
const env = { KAFKA_TOPIC_PREFIX: `${ks}.`, PROXY_QUERY_PORT: '19062', PROXY_METRICS_PORT: '19061', PROXY_SPOOL_DIR: mkdtempSync(join(tmpdir(), 'cutover-spool-')), LOG_LEVEL: 'warn' };
const config = loadConfig({ env });
const origin = cassandraClient(config.origin);
const target = cassandraClient(config.target);
const timeout = 180_000;
let since: string;

interface Verified {
  table: string;
  rowsCompared: number;
  scope: string;
  matches: boolean;
  differences: { key: Record<string, string>; kind: string }[];
  repair?: { rows: number; differences: unknown[] };
}
const verified = (stdout: string): Verified[] => stdout.trim().split('\n').map((line) => JSON.parse(line) as Verified);

before(async () => {
  for (const client of [origin, target]) {
    await client.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    await client.execute(`CREATE TABLE ${ks}.t (id int, n int, v text, PRIMARY KEY (id, n))`);
    await client.execute(`CREATE TABLE ${ks}.u (id int PRIMARY KEY, v text)`);
  }
  // Rows written before the window, alike on both clusters.
  for (let id = 0; id < 50; id++) for (const client of [origin, target]) await client.execute(`INSERT INTO ${ks}.t (id, n, v) VALUES (?, 0, 'old') USING TIMESTAMP 1000`, [id], { prepare: true });
  since = new Date().toISOString();
  // The application writes through the proxy: prepared statements, a batch, an unprepared statement.
  const proxy = await startProxy(env);
  const app = new cassandra.Client({ contactPoints: [`127.0.0.1:${env.PROXY_QUERY_PORT}`], localDataCenter: 'datacenter1' });
  try {
    for (const id of [1, 2, 3]) await app.execute(`INSERT INTO ${ks}.t (id, n, v) VALUES (?, 1, 'new')`, [id], { prepare: true });
    await app.batch([{ query: `UPDATE ${ks}.t SET v = 'batched' WHERE id = ? AND n = 0`, params: [4] }, { query: `UPDATE ${ks}.t SET v = 'batched' WHERE id = ? AND n = 0`, params: [5] }], { prepare: true });
    await app.execute(`INSERT INTO ${ks}.u (id, v) VALUES (7, 'literal')`);
  } finally {
    await app.shutdown();
    assert.equal(await proxy.stop(), 0); // stopping flushes the log
  }
  // Writes made around the proxy: to origin only, in a partition written in the window and in one that was not.
  await origin.execute(`UPDATE ${ks}.t USING TIMESTAMP 2000 SET v = 'origin only' WHERE id = 2 AND n = 0`);
  await origin.execute(`UPDATE ${ks}.t USING TIMESTAMP 2000 SET v = 'origin only' WHERE id = 40 AND n = 0`);
  await origin.execute(`INSERT INTO ${ks}.u (id, v) VALUES (8, 'origin only') USING TIMESTAMP 2000`);
});

after(async () => {
  await Promise.all([origin, target].map((client) => client.execute(`DROP KEYSPACE IF EXISTS ${ks}`)));
  await Promise.all([origin.shutdown(), target.shutdown()]);
});

it('compares only the partitions the log says were written since then, and finds a write that reached origin only', { timeout }, async () => {
  const result = await runCli(['verify', `${ks}.t`, '--changed-since', since, '--json'], env);
  assert.equal(result.code, 1, result.stderr);
  const [t] = verified(result.stdout);
  assert.equal(t!.scope, `5 partitions written since ${since}`, 'three prepared inserts and a batch of two, each partition once');
  assert.equal(t!.rowsCompared, 8, 'partitions 1-3 hold two rows, 4 and 5 one');
  assert.deepEqual(t!.differences, [{ key: { id: '2', n: '0' }, kind: 'values' }], 'partition 40 was not written in the window: not compared');
});

it('compares a table whole when a logged mutation does not name its partition (an unprepared statement)', { timeout }, async () => {
  const result = await runCli(['verify', `${ks}.u`, '--changed-since', since, '--json'], env);
  const [u] = verified(result.stdout);
  assert.equal(u!.scope, `32 token ranges, the whole table: 1 mutation(s) since ${since} do not name their partition`);
  assert.deepEqual(u!.differences, [{ key: { id: '8' }, kind: 'missing-on-target' }]);
});

it('--repair with --changed-since repairs what it found, and compares those partitions again', { timeout }, async () => {
  const result = await runCli(['verify', `${ks}.t`, '--changed-since', since, '--repair', '--json'], env);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  const [t] = verified(result.stdout);
  assert.deepEqual([t!.repair?.rows, t!.repair?.differences], [1, []]);
  const row = (await target.execute(`SELECT v FROM ${ks}.t WHERE id = 2 AND n = 0`)).first();
  assert.equal(row?.['v'], 'origin only');
});
