/**
 * One table copied origin → target by `cutover migrate tables` (token-range chunks through S3,
 * writetimes and TTLs kept, every chunk checked), in rows per second, against DSBulk in the same
 * run: `dsbulk unload` to CSV on local disk, then `dsbulk load` into target, with writetimes and
 * TTLs kept too (-timestamp true -ttl true), since a baseline that drops them would do less work.
 * Goals: copy plus verification at 1.8 times DSBulk's rows/s or more; all processes together
 * (clusters, Kafka, S3 and the copy) at most 0.55 times the CPU per row of DSBulk's copy; our tool
 * at most 12 µs of CPU per row.
 *
 * Floors, measured in the same run: origin's (a typed scan of the whole table, rows discarded)
 * and target's (the same rows written from memory by prepared unlogged batches, writetimes and
 * TTLs kept): what each cluster spends at the least for a copy, whatever the tool.
 *
 *   BENCH_ROWS (1000000)  BENCH_ROUNDS (2; rounds alternate which copy goes first)
 *   MIGRATOR_WORKERS, MIGRATOR_CHUNK_BYTES, …: our copy's settings, as `cutover` reads them
 *
 * The table has five columns, about 100 bytes a row; one row in ten has a TTL of a day. Both
 * copies are timed wall clock, from the first process started to the last one's exit (JVM starts
 * and our CLI's start included), against the local stack (`npx cutover stack up`), and both are
 * checked: target must hold every row, with origin's writetimes and TTLs on a sample of rows.
 * Beside time, the CPU each copy's processes spent, each server of the stack and the whole machine
 * (anything else running on the stack meanwhile shows there). Before each copy and floor, the
 * clusters' compactions are let settle (system_views.sstable_tasks empty), so that neither copy
 * pays for the other's.
 *
 * DSBulk is the newest complete release on Maven Central (see DSBULK in @cutover/stack), run
 * from its jars on the stack's Java 17. Results: bench/results/table-migration.json.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { loadConfig, type ClusterConfig } from '@cutover/config';
import { DSBULK, LocalStack, cassandraClient, findJava17, kafkaClient, provision, s3Client } from '@cutover/stack';
import cassandra from 'cassandra-driver';
import { cpuBetween, round2, run, stackCpu as sampleStackCpu, type CpuSample, type Ran } from '../processes.ts';

const GOAL_RATIO = 1.8;
const GOAL_CPU_RATIO = 0.55;
const GOAL_TOOL_US_PER_ROW = 12;
const rows = Number(process.env['BENCH_ROWS'] ?? 1_000_000);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 2);
const KEYSPACE = 'bench_copy';
const TABLE = `${KEYSPACE}.rows`;
const TTL_S = 86_400;
const CREATE_KEYSPACE = `CREATE KEYSPACE ${KEYSPACE} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`;
// id 8 bytes, name 60, quantity 4, created 8, score 8: 88 bytes of values, about 100 with the row's overhead.
const CREATE_TABLE = `CREATE TABLE ${TABLE} (id bigint PRIMARY KEY, name text, quantity int, created timestamp, score double)`;
const SLOW = { readTimeout: 120_000 };

const config = loadConfig();
const BIN = fileURLToPath(new URL('../../bin/cutover.js', import.meta.url));
const stackServers = ['origin', 'target', 'kafka', 's3'] as const;
for (const s of await new LocalStack(config).status(stackServers)) {
  if (s.state !== 'running') throw new Error(`the stack's ${s.name} is not running: npx cutover stack up`);
}
const javaHome = findJava17(config.stack.javaHome);
const java = join(javaHome, 'bin', 'java');
// Downloaded into $CUTOVER_HOME/dist the first time, like the stack's servers.
const dsbulkLib = (await provision(DSBULK, config.stack.home, javaHome)).lib;
// The CSV files and DSBulk's logs: a temporary directory, never the repository.
const work = await mkdtemp(join(tmpdir(), 'cutover-bench-copy-'));
const runId = randomBytes(3).toString('hex');

const origin = cassandraClient(config.origin);
const target = cassandraClient(config.target);

const stackCpu = (): Promise<CpuSample> => sampleStackCpu(config, stackServers);

/** The flags that point DSBulk at a cluster of ours (non-default 127.x addresses) and keep its logs out of the repository. */
const dsbulkCluster = (cluster: ClusterConfig): string[] => [
  '-h', cluster.host, '-port', String(cluster.port), '-dc', cluster.localDataCenter,
  ...(cluster.username === undefined ? [] : ['-u', cluster.username, '-p', cluster.password ?? '']),
  '-logDir', join(work, 'dsbulk-logs'),
];
const dsbulk = (what: string, args: readonly string[]): Promise<Ran> =>
  run(`dsbulk ${what}`, java, ['-cp', join(dsbulkLib, '*'), 'com.datastax.oss.dsbulk.runner.DataStaxBulkLoader', ...args]);

/** Rows of the table, counted token range by token range: one `SELECT count(*)` over a million rows times out. */
async function countRows(client: cassandra.Client): Promise<number> {
  const splits = 256n;
  const min = -(2n ** 63n);
  const step = 2n ** 64n / splits;
  const ranges = Array.from({ length: Number(splits) }, (_, i) => {
    const start = min + BigInt(i) * step;
    return [start, i === Number(splits) - 1 ? 2n ** 63n - 1n : start + step] as const;
  });
  let total = 0;
  const next = ranges[Symbol.iterator]();
  const counter = async (): Promise<void> => {
    for (const [start, end] of next) {
      const result = await client.execute(
        `SELECT count(*) FROM ${TABLE} WHERE token(id) > ? AND token(id) <= ?`,
        [cassandra.types.Long.fromString(start.toString()), cassandra.types.Long.fromString(end.toString())],
        { prepare: true, ...SLOW },
      );
      total += (result.first().get('count') as cassandra.types.Long).toNumber();
    }
  };
  await Promise.all(Array.from({ length: 8 }, counter));
  return total;
}

/**
 * Target holds every row (the copy lost none), and a sample of rows has origin's writetimes and
 * TTLs (a copy that dropped them would have done less work than the other).
 */
async function verify(copy: string): Promise<void> {
  const counted = await countRows(target);
  if (counted !== rows) throw new Error(`${copy}: target has ${counted} rows, origin ${rows}`);
  // Multiples of ten have a TTL, the next ids do not.
  const ids = Array.from({ length: 100 }, (_, i) => Math.floor((i * rows) / 1000) * 10).flatMap((id) => [id, id + 1]).filter((id) => id < rows);
  const sample = async (client: cassandra.Client): Promise<Map<string, string>> => {
    const result = await client.execute(`SELECT id, writetime(name) AS wt, ttl(name) AS ttl, writetime(score) AS ws FROM ${TABLE} WHERE id IN ?`, [ids.map((id) => cassandra.types.Long.fromNumber(id))], { prepare: true, ...SLOW });
    // TTLs count down while we read, so only whether there is one is compared.
    return new Map(result.rows.map((r) => [String(r['id']), `${String(r['wt'])} ${String(r['ws'])} ${r['ttl'] == null ? 'no ttl' : 'ttl'}`]));
  };
  const [before, after] = await Promise.all([sample(origin), sample(target)]);
  if (!ids.every((id) => before.get(String(id))?.endsWith(id % 10 === 0 ? ' ttl' : 'no ttl'))) throw new Error('origin does not have a TTL on exactly the rows seeded with one');
  const differing = ids.filter((id) => before.get(String(id)) !== after.get(String(id)));
  if (differing.length > 0) throw new Error(`${copy}: ${differing.length} of ${ids.length} sampled rows differ from origin in writetime or TTL (id ${differing[0]}: origin ${before.get(String(differing[0]))}, target ${after.get(String(differing[0]))})`);
}

// From the rounded seconds that are reported, so that the rounds and the summary agree.
const rate = (seconds: number): number => Math.round(rows / round2(seconds));

// ---- Seed origin (not measured): a generated CSV loaded by DSBulk, the fastest way in.
for (const client of [origin, target]) await client.execute(`DROP KEYSPACE IF EXISTS ${KEYSPACE}`, [], SLOW);
await origin.execute(CREATE_KEYSPACE, [], SLOW);
await origin.execute(CREATE_TABLE, [], SLOW);
// Target gets the same table for DSBulk, which does not create one; our copy finds it and checks it fits.
await target.execute(CREATE_KEYSPACE, [], SLOW);
await target.execute(CREATE_TABLE, [], SLOW);

const seedCsv = join(work, 'seed.csv');
{
  const out = createWriteStream(seedCsv);
  out.write('id,name,quantity,created,score,ttl\n');
  const now = Date.now();
  for (let from = 0; from < rows; from += 10_000) {
    let lines = '';
    for (let id = from; id < Math.min(rows, from + 10_000); id++) {
      // 60 random characters: text that compresses no better than real data would.
      const name = randomBytes(45).toString('base64url');
      const created = new Date(now - Math.floor(Math.random() * 365 * 86_400_000)).toISOString();
      // TTL 0 is no TTL, so one INSERT statement seeds both kinds of rows.
      lines += `${id},${name},${Math.floor(Math.random() * 1_000_000)},${created},${Math.random() * 1000},${id % 10 === 0 ? TTL_S : 0}\n`;
    }
    if (!out.write(lines)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}
const seedBytes = (await stat(seedCsv)).size;
const seeded = await dsbulk('load (seeding origin)', [
  'load', '-url', seedCsv, ...dsbulkCluster(config.origin),
  '-query', `INSERT INTO ${TABLE} (id, name, quantity, created, score) VALUES (:id, :name, :quantity, :created, :score) USING TTL :ttl`,
]);
await rm(seedCsv);
const originRows = await countRows(origin);
if (originRows !== rows) throw new Error(`seeding left ${originRows} rows on origin, not ${rows}`);
console.log(`seeded ${rows} rows (${Math.round(seedBytes / rows)} bytes a row as CSV, ${rows / 10} with a TTL) on origin in ${seeded.seconds.toFixed(1)} s`);

/** Waits (up to 10 minutes) until neither cluster runs a compaction; returns the seconds waited. */
async function settle(): Promise<number> {
  const started = performance.now();
  for (const deadline = Date.now() + 600_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 1000))) {
    const running = await Promise.all([origin, target].map(async (client) => (await client.execute('SELECT kind FROM system_views.sstable_tasks', [], SLOW)).rows.length));
    if (running.every((n) => n === 0)) break;
  }
  return round2((performance.now() - started) / 1000);
}

/** A cluster's floor: seconds and CPU (its server's, and this process's) of the least work a copy asks of it. */
interface Floor { seconds: number; rowsPerS: number; cpuS: { server: number | null; bench: number }; settledS: number }
async function floor(server: 'origin' | 'target', work: () => Promise<void>): Promise<Floor> {
  const settledS = await settle();
  const [before, cpu, started] = [await stackCpu(), process.cpuUsage(), performance.now()];
  await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { seconds: round2(seconds), rowsPerS: rate(seconds), cpuS: { server: cpuBetween(before, await stackCpu())[server] ?? null, bench: round2((used.user + used.system) / 1e6) }, settledS };
}

/** Every row of the table with its writetimes and TTLs, read with their types over 16 token ranges, 4 at a time. */
const SCAN = `SELECT id, name, quantity, created, score, writetime(name) AS wt, ttl(name) AS ttl FROM ${TABLE} WHERE token(id) > ? AND token(id) <= ?`;
async function scan(onPage: (rows: cassandra.types.Row[]) => void): Promise<void> {
  const ranges = Array.from({ length: 16 }, (_, i) => {
    const step = 2n ** 64n / 16n;
    const start = -(2n ** 63n) + BigInt(i) * step;
    return [start, i === 15 ? 2n ** 63n - 1n : start + step].map((t) => cassandra.types.Long.fromString(t.toString()));
  });
  const next = ranges[Symbol.iterator]();
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (const range of next) {
      let pageState: string | undefined;
      do {
        const page = await origin.execute(SCAN, range, { prepare: true, fetchSize: 1000, ...(pageState === undefined ? {} : { pageState }), ...SLOW });
        onPage(page.rows);
        pageState = typeof page.pageState === 'string' ? page.pageState : undefined;
      } while (pageState !== undefined);
    }
  }));
}

/** Origin's floor: the table read once with its types, rows discarded. */
const originFloor = (): Promise<Floor> => floor('origin', () => scan(() => undefined));

/** Target's floor: origin's rows, read beforehand (not measured), written from memory by prepared unlogged batches of 32 rows, 256 rows in flight, writetimes and TTLs kept. */
async function targetFloor(): Promise<Floor> {
  const held: unknown[][] = [];
  await scan((page) => {
    for (const r of page) held.push([r['id'], r['name'], r['quantity'], r['created'], r['score'], r['wt'], r['ttl'] ?? 0]);
  });
  await target.execute(`TRUNCATE ${TABLE}`, [], SLOW);
  const insert = `INSERT INTO ${TABLE} (id, name, quantity, created, score) VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ? AND TTL ?`;
  return floor('target', async () => {
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < held.length) {
        const batch = held.slice(next, (next += 32)).map((params) => ({ query: insert, params }));
        await target.batch(batch, { prepare: true, logged: false, ...SLOW });
      }
    }));
  });
}

// ---- The two copies.
/** Seconds of each phase and in all; CPU seconds of the copy's own processes, and of the stack's servers and the whole machine meanwhile. */
interface DsbulkRound { unloadS: number; loadS: number; totalS: number; rowsPerS: number; csvBytes: number; settledS: number; cpuS: { dsbulk: number; stack: Record<string, number | null> } }
interface CutoverRound { startS: number; migrateS: number; totalS: number; rowsPerS: number; chunks: number; settledS: number; cpuS: { cutover: number; stack: Record<string, number | null> } }

async function copyWithDsbulk(): Promise<DsbulkRound> {
  await target.execute(`TRUNCATE ${TABLE}`, [], SLOW);
  const settledS = await settle();
  const csvDir = join(work, 'unloaded');
  await rm(csvDir, { recursive: true, force: true });
  const stackBefore = await stackCpu();
  const unload = await dsbulk('unload', ['unload', '-k', KEYSPACE, '-t', 'rows', '-url', csvDir, '-timestamp', 'true', '-ttl', 'true', ...dsbulkCluster(config.origin)]);
  const load = await dsbulk('load', ['load', '-k', KEYSPACE, '-t', 'rows', '-url', csvDir, '-timestamp', 'true', '-ttl', 'true', ...dsbulkCluster(config.target)]);
  const stack = cpuBetween(stackBefore, await stackCpu());
  let csvBytes = 0;
  for (const file of await readdir(csvDir)) csvBytes += (await stat(join(csvDir, file))).size;
  await rm(csvDir, { recursive: true, force: true });
  await verify('DSBulk');
  const totalS = unload.seconds + load.seconds;
  return { unloadS: round2(unload.seconds), loadS: round2(load.seconds), totalS: round2(totalS), rowsPerS: rate(totalS), csvBytes, settledS, cpuS: { dsbulk: round2(unload.cpuSeconds + load.cpuSeconds), stack } };
}

const prefixes: string[] = [];
async function copyWithCutover(round: number): Promise<CutoverRound> {
  await target.execute(`TRUNCATE ${TABLE}`, [], SLOW);
  const settledS = await settle();
  // A log of its own, so the copy starts from nothing, as a new migration does.
  const prefix = `bench-copy-${runId}-${round}.`;
  prefixes.push(prefix);
  const env = { KAFKA_TOPIC_PREFIX: prefix, S3_BUCKET: `bench-copy-${runId}-${round}`, LOG_LEVEL: 'warn' };
  const stackBefore = await stackCpu();
  const start = await run('cutover control start', process.execPath, [BIN, 'control', 'start', TABLE, '--reason', 'table-migration benchmark'], env);
  const migrate = await run('cutover migrate tables', process.execPath, [BIN, 'migrate', 'tables'], env);
  const stack = cpuBetween(stackBefore, await stackCpu());
  const copied = new RegExp(`^${TABLE.replace('.', '\\.')}: (\\d+) rows in (\\d+) chunks, verified$`, 'm').exec(migrate.stdout);
  if (copied?.[1] !== String(rows)) throw new Error(`cutover migrate tables did not report ${rows} rows verified:\n${migrate.stdout}`);
  await verify('cutover');
  const totalS = start.seconds + migrate.seconds;
  return { startS: round2(start.seconds), migrateS: round2(migrate.seconds), totalS: round2(totalS), rowsPerS: rate(totalS), chunks: Number(copied[2]), settledS, cpuS: { cutover: round2(start.cpuSeconds + migrate.cpuSeconds), stack } };
}

const results: { round: number; order: string; dsbulk: DsbulkRound; cutover: CutoverRound }[] = [];
let floors: { origin: Floor; target: Floor } | undefined;
try {
  floors = { origin: await originFloor(), target: await targetFloor() };
  console.log(`floors: origin's typed scan ${floors.origin.seconds} s (${floors.origin.rowsPerS} rows/s, origin CPU ${floors.origin.cpuS.server} s); target's batched writes from memory ${floors.target.seconds} s (${floors.target.rowsPerS} rows/s, target CPU ${floors.target.cpuS.server} s)`);
  for (let round = 1; round <= rounds; round++) {
    // Alternate which copy goes first, so that target's compactions after one copy hit both alike.
    const dsbulkFirst = round % 2 === 1;
    let dsbulkRound: DsbulkRound | undefined;
    let cutoverRound: CutoverRound | undefined;
    for (const copy of dsbulkFirst ? ['dsbulk', 'cutover'] : ['cutover', 'dsbulk']) {
      if (copy === 'dsbulk') {
        dsbulkRound = await copyWithDsbulk();
        console.log(`round ${round} DSBulk:  unload ${dsbulkRound.unloadS} s + load ${dsbulkRound.loadS} s = ${dsbulkRound.totalS} s, ${dsbulkRound.rowsPerS} rows/s, CPU ${dsbulkRound.cpuS.dsbulk} s (verified)`);
      } else {
        cutoverRound = await copyWithCutover(round);
        console.log(`round ${round} cutover: control start ${cutoverRound.startS} s + migrate tables ${cutoverRound.migrateS} s = ${cutoverRound.totalS} s, ${cutoverRound.rowsPerS} rows/s, CPU ${cutoverRound.cpuS.cutover} s (verified)`);
      }
    }
    results.push({ round, order: dsbulkFirst ? 'dsbulk, cutover' : 'cutover, dsbulk', dsbulk: dsbulkRound!, cutover: cutoverRound! });
  }
} finally {
  // Clean up: the keyspace on both clusters, our copies' topics and staging buckets, the CSV files and logs.
  for (const client of [origin, target]) await client.execute(`DROP KEYSPACE IF EXISTS ${KEYSPACE}`, [], SLOW).catch((error: unknown) => console.error(`dropping ${KEYSPACE}: ${String(error)}`));
  await Promise.all([origin.shutdown(), target.shutdown()]);
  const admin = kafkaClient(config).admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((topic) => prefixes.some((prefix) => topic.startsWith(prefix)));
  if (topics.length > 0) await admin.deleteTopics({ topics });
  await admin.disconnect();
  const s3 = s3Client(config);
  for (const prefix of prefixes) {
    const bucket = prefix.slice(0, -1);
    for (;;) {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket })).catch(() => undefined);
      const keys = (listed?.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ Key: o.Key }]));
      if (keys.length === 0) break;
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    }
    await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
  }
  s3.destroy();
  await rm(work, { recursive: true, force: true });
}

// ---- Summary: rows/s over all rounds, from the summed seconds; CPU per row of every process.
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
const dsbulkS = sum(results.map((r) => r.dsbulk.totalS));
const cutoverS = sum(results.map((r) => r.cutover.totalS));
const dsbulkRate = Math.round((rows * rounds) / dsbulkS);
const cutoverRate = Math.round((rows * rounds) / cutoverS);
const ratio = round2(dsbulkS / cutoverS);
/** µs of CPU per row copied, by process, over all rounds; null where a server restarted during a round. */
const perRow = (copy: 'dsbulk' | 'cutover'): Record<string, number | null> => {
  const tool = sum(results.map((r) => (copy === 'dsbulk' ? r.dsbulk.cpuS.dsbulk : r.cutover.cpuS.cutover)));
  const stack = (name: string): number | null => {
    const seconds = results.map((r) => r[copy].cpuS.stack[name] ?? null);
    return seconds.includes(null) ? null : Math.round((sum(seconds as number[]) * 1e6) / (rows * rounds) * 10) / 10;
  };
  return { [copy]: Math.round(((tool * 1e6) / (rows * rounds)) * 10) / 10, ...Object.fromEntries(['machine', ...stackServers].map((name) => [name, stack(name)])) };
};
const cpuPerRow = { dsbulk: perRow('dsbulk'), cutover: perRow('cutover') };
// All processes: the machine's CPU, which holds the clusters, Kafka, S3 and the copy itself.
const cpuRatio = cpuPerRow.cutover['machine'] === null || cpuPerRow.dsbulk['machine'] === null ? null : round2(cpuPerRow.cutover['machine']! / cpuPerRow.dsbulk['machine']!);
const goal = {
  minRatio: GOAL_RATIO,
  maxCpuRatio: GOAL_CPU_RATIO,
  maxToolMicrosPerRow: GOAL_TOOL_US_PER_ROW,
  ratioPass: ratio >= GOAL_RATIO,
  cpuPass: cpuRatio !== null && cpuRatio <= GOAL_CPU_RATIO,
  toolPass: (cpuPerRow.cutover['cutover'] ?? Infinity) <= GOAL_TOOL_US_PER_ROW,
};
const summary = {
  benchmark: 'table-migration',
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, totalMemoryBytes: totalmem(), platform: `${platform()} ${release()}`, node: process.version },
  parameters: {
    rows,
    rounds,
    table: `${CREATE_TABLE}; name 60 characters; one row in ten with a TTL of ${TTL_S} s`,
    seedCsvBytesPerRow: Math.round(seedBytes / rows),
    cutover: { workers: config.migrator.workers, chunkBytes: config.migrator.chunkBytes, minChunks: config.migrator.minChunks, loadConcurrency: config.migrator.loadConcurrency, commands: ['cutover control start bench_copy.rows', 'cutover migrate tables'] },
    dsbulk: { version: DSBULK.id, note: '1.11.0 is on Maven Central only as its parent and BOM poms, so 1.10.0, the newest complete release, is measured', unload: `unload -k ${KEYSPACE} -t rows -url <dir> -timestamp true -ttl true -h -port -dc -logDir`, load: `load -k ${KEYSPACE} -t rows -url <dir> -timestamp true -ttl true -h -port -dc -logDir` },
    timing: 'wall clock per process, JVM and Node start included; target truncated and compactions settled before each copy (not timed); both copies verified after (not timed)',
    floors: "origin: the table scanned once with its types (16 ranges, 4 at a time), rows discarded; target: the same rows written from memory by prepared unlogged batches of 32, 256 rows in flight, writetimes and TTLs kept",
  },
  floors,
  rounds: results,
  dsbulk: { totalS: round2(dsbulkS), rowsPerS: dsbulkRate, cpuS: round2(sum(results.map((r) => r.dsbulk.cpuS.dsbulk))) },
  cutover: { totalS: round2(cutoverS), rowsPerS: cutoverRate, cpuS: round2(sum(results.map((r) => r.cutover.cpuS.cutover))) },
  cpuMicrosPerRow: cpuPerRow,
  ratio,
  cpuRatio,
  goal,
};
await mkdir(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(new URL('../results/table-migration.json', import.meta.url), `${JSON.stringify(summary, null, 2)}\n`);

const total = (pick: (r: (typeof results)[number]) => number): string => sum(results.map(pick)).toFixed(1);
const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(15) : c.padStart(10))).join(' ');
console.log(line(['', 'phase', 'seconds', 'rows/s', 'CPU s']));
console.log(line(['DSBulk', 'unload', total((r) => r.dsbulk.unloadS), '', '']));
console.log(line(['', 'load', total((r) => r.dsbulk.loadS), '', '']));
console.log(line(['', 'total', total((r) => r.dsbulk.totalS), String(dsbulkRate), String(summary.dsbulk.cpuS)]));
console.log(line(['cutover', 'control start', total((r) => r.cutover.startS), '', '']));
console.log(line(['', 'migrate tables', total((r) => r.cutover.migrateS), '', '']));
console.log(line(['', 'total', total((r) => r.cutover.totalS), String(cutoverRate), String(summary.cutover.cpuS)]));
const names = ['tool', 'machine', ...stackServers];
console.log(['µs CPU/row'.padEnd(15), ...names.map((n) => n.padStart(10))].join(' '));
for (const copy of ['dsbulk', 'cutover'] as const) console.log([copy.padEnd(15), ...names.map((n) => String(cpuPerRow[copy][n === 'tool' ? copy : n] ?? '-').padStart(10))].join(' '));
const verdict = (pass: boolean): string => (pass ? 'PASS' : 'FAIL');
console.log(`${rows} rows × ${rounds} round(s): cutover ${cutoverRate} rows/s, DSBulk ${dsbulkRate} rows/s, ratio ${ratio} (goal ≥ ${GOAL_RATIO}: ${verdict(goal.ratioPass)})`);
console.log(`CPU per row, all processes: ${cpuRatio ?? '-'} of DSBulk's (goal ≤ ${GOAL_CPU_RATIO}: ${verdict(goal.cpuPass)}); our tool ${cpuPerRow.cutover['cutover']} µs (goal ≤ ${GOAL_TOOL_US_PER_ROW}: ${verdict(goal.toolPass)})`);
process.exitCode = goal.ratioPass && goal.cpuPass && goal.toolPass ? 0 : 1;
