import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, it } from 'node:test';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { loadConfig } from '@cutover/config';
import { tableProgress, type TableState } from '@cutover/migration-state';
import { cassandraClient, s3Client } from '@cutover/stack';
import { copyPlan, hashRow, readChunk, readSchema } from '@cutover/table-migrator';
import type cassandra from 'cassandra-driver';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { runCli, spawnCli } from './run-cli.ts';

/** `cutover migrate tables` copies a running migration's tables, with progress, and says what it copied. */
const suffix = randomBytes(3).toString('hex');
const env = { KAFKA_TOPIC_PREFIX: `migrate-${suffix}.`, S3_BUCKET: `migrate-${suffix}`, MIGRATOR_CHUNK_BYTES: '1', MIGRATOR_MIN_CHUNKS: '4', MIGRATOR_WORKERS: '2', LOG_LEVEL: 'debug' }; // debug: the logs on stderr, where the tests watch them
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

const state = async (on: Record<string, string>) => JSON.parse((await runCli(['state', '--json'], on)).stdout) as { migrationId: string; tables: Record<string, TableState> };
const rows = async (client: cassandra.Client, table: string): Promise<string[]> => (await client.execute(`SELECT * FROM ${ks}.${table}`)).rows.map((r) => JSON.stringify(r)).sort();

it('says there is nothing to copy before a migration starts, then copies its tables', { timeout }, async () => {
  const early = await runCli(['migrate', 'tables'], env);
  assert.equal(early.code, 1);
  assert.match(early.stderr, /no migration with tables is running: start one with `cutover control start/);

  const start = await runCli(['control', 'start', `${ks}.items`, `${ks}.stock`, '--reason', 'test'], env);
  assert.equal(start.code, 0, start.stderr);
  assert.match(start.stdout, new RegExp(`^created on target: CREATE TABLE IF NOT EXISTS "${ks}"\\."items"`, 'm'));
  // Schema first: the application writes through the proxy (to both clusters) from now on, before any row is copied.
  for (const client of [origin, target]) await client.execute(`INSERT INTO ${ks}.stock (item, store, count) VALUES (0, 0, 0) USING TIMESTAMP 1900000000000000`);
  const migrate = await runCli(['migrate', 'tables'], env);
  assert.equal(migrate.code, 0, migrate.stderr);
  assert.match(migrate.stdout, new RegExp(`^${ks}\\.items: 100 rows in 4 chunks, verified$`, 'm'));
  assert.match(migrate.stdout, /^copied 2 table\(s\), 150 rows in [\d.]+ s \(\d+ rows\/s\)$/m);
  assert.match(migrate.stderr, new RegExp(`${ks}\\.stock \\[[█░]+\\] 4/4 chunks \\| 50/50 rows \\| \\d+ rows/s \\| ETA \\S+ \\| [\\d.]+ MiB staged`), 'a progress bar per table: rows of the estimate, rate, ETA, bytes');
  for (const table of ['items', 'stock']) assert.deepEqual(await rows(target, table), await rows(origin, table), `${table} on target`);

  const { migrationId } = await state(env);
  const staged = async (key: string) => Buffer.from(await (await s3Client(config).send(new GetObjectCommand({ Bucket: env.S3_BUCKET, Key: key }))).Body!.transformToByteArray());
  const manifest = JSON.parse((await staged(`${migrationId}/${ks}.items/r0/manifest.json`)).toString()) as { rows: number; chunks: { key: string; rows: number; sha256: string }[] };
  assert.deepEqual([manifest.rows, manifest.chunks.length], [100, 4], 'the manifest lists the round\'s chunks');
  const schema = (await readSchema(origin, [ks])).keyspaces.get(ks)!;
  const plan = copyPlan(schema.tables.get('items')!, new Set());
  for (const chunk of manifest.chunks) {
    // Read back with the chunk file's own reader: the checksum is of its rows as the check compares them.
    const hash = createHash('sha256');
    let rows = 0;
    for await (const row of readChunk(plan, Readable.from([await staged(chunk.key)]))) {
      hashRow(hash, row);
      rows++;
    }
    assert.deepEqual([rows, hash.digest('hex')], [chunk.rows, chunk.sha256], `${chunk.key}'s rows and checksum`);
  }

  const again = await runCli(['migrate', 'tables'], env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /copied 2 table\(s\), 150 rows/, 'a second run finds the tables copied');
});

it('control start refuses a table target has and cannot take, naming the difference, and starts nothing', { timeout }, async () => {
  const refusedKs = `refused_${suffix}`;
  const refusedEnv = { ...env, KAFKA_TOPIC_PREFIX: `refused-${suffix}.` };
  for (const [client, type] of [[origin, 'int'], [target, 'text']] as const) {
    await client.execute(`CREATE KEYSPACE ${refusedKs} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    await client.execute(`CREATE TABLE ${refusedKs}.t (id int PRIMARY KEY, v ${type})`);
  }
  const start = await runCli(['control', 'start', `${refusedKs}.t`], refusedEnv);
  assert.equal(start.code, 1);
  assert.match(start.stderr, /^error \[SCHEMA_INCOMPATIBLE\]: target cannot take origin's data: .*\bv\b/m);
  assert.equal((await state(refusedEnv)).migrationId, undefined, 'no migration started');
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
  for (let i = 0; i < 600 && !/chunk loaded/.test(first.stderr()); i++) await delay(50);
  first.child.kill('SIGKILL');
  await once(first.child, 'close');
  const loadedBefore = first.stderr().split('\n').filter((line) => line.includes('"chunk loaded"')).length;
  assert.ok(loadedBefore >= 1 && loadedBefore < 16, `killed mid-copy (${loadedBefore} of 16 chunks loaded)`);

  const second = await runCli(['migrate', 'tables'], resumeEnv);
  assert.equal(second.code, 0, second.stderr + second.stdout.split('\n').filter((l) => /failed/.test(l)).join('\n'));
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

  const metricsPort = 20_000 + Math.floor(Math.random() * 10_000);
  const migrating = spawnCli(['migrate', 'tables'], { ...pauseEnv, MIGRATOR_METRICS_PORT: String(metricsPort) });
  let tables = (await state(pauseEnv)).tables;
  for (const deadline = Date.now() + 120_000; Date.now() < deadline && tableProgress(tables[`${pks}.first`]!).phase !== 'verified'; ) tables = (await state(pauseEnv)).tables;
  assert.equal(tableProgress(tables[`${pks}.first`]!).phase, 'verified');
  assert.equal(tableProgress(tables[`${pks}.later`]!).chunksLoaded, 0, 'nothing of the paused table was loaded');
  // The migrator's own view of the state is rebuilt every second: it may be a moment behind.
  const scrape = async () => (await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()).split('\n');
  let metrics = await scrape();
  for (const deadline = Date.now() + 10_000; Date.now() < deadline && !metrics.includes(`cutover_migrator_table_rows{table="${pks}.first",kind="copied"} 100`); ) metrics = await scrape();
  for (const line of [
    `cutover_migrator_rows_total{table="${pks}.first",step="load"} 100`,
    `cutover_migrator_rows_total{table="${pks}.first",step="unload"} 100`,
    `cutover_migrator_table_rows{table="${pks}.first",kind="copied"} 100`,
    `cutover_migrator_table_chunks{table="${pks}.first",state="checked"} 4`,
    `cutover_migrator_table_chunks{table="${pks}.later",state="loaded"} 0`,
    `cutover_migrator_table_failed{table="${pks}.first"} 0`,
  ]) {
    assert.ok(metrics.includes(line), `${line} in\n${metrics.join('\n')}`);
  }
  assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/health/live`)).status, 200);

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

it('a priority change re-orders the tables not started yet', { timeout }, async () => {
  const oks = `order_${suffix}`;
  const orderEnv = { ...env, KAFKA_TOPIC_PREFIX: `order-${suffix}.`, MIGRATOR_WORKERS: '1' };
  await origin.execute(`CREATE KEYSPACE ${oks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  for (const table of ['a', 'b', 'c']) {
    await origin.execute(`CREATE TABLE ${oks}.${table} (id int PRIMARY KEY, v text)`);
    await Promise.all(Array.from({ length: 50 }, (_, i) => origin.execute(`INSERT INTO ${oks}.${table} (id, v) VALUES (?, ?)`, [i, `${table}${i}`], { prepare: true })));
  }
  const control = async (...args: string[]) => assert.equal((await runCli(['control', ...args], orderEnv)).code, 0);
  await control('start', `${oks}.a`, `${oks}.b`, `${oks}.c`);
  // Paused, the migrator plans the first table and gets no further: the rest is not started.
  await control('pause');
  const migrating = spawnCli(['migrate', 'tables'], orderEnv);
  let tables = (await state(orderEnv)).tables;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline && tableProgress(tables[`${oks}.a`]!).chunks === 0; ) tables = (await state(orderEnv)).tables;
  assert.equal(tableProgress(tables[`${oks}.a`]!).chunks, 4, 'a is planned');
  await control('set-priority', `${oks}.b`, '5');
  await control('resume');
  const [code] = (await once(migrating.child, 'close')) as [number];
  assert.equal(code, 0, migrating.stderr());
  const planned = migrating.stderr().split('\n').filter((line) => line.startsWith('{') && line.includes('"msg":"table planned')).map((line) => (JSON.parse(line) as { table: string }).table);
  assert.deepEqual(planned, [`${oks}.a`, `${oks}.c`, `${oks}.b`]);
});

it('a row target refuses goes to a bad-rows file: within the error budget the table is verified without it, beyond it the table fails', { timeout }, async () => {
  const bks = `bad_${suffix}`;
  const badEnv = { ...env, KAFKA_TOPIC_PREFIX: `bad-${suffix}.` };
  await origin.execute(`CREATE KEYSPACE ${bks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await origin.execute(`CREATE TABLE ${bks}.files (id int PRIMARY KEY, body blob)`);
  // 6 MiB is over what target takes in one write (5 MiB), not origin.
  for (let id = 0; id < 20; id++) await origin.execute(`INSERT INTO ${bks}.files (id, body) VALUES (?, ?)`, [id, Buffer.alloc(id === 7 ? 6 * 2 ** 20 : 100, id)], { prepare: true });
  assert.equal((await runCli(['control', 'start', `${bks}.files`], badEnv)).code, 0);

  const within = await runCli(['migrate', 'tables'], { ...badEnv, MIGRATOR_MAX_BAD_ROWS: '1' });
  assert.equal(within.code, 0, within.stderr);
  const listed = new RegExp(`^${bks}\\.files: 19 rows in 4 chunks, verified; 1 bad rows listed in s3://${env.S3_BUCKET}/(\\S+\\.bad-rows\\.csv)$`, 'm').exec(within.stdout);
  assert.ok(listed, within.stdout);
  const ids = (await target.execute(`SELECT id FROM ${bks}.files`)).rows.map((row) => row['id'] as number);
  assert.deepEqual(ids.sort((x, y) => x - y), Array.from({ length: 20 }, (_, id) => id).filter((id) => id !== 7));
  const s3 = s3Client(config);
  const file = await (await s3.send(new GetObjectCommand({ Bucket: env.S3_BUCKET, Key: listed[1] }))).Body!.transformToString();
  // (Not assert.match: the file holds 12 MB of hex.)
  assert.ok(/^id,body,reason\n0x00000007,0x0707/.test(file), 'the row as the chunk has it (each value as a blob literal of its bytes), then the reason');
  assert.ok(/,Rejected an oversized mutation [^\n]*\n$/.test(file), file.slice(-300));

  assert.equal((await runCli(['control', 'remigrate', `${bks}.files`], badEnv)).code, 0);
  const beyond = await runCli(['migrate', 'tables'], badEnv);
  assert.equal(beyond.code, 1, 'the default budget is no bad row');
  assert.match(beyond.stdout, new RegExp(`^${bks}\\.files: \\d+ rows in 4 chunks, FAILED: 1 bad rows, over the budget of 0; 1 bad rows listed in s3://`, 'm'));
  assert.match(beyond.stderr, /1 table\(s\) failed, each for the reason on its line above/);
  const failed = tableProgress((await state(badEnv)).tables[`${bks}.files`]!);
  assert.deepEqual([failed.phase, failed.failure], ['failed', '1 bad rows, over the budget of 0']);
});

it('copies a counter table, and copies it again only when the re-migration is forced', { timeout }, async () => {
  const cks = `counts_${suffix}`;
  const countEnv = { ...env, KAFKA_TOPIC_PREFIX: `counts-${suffix}.` };
  await origin.execute(`CREATE KEYSPACE ${cks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await origin.execute(`CREATE TABLE ${cks}.hits (page int PRIMARY KEY, views counter)`);
  await Promise.all(Array.from({ length: 40 }, (_, page) => origin.execute(`UPDATE ${cks}.hits SET views = views + ? WHERE page = ?`, [page + 1, page], { prepare: true })));
  const views = async (client: cassandra.Client) => (await client.execute(`SELECT page, views FROM ${cks}.hits`)).rows.map((r) => `${String(r['page'])}=${String(r['views'])}`).sort();
  assert.equal((await runCli(['control', 'start', `${cks}.hits`], countEnv)).code, 0);
  const first = await runCli(['migrate', 'tables'], countEnv);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, new RegExp(`^${cks}\\.hits: 40 rows in 4 chunks, verified$`, 'm'));
  assert.deepEqual(await views(target), await views(origin));

  assert.equal((await runCli(['control', 'remigrate', `${cks}.hits`], countEnv)).code, 0);
  const refused = await runCli(['migrate', 'tables'], countEnv);
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, new RegExp(`^${cks}\\.hits: 0 rows in 0 chunks, FAILED: ${cks}\\.hits is a counter table: copying it again adds differences, inexact if increments land meanwhile; re-migrate it with --force to copy it anyway$`, 'm'));

  assert.equal((await runCli(['control', 'remigrate', `${cks}.hits`, '--force', '--truncate'], countEnv)).code, 0);
  const forced = await runCli(['migrate', 'tables'], countEnv);
  assert.equal(forced.code, 0, forced.stderr);
  assert.deepEqual(await views(target), await views(origin), 'truncated and copied afresh: the counts are origin\'s, not doubled');
});
