import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { tableProgress, type TableState } from '@cutover/migration-state';
import { cassandraClient } from '@cutover/stack';
import type cassandra from 'cassandra-driver';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { runCli, spawnCli } from './run-cli.ts';

/** `cutover migrate tables` copies a running migration's tables, with progress, and says what it copied. */
const suffix = randomBytes(3).toString('hex');
const env = { KAFKA_TOPIC_PREFIX: `migrate-${suffix}.`, S3_BUCKET: `migrate-${suffix}`, MIGRATOR_CHUNK_BYTES: '1', MIGRATOR_WORKERS: '2', LOG_LEVEL: 'info' };
const ks = `migrate_${suffix}`;
const config = loadConfig();
const origin = cassandraClient(config.origin);
const target = cassandraClient(config.target);
const timeout = 180_000;

before(async () => {
  await origin.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await origin.execute(`CREATE TABLE ${ks}.items (id int PRIMARY KEY, name text, price decimal)`);
  await origin.execute(`CREATE TABLE ${ks}.stock (item int, store int, count int, PRIMARY KEY (item, store))`);
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < 100; i++) writes.push(origin.execute(`INSERT INTO ${ks}.items (id, name, price) VALUES (?, ?, ?)`, [i, `item ${i}`, `${i}.50`], { prepare: true }));
  for (let i = 0; i < 50; i++) writes.push(origin.execute(`INSERT INTO ${ks}.stock (item, store, count) VALUES (?, ?, ?)`, [i % 10, i, i * 3], { prepare: true }));
  await Promise.all(writes);
});

after(async () => {
  await origin.shutdown();
  await target.shutdown();
});

const rows = async (client: cassandra.Client, table: string): Promise<string[]> => (await client.execute(`SELECT * FROM ${ks}.${table}`)).rows.map((r) => JSON.stringify(r)).sort();

it('says there is nothing to copy before a migration starts, then copies its tables', { timeout }, async () => {
  const early = await runCli(['migrate', 'tables'], env);
  assert.equal(early.code, 1);
  assert.match(early.stderr, /no migration with tables is running: start one with `cutover control start/);

  const start = await runCli(['control', 'start', `${ks}.items`, `${ks}.stock`, '--reason', 'test'], env);
  assert.equal(start.code, 0, start.stderr);
  const migrate = await runCli(['migrate', 'tables'], env);
  assert.equal(migrate.code, 0, migrate.stderr);
  assert.match(migrate.stdout, new RegExp(`^${ks}\\.items: 100 rows in 4 chunks, verified$`, 'm'));
  assert.match(migrate.stdout, /^copied 2 table\(s\), 150 rows in [\d.]+ s \(\d+ rows\/s\)$/m);
  assert.match(migrate.stderr, new RegExp(`${ks}\\.stock \\[[█░]+\\] 4/4 chunks \\| 50 rows \\| \\d+ rows/s \\| ETA `), 'a progress bar per table, with rate and ETA');
  for (const table of ['items', 'stock']) assert.deepEqual(await rows(target, table), await rows(origin, table), `${table} on target`);

  const again = await runCli(['migrate', 'tables'], env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /copied 2 table\(s\), 150 rows/, 'a second run finds the tables copied');
});

it('a migrator killed with SIGKILL mid-copy and started again finishes the copy, with exactly the rows of origin', { timeout }, async () => {
  const resumeKs = `resume_${suffix}`;
  const resumeEnv = { ...env, KAFKA_TOPIC_PREFIX: `resume-${suffix}.`, MIGRATOR_WORKERS: '1' };
  await origin.execute(`CREATE KEYSPACE ${resumeKs} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  const tables = ['a', 'b', 'c', 'd'];
  for (const table of tables) {
    await origin.execute(`CREATE TABLE ${resumeKs}.${table} (id int PRIMARY KEY, v text)`);
    await Promise.all(Array.from({ length: 200 }, (_, i) => origin.execute(`INSERT INTO ${resumeKs}.${table} (id, v) VALUES (?, ?)`, [i, `${table}${i}`], { prepare: true })));
  }
  assert.equal((await runCli(['control', 'start', ...tables.map((t) => `${resumeKs}.${t}`)], resumeEnv)).code, 0);

  // Killed once the first chunk is loaded: the rest is in the work topic, half done.
  const first = spawnCli(['migrate', 'tables'], resumeEnv);
  for (let i = 0; i < 600 && !/chunk loaded/.test(first.stdout()); i++) await delay(50);
  first.child.kill('SIGKILL');
  await once(first.child, 'close');
  const loadedBefore = first.stdout().split('\n').filter((line) => line.includes('chunk loaded')).length;
  assert.ok(loadedBefore >= 1 && loadedBefore < 16, `killed mid-copy (${loadedBefore} of 16 chunks loaded)`);

  const second = await runCli(['migrate', 'tables'], resumeEnv);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /copied 4 table\(s\), 800 rows/);
  for (const table of tables) {
    const read = async (client: cassandra.Client) => (await client.execute(`SELECT * FROM ${resumeKs}.${table}`)).rows.map((r) => JSON.stringify(r)).sort();
    assert.deepEqual(await read(target), await read(origin), `${table} on target`);
  }
});

it('a paused table waits while the others are copied and is copied once resumed; a re-migration with --truncate copies a table afresh', { timeout: 300_000 }, async () => {
  const pks = `pause_${suffix}`;
  const pauseEnv = { ...env, KAFKA_TOPIC_PREFIX: `pause-${suffix}.` };
  await origin.execute(`CREATE KEYSPACE ${pks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  for (const table of ['first', 'later']) {
    await origin.execute(`CREATE TABLE ${pks}.${table} (id int PRIMARY KEY, v text)`);
    await Promise.all(Array.from({ length: 100 }, (_, i) => origin.execute(`INSERT INTO ${pks}.${table} (id, v) VALUES (?, ?)`, [i, `${table}${i}`], { prepare: true })));
  }
  const control = async (...args: string[]) => {
    const result = await runCli(['control', ...args], pauseEnv);
    assert.equal(result.code, 0, result.stderr);
  };
  await control('start', `${pks}.first`, `${pks}.later`);
  await control('pause', '--table', `${pks}.later`);

  const state = async () => JSON.parse((await runCli(['state', '--json'], pauseEnv)).stdout) as { tables: Record<string, TableState> };
  const migrating = spawnCli(['migrate', 'tables'], pauseEnv);
  let tables = (await state()).tables;
  for (const deadline = Date.now() + 120_000; Date.now() < deadline && tableProgress(tables[`${pks}.first`]!).phase !== 'verified'; ) tables = (await state()).tables;
  assert.equal(tableProgress(tables[`${pks}.first`]!).phase, 'verified');
  assert.equal(tableProgress(tables[`${pks}.later`]!).chunksLoaded, 0, 'nothing of the paused table was loaded');

  await control('resume', '--table', `${pks}.later`);
  const [code] = (await once(migrating.child, 'close')) as [number];
  assert.equal(code, 0, migrating.stderr());
  assert.match(migrating.stdout(), /copied 2 table\(s\), 200 rows/);

  const read = async (client: cassandra.Client, table: string) => (await client.execute(`SELECT * FROM ${pks}.${table}`)).rows.map((r) => JSON.stringify(r)).sort();
  await target.execute(`INSERT INTO ${pks}.first (id, v) VALUES (999, 'only on target')`);
  await control('remigrate', `${pks}.first`, '--truncate', '--reason', 'a stray row');
  const again = await runCli(['migrate', 'tables'], pauseEnv);
  assert.equal(again.code, 0, again.stderr);
  for (const table of ['first', 'later']) assert.deepEqual(await read(target, table), await read(origin, table), `${table} on target`);
});
