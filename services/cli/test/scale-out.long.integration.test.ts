import assert from 'node:assert/strict';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { tableProgress, type TableState } from '@cutover/migration-state';
import { cassandraClient } from '@cutover/stack';
import { MAX_TOKEN, MIN_TOKEN, checkRange, copyPlan, readSchema } from '@cutover/table-migrator';
import cassandra from 'cassandra-driver';
import { runCli, spawnCli } from './run-cli.ts';

/**
 * Scale-out, as the README describes it: three `cutover migrate tables` processes with two
 * workers each share the copy of one table of 1,000,000 rows, and one of them is killed with
 * SIGKILL mid-copy. The two left finish its chunks; target ends with exactly origin's rows,
 * every chunk verified, and a full comparison of both clusters agrees.
 */
const ROWS = Number(process.env['SCALE_OUT_ROWS'] ?? 1_000_000);
const timeout = 1_200_000;
const config = loadConfig();
const origin = cassandraClient(config.origin);
const target = cassandraClient(config.target);
const suffix = randomBytes(3).toString('hex');
const ks = `scale_${suffix}`;
const env = { KAFKA_TOPIC_PREFIX: `scale-${suffix}.`, S3_BUCKET: `scale-${suffix}`, MIGRATOR_WORKERS: '2', MIGRATOR_MIN_CHUNKS: '24', LOG_LEVEL: 'debug' }; // debug: the logs on stderr, where the test watches them

before(async () => {
  await origin.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await origin.execute(`CREATE TABLE ${ks}.events (device bigint, at int, kind text, reading double, tags set<text>, PRIMARY KEY (device, at))`);
  // Partitions of 10 rows; one row in five with a TTL, one in ten with a set.
  const insert = `INSERT INTO ${ks}.events (device, at, kind, reading, tags) VALUES (?, ?, ?, ?, ?) USING TTL ?`;
  for (let from = 0; from < ROWS; from += 20_000) {
    const params = Array.from({ length: Math.min(20_000, ROWS - from) }, (_, i) => {
      const n = from + i;
      return [cassandra.types.Long.fromNumber(Math.floor(n / 10)), n % 10, `kind-${n % 7}`, n / 3, n % 10 === 0 ? [`t${n % 3}`] : null, n % 5 === 0 ? 86_400 : 0];
    });
    await cassandra.concurrent.executeConcurrent(origin, insert, params, { concurrencyLevel: 512 });
  }
});

after(async () => {
  for (const client of [origin, target]) await client.execute(`DROP KEYSPACE IF EXISTS ${ks}`, [], { readTimeout: 120_000 });
  await Promise.all([origin.shutdown(), target.shutdown()]);
});

const count = async (client: cassandra.Client): Promise<number> => Number((await client.execute(`SELECT count(*) AS n FROM ${ks}.events`, [], { readTimeout: 120_000 })).first()['n']);

it('three migrators with two workers each share a table of 1,000,000 rows; one killed with SIGKILL mid-copy, the others copy it exactly, verified', { timeout }, async () => {
  assert.equal(await count(origin), ROWS);
  const start = await runCli(['control', 'start', `${ks}.events`], env);
  assert.equal(start.code, 0, start.stderr);

  const migrators = [1, 2, 3].map(() => spawnCli(['migrate', 'tables'], env));
  const [victim, ...survivors] = migrators;
  // Killed once it has loaded a chunk, with work of its own surely in hand.
  for (let i = 0; i < 6000 && !/chunk loaded/.test(victim!.stderr()); i++) await delay(50);
  assert.match(victim!.stderr(), /chunk loaded/, 'the first migrator loaded a chunk');
  victim!.child.kill('SIGKILL');
  await once(victim!.child, 'close');

  const results = await Promise.all(survivors.map(async (m) => ((await once(m.child, 'close')) as [number | null])[0]));
  assert.deepEqual(results, [0, 0], survivors.map((m) => m.stderr().slice(-2000)).join('\n---\n'));
  for (const m of survivors) assert.match(m.stdout(), new RegExp(`^${ks}\\.events: ${ROWS} rows in 24 chunks, verified$`, 'm'));
  // Each of the survivors did a share of the chunks.
  for (const m of survivors) assert.match(m.stderr(), /chunk loaded/);

  const progress = tableProgress((JSON.parse((await runCli(['state', '--json'], env)).stdout) as { tables: Record<string, TableState> }).tables[`${ks}.events`]!);
  assert.deepEqual([progress.phase, progress.chunksChecked, progress.rowsLoaded], ['verified', 24, ROWS]);
  assert.equal(await count(target), ROWS, 'exactly the rows of origin');
  const schema = (await readSchema(origin, [ks])).keyspaces.get(ks)!;
  const check = await checkRange(origin, target, copyPlan(schema.tables.get('events')!, new Set()), { start: MIN_TOKEN, end: MAX_TOKEN }, { inFlightMs: 0, retryMs: 100 });
  assert.deepEqual([check.matches, check.rows], [true, { origin: ROWS, target: ROWS }], 'every value, writetime and TTL of both clusters, compared row by row');
});
