/**
 * `cutover verify` of one table of 1,000,000 rows (the table-migration benchmark's shape: five
 * columns, about 100 bytes a row, one row in ten with a TTL), in the same run as the copy of that
 * table (`cutover migrate tables`) and as the baseline: a plain driver scan of both tables,
 * compared row by row in memory (baseline.ts). Cassandra Data Migrator, whose DiffData would be
 * the baseline, is not on Maven Central (com.datastax.cdm:cassandra-data-migrator: not found),
 * and it needs Spark besides.
 *
 * Goals: each row read once on each cluster, no row looked up alone (the rows each side returned
 * are reported); rows/s at least 3 times the copy's, and at least 5 times the baseline's.
 *
 *   BENCH_ROWS (1000000)  BENCH_ROUNDS (2; rounds alternate which verification goes first)
 *
 * Each verification is timed wall clock from its process's start to its exit, against the local
 * stack (`npx cutover stack up`); beside time, the CPU of its process, of each cluster and of the
 * whole machine. Results: bench/results/verify.json.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@cutover/config';
import { LocalStack, cassandraClient } from '@cutover/stack';
import cassandra from 'cassandra-driver';
import { cpuBetween, round2, run, stackCpu } from '../processes.ts';

const GOAL_COPY_RATIO = 3;
const GOAL_BASELINE_RATIO = 5;
const rows = Number(process.env['BENCH_ROWS'] ?? 1_000_000);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 2);
const KEYSPACE = 'bench_verify';
const TABLE = `${KEYSPACE}.rows`;
const SLOW = { readTimeout: 120_000 };

const config = loadConfig();
const BIN = fileURLToPath(new URL('../../bin/cutover.js', import.meta.url));
const BASELINE = fileURLToPath(new URL('./baseline.ts', import.meta.url));
const servers = ['origin', 'target'] as const;
for (const s of await new LocalStack(config).status([...servers, 'kafka', 's3'])) {
  if (s.state !== 'running') throw new Error(`the stack's ${s.name} is not running: npx cutover stack up`);
}
const origin = cassandraClient(config.origin);
const target = cassandraClient(config.target);
const env = { KAFKA_TOPIC_PREFIX: `bench-verify-${randomBytes(3).toString('hex')}.` };

// ---- Seed origin (not measured), then copy it to target (measured: the rate verification is held to).
for (const client of [origin, target]) await client.execute(`DROP KEYSPACE IF EXISTS ${KEYSPACE}`, [], SLOW);
await origin.execute(`CREATE KEYSPACE ${KEYSPACE} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`, [], SLOW);
await origin.execute(`CREATE TABLE ${TABLE} (id bigint PRIMARY KEY, name text, quantity int, created timestamp, score double)`, [], SLOW);
const insert = `INSERT INTO ${TABLE} (id, name, quantity, created, score) VALUES (?, ?, ?, ?, ?) USING TTL ?`;
for (let from = 0; from < rows; from += 10_000) {
  const params = Array.from({ length: Math.min(10_000, rows - from) }, (_, i) => {
    const id = from + i;
    // 60 random characters: text that compresses no better than real data would.
    return [cassandra.types.Long.fromNumber(id), randomBytes(45).toString('base64url'), id % 1000, new Date(1_790_000_000_000 + id), id / 7, id % 10 === 0 ? 86_400 : 0];
  });
  await cassandra.concurrent.executeConcurrent(origin, insert, params, { concurrencyLevel: 128 });
}
console.log(`seeded ${rows} rows`);
await run('cutover control start', process.execPath, [BIN, 'control', 'start', TABLE, '--reason', 'verify benchmark'], env);
const copy = await run('cutover migrate tables', process.execPath, [BIN, 'migrate', 'tables'], env);
const copyRowsPerS = Math.round(rows / copy.seconds);
console.log(`copy: ${copy.seconds.toFixed(1)} s, ${copyRowsPerS} rows/s`);

interface Verification {
  readonly seconds: number;
  readonly rowsPerS: number;
  readonly rowsRead: { readonly origin: number; readonly target: number };
  readonly differences: number;
  readonly cpuS: Record<string, number | null>;
  readonly cpuMicrosPerRow: Record<string, number | null>;
}

async function measured(what: string, command: readonly string[], read: (stdout: string) => Pick<Verification, 'rowsRead' | 'differences'>): Promise<Verification> {
  const before = await stackCpu(config, servers);
  const ran = await run(what, process.execPath, command, env);
  const cpuS = { tool: round2(ran.cpuSeconds), ...cpuBetween(before, await stackCpu(config, servers)) };
  const cpuMicrosPerRow = Object.fromEntries(Object.entries(cpuS).map(([name, s]) => [name, s === null ? null : round2((s * 1e6) / rows)]));
  const result = { seconds: round2(ran.seconds), rowsPerS: Math.round(rows / ran.seconds), ...read(ran.stdout), cpuS, cpuMicrosPerRow };
  console.log(`${what}: ${result.seconds} s, ${result.rowsPerS} rows/s, ${result.differences} differences, CPU µs/row ${JSON.stringify(cpuMicrosPerRow)}`);
  return result;
}

const ours = (): Promise<Verification> =>
  measured('cutover verify', [BIN, 'verify', TABLE, '--json'], (stdout) => {
    const [table] = stdout.trim().split('\n').map((line) => JSON.parse(line) as { rows: { origin: number; target: number }; differences: unknown[] });
    return { rowsRead: table!.rows, differences: table!.differences.length };
  });
const baseline = (): Promise<Verification> =>
  measured('baseline', ['--import', 'tsx', BASELINE, TABLE], (stdout) => {
    const result = JSON.parse(stdout.trim()) as { originRows: number; targetRows: number; differences: number };
    return { rowsRead: { origin: result.originRows, target: result.targetRows }, differences: result.differences };
  });

const results: { round: number; order: string; ours: Verification; baseline: Verification }[] = [];
for (let round = 1; round <= rounds; round++) {
  const oursFirst = round % 2 === 1;
  const [first, second] = oursFirst ? [await ours(), await baseline()] : [await baseline(), await ours()];
  const [o, b] = oursFirst ? [first, second] : [second, first];
  for (const v of [o, b]) if (v.differences !== 0 || v.rowsRead.origin !== rows || v.rowsRead.target !== rows) throw new Error(`a verification saw ${JSON.stringify(v.rowsRead)} rows and ${v.differences} differences, not ${rows} alike`);
  results.push({ round, order: oursFirst ? 'cutover, baseline' : 'baseline, cutover', ours: o, baseline: b });
}

const total = (pick: (r: (typeof results)[number]) => Verification): { seconds: number; rowsPerS: number; cpuMicrosPerRow: Record<string, number> } => {
  const seconds = results.reduce((sum, r) => sum + pick(r).seconds, 0);
  const names = Object.keys(pick(results[0]!).cpuS);
  const cpuMicrosPerRow = Object.fromEntries(names.map((name) => [name, round2((results.reduce((sum, r) => sum + (pick(r).cpuS[name] ?? 0), 0) * 1e6) / (rows * results.length))]));
  return { seconds: round2(seconds), rowsPerS: Math.round((rows * results.length) / seconds), cpuMicrosPerRow };
};
const [oursTotal, baselineTotal] = [total((r) => r.ours), total((r) => r.baseline)];
const summary = {
  benchmark: 'verify',
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model.trim(), cores: cpus().length, totalMemoryBytes: totalmem(), platform: `${platform()} ${release()}`, node: process.version },
  parameters: {
    rows,
    rounds,
    table: `CREATE TABLE ${TABLE} (id bigint PRIMARY KEY, name text, quantity int, created timestamp, score double); name 60 characters; one row in ten with a TTL of 86400 s`,
    cutover: 'cutover verify bench_verify.rows --json (32 token ranges, 4 at a time)',
    baseline: 'bench/verify/baseline.ts: SELECT of the whole table on each cluster with the driver (pages of 5,000), values, writetimes and TTL presence compared in memory; Cassandra Data Migrator DiffData is not on Maven Central',
    timing: 'wall clock per process, Node start included; CPU of the process and of each cluster between its start and its end',
  },
  copy: { seconds: round2(copy.seconds), rowsPerS: copyRowsPerS, cpuS: round2(copy.cpuSeconds) },
  rounds: results,
  cutover: oursTotal,
  baseline: baselineTotal,
  goals: {
    copyRatio: GOAL_COPY_RATIO,
    baselineRatio: GOAL_BASELINE_RATIO,
    measured: { copyRatio: round2(oursTotal.rowsPerS / copyRowsPerS), baselineRatio: round2(oursTotal.rowsPerS / baselineTotal.rowsPerS), readsPerRowPerCluster: 1 },
    pass: { copy: oursTotal.rowsPerS >= GOAL_COPY_RATIO * copyRowsPerS, baseline: oursTotal.rowsPerS >= GOAL_BASELINE_RATIO * baselineTotal.rowsPerS },
  },
};
writeFileSync(fileURLToPath(new URL('../results/verify.json', import.meta.url)), `${JSON.stringify(summary, null, 2)}\n`);
console.log(JSON.stringify(summary.goals));
for (const client of [origin, target]) await client.execute(`DROP KEYSPACE IF EXISTS ${KEYSPACE}`, [], SLOW);
await Promise.all([origin.shutdown(), target.shutdown()]);
