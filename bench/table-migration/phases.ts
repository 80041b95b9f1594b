/**
 * The copy's own CPU per row, phase by phase, in one process: unload (origin → S3), load
 * (S3 → target) and the check (target read and hashed), on one table of the benchmark's shape.
 *
 *   BENCH_ROWS (200000)
 *   PHASES_PROFILE: a phase (unload, load, check) whose CPU profile is written to
 *     phase-<name>.cpuprofile in the working directory (for Chrome's DevTools or speedscope)
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { loadConfig } from '@cutover/config';
import { cassandraClient, s3Client } from '@cutover/stack';
import { MAX_TOKEN, MIN_TOKEN, checkRange, copyPlan, loadChunk, readSchema, syncSchema, unloadChunk } from '@cutover/table-migrator';
import cassandra from 'cassandra-driver';

const rows = Number(process.env['BENCH_ROWS'] ?? 200_000);
const config = loadConfig();
const origin = cassandraClient(config.origin);
const target = cassandraClient(config.target);
const ks = `phases_${randomBytes(3).toString('hex')}`;
const staging = { s3: s3Client(config), bucket: ks.replace('_', '-') };
await staging.s3.send(new CreateBucketCommand({ Bucket: staging.bucket }));
await origin.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
await origin.execute(`CREATE TABLE ${ks}.rows (id bigint PRIMARY KEY, name text, quantity int, created timestamp, score double)`);
for (let from = 0; from < rows; from += 10_000) {
  const params = Array.from({ length: Math.min(10_000, rows - from) }, (_, i) => [cassandra.types.Long.fromNumber(from + i), randomBytes(45).toString('base64url'), i, new Date(), Math.random() * 1000]);
  await cassandra.concurrent.executeConcurrent(origin, `INSERT INTO ${ks}.rows (id, name, quantity, created, score) VALUES (?, ?, ?, ?, ?)`, params, { concurrencyLevel: 256 });
}
await syncSchema(origin, target, [`${ks}.rows`]);
const plan = copyPlan((await readSchema(origin, [ks])).keyspaces.get(ks)!.tables.get('rows')!, new Set());

async function phase<T>(name: string, work: () => Promise<T>): Promise<T> {
  const profiled = process.env['PHASES_PROFILE'] === name ? new Session() : undefined;
  profiled?.connect();
  await profiled?.post('Profiler.enable');
  await profiled?.post('Profiler.start');
  const [cpu, started] = [process.cpuUsage(), performance.now()];
  const result = await work();
  const used = process.cpuUsage(cpu);
  if (profiled !== undefined) writeFileSync(`phase-${name}.cpuprofile`, JSON.stringify((await profiled.post('Profiler.stop')).profile));
  const seconds = (performance.now() - started) / 1000;
  console.log(`${name.padEnd(8)} ${seconds.toFixed(1).padStart(6)} s  ${(((used.user + used.system) / rows)).toFixed(1).padStart(6)} µs CPU/row  (${Math.round(rows / seconds)} rows/s)`);
  return result;
}
const chunk = { keyspace: ks, table: 'rows', chunk: 0, rangeStart: MIN_TOKEN, rangeEnd: MAX_TOKEN };
const unloaded = await phase('unload', () => unloadChunk(origin, staging, plan, chunk, 'chunk.avro'));
const loaded = await phase('load', () => loadChunk(target, staging, plan, { key: 'chunk.avro' }, { concurrency: 256, rate: 0 }));
const check = await phase('check', () => checkRange(origin, target, plan, { start: MIN_TOKEN, end: MAX_TOKEN }, { staged: { sha256: loaded.sha256, rows: loaded.rows } }));
console.log(`${unloaded.rows} rows, ${unloaded.bytes} bytes staged; check matches ${check.matches}, origin read again: ${check.originRead}`);
for (const client of [origin, target]) await client.execute(`DROP KEYSPACE ${ks}`);
await Promise.all([origin.shutdown(), target.shutdown()]);
