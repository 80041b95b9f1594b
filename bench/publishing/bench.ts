/**
 * What logging every mutation costs the proxy: the same proxy with publishing off, with
 * LOG_DURABILITY=async and with LOG_DURABILITY=acked, in the same run on the same workload (90%
 * writes, prepared statements, against the local stack's real clusters), at saturation and at
 * a fixed rate. The modes alternate from round to round so that slow phases of the clusters
 * hit them alike.
 *
 *   BENCH_ROUNDS (3)  BENCH_DURATION_S per run (10)  BENCH_CONCURRENCY (32)  BENCH_RATE (8000 req/s)
 *   BENCH_SINK_RATE (8000 mutations/s)
 *
 * A fourth mode, acked with the journal left to the page cache, shows what syncing costs.
 *
 * Then the publishing path alone (sink-alone.ts): the proxy's sink fed at BENCH_SINK_RATE, to
 * the real broker, against the same driver with no sink; its CPU by stage (stages.ts); and how
 * long the disk takes to sync an append (disk-sync.ts), the floor under acked. Where the whole
 * stack cannot reach the fixed rate (two cores run the load, the proxy, two Cassandra nodes and
 * Kafka), this is where the CPU a mutation adds is read at that rate, without the clusters' noise.
 *
 * Goals (issue 10): at saturation, async costs at most 10% of throughput; at 8,000 mutations/s,
 * publishing adds at most 3 µs of proxy CPU and 3 µs of broker CPU per mutation (the path
 * alone), and acked adds at most 1 ms to p99 (the whole stack at the fixed rate). Each run reads
 * the CPU the proxy process, the Kafka broker and both Cassandra nodes spent.
 *
 * Results: bench/results/publishing.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@cutover/config';
import { KafkaEventLog, createTopics, topicCatalogue, topicNames } from '@cutover/event-log';
import { readMutations } from '@cutover/mutation-log';
import { LocalStack, kafkaClient } from '@cutover/stack';
import { CREATE_KEYSPACE, CREATE_TABLE, LoadGenerator, driverFor, mergeResults } from '../proxy/load.ts';
import { machineCpuSeconds, processCpuSeconds } from '../cpu.ts';
import { ProxyProcess } from '../proxy/proxy-process.ts';
import { diskSyncLatency } from './disk-sync.ts';
import { runSinkAlone, type SinkMode, type SinkRun } from './sink-alone.ts';
import { stageCosts } from './stages.ts';

const GOALS = { maxDropAsync: 0.1, maxProxyCpuUsPerMutation: 3, maxBrokerCpuUsPerMutation: 3, maxAckedP99AddedMs: 1 };
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const durationMs = Number(process.env['BENCH_DURATION_S'] ?? 10) * 1000;
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 32);
const rate = Number(process.env['BENCH_RATE'] ?? 8000);
const sinkRate = Number(process.env['BENCH_SINK_RATE'] ?? 8000);
const config = loadConfig();
const prefix = `bench-pub-${randomBytes(3).toString('hex')}.`;
const topic = topicNames(prefix).mutations;
const kafka = kafkaClient(config);
const admin = kafka.admin();
await admin.connect();
await createTopics(admin, topicCatalogue(prefix).filter((t) => t.name === topic));
for (const cluster of [config.origin, config.target]) {
  const client = driverFor(cluster);
  await client.execute(CREATE_KEYSPACE);
  await client.execute(CREATE_TABLE);
  await client.shutdown();
}

const servers = new Map((await new LocalStack(config).status(['kafka', 'origin', 'target'])).map((s) => [s.name, s.pid]));
const [brokerPid, originPid, targetPid] = ['kafka', 'origin', 'target'].map((name) => {
  const pid = servers.get(name as 'kafka');
  if (pid == null) throw new Error(`the stack's ${name} is not running: npx cutover stack up`);
  return pid;
}) as [number, number, number];
const processCpuUs = (pid: number): number => processCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8')) * 1e6;

/** off: no log; async and acked: LOG_DURABILITY, with the journal synced (PROXY_SPOOL_FSYNC=always); acked-unsynced: acked, the journal left to the page cache (survives a proxy crash, not a machine's). */
type Mode = 'off' | 'async' | 'acked' | 'acked-unsynced';
type Load = 'saturation' | 'fixed-rate';
const MODES: readonly Mode[] = ['off', 'async', 'acked', 'acked-unsynced'];
interface Spent { requests: number; writes: number; proxyUs: number; brokerUs: number; clustersUs: number; machineUs: number }
const none = (): Spent => ({ requests: 0, writes: 0, proxyUs: 0, brokerUs: 0, clustersUs: 0, machineUs: 0 });
const runs = new Map<string, { results: Awaited<ReturnType<LoadGenerator['run']>>[]; spent: Spent }>();
const key = (mode: Mode, load: Load): string => `${mode}/${load}`;
for (const mode of MODES) for (const load of ['saturation', 'fixed-rate'] as const) runs.set(key(mode, load), { results: [], spent: none() });

for (let round = 0; round < rounds; round++) {
  // Each round starts with another mode, so that no mode always runs first (or last).
  const order = MODES.map((_, i) => MODES[(i + round) % MODES.length]!);
  for (const mode of order) {
    const env: Record<string, string> = {
      KAFKA_TOPIC_PREFIX: prefix,
      PROXY_QUERY_PORT: '19942',
      PROXY_METRICS_PORT: '19941',
      PROXY_SPOOL_DIR: mkdtempSync(join(tmpdir(), 'bench-journal-')),
      BENCH_PROXY_SINK: mode === 'off' ? 'count' : 'kafka',
      LOG_DURABILITY: mode.startsWith('acked') ? 'acked' : 'async',
      PROXY_SPOOL_FSYNC: mode === 'acked-unsynced' ? 'never' : 'always',
    };
    const proxy = await ProxyProcess.start({ env });
    const generator = await LoadGenerator.open({ mode: 'proxy', origin: { host: proxy.address.host, port: proxy.address.port } });
    await generator.run({ concurrency, durationMs: 2000, seed: 99 });
    for (const load of ['saturation', 'fixed-rate'] as const) {
      const clustersUs = (): number => processCpuUs(originPid) + processCpuUs(targetPid);
      const before = { proxy: await proxy.usage(), broker: processCpuUs(brokerPid), clusters: clustersUs(), machine: machineCpuSeconds() * 1e6 };
      const result = await generator.run({ concurrency, durationMs, seed: round + 1, ...(load === 'fixed-rate' ? { rate } : {}) });
      const after = { proxy: await proxy.usage(), broker: processCpuUs(brokerPid), clusters: clustersUs(), machine: machineCpuSeconds() * 1e6 };
      const run = runs.get(key(mode, load))!;
      run.results.push(result);
      run.spent.requests += result.requests;
      run.spent.writes += result.writes;
      run.spent.proxyUs += after.proxy.user + after.proxy.system - before.proxy.user - before.proxy.system;
      run.spent.brokerUs += after.broker - before.broker;
      run.spent.clustersUs += after.clusters - before.clusters;
      run.spent.machineUs += after.machine - before.machine;
      console.log(`round ${round + 1} ${mode.padEnd(14)} ${load.padEnd(10)} ${result.throughput} req/s  p50 ${result.latency.p50Ms.toFixed(3)} ms  p99 ${result.latency.p99Ms.toFixed(3)} ms  errors ${result.errors}`);
    }
    await generator.close();
    await proxy.stop();
  }
}

// The floor under acked: the journal's disk (the same filesystem as the path alone's journal), idle.
const diskSync = await diskSyncLatency(tmpdir());
console.log(`disk: write + fdatasync of 16 KiB, one after another: p50 ${diskSync.p50Ms} ms, p99 ${diskSync.p99Ms} ms`);

// The publishing path alone, at the issue's rate.
const SINK_MODES: readonly SinkMode[] = ['none', 'async', 'acked'];
const sinkRuns = new Map<SinkMode, SinkRun[]>(SINK_MODES.map((m) => [m, []]));
for (let round = 0; round < rounds; round++) {
  for (const mode of SINK_MODES.map((_, i) => SINK_MODES[(i + round) % SINK_MODES.length]!)) {
    const run = await runSinkAlone(config, { mode, rate: sinkRate, durationMs, topicPrefix: prefix, brokerPid });
    sinkRuns.get(mode)!.push(run);
    console.log(`round ${round + 1} path alone ${mode.padEnd(6)} ${sinkRate} mutations/s: CPU per mutation ${run.proxyCpuUs.toFixed(2)} µs (this process), broker ${run.brokerCpuUs.toFixed(2)} µs${run.ackP99Ms === undefined ? '' : `, journaled p50 ${run.ackP50Ms} ms p99 ${run.ackP99Ms} ms`}`);
  }
}
const sinkAlone = Object.fromEntries(
  SINK_MODES.map((mode) => {
    const list = sinkRuns.get(mode)!;
    const mutations = list.reduce((sum, r) => sum + r.mutations, 0);
    const weighted = (f: (r: SinkRun) => number): number => Math.round((list.reduce((sum, r) => sum + f(r) * r.mutations, 0) / mutations) * 100) / 100;
    const acked = list.filter((r) => r.ackP99Ms !== undefined);
    return [mode, { mutations, proxyCpuUs: weighted((r) => r.proxyCpuUs), brokerCpuUs: weighted((r) => r.brokerCpuUs), ...(acked.length > 0 ? { ackP99Ms: Math.max(...acked.map((r) => r.ackP99Ms!)) } : {}) }];
  }),
) as Record<SinkMode, { mutations: number; proxyCpuUs: number; brokerCpuUs: number; ackP99Ms?: number }>;

const log = new KafkaEventLog(config.kafka);
const records = await log.readAll(topic);
const mutationsInKafka = records.reduce((sum, r) => sum + readMutations(r).length, 0);
// The path alone's CPU by stage, a linger window's mutations at a time (after a warm-up round).
const perRound = Math.max(1, Math.round((sinkRate * config.proxy.publishLingerMs) / 1000));
await stageCosts(log, topic, { mutations: 40_000, perRound });
const stages = await stageCosts(log, topic, { mutations: 200_000, perRound });
console.log(`path alone by stage, per mutation: build ${stages.buildUs} µs, pack ${stages.packUs} µs, produce ${stages.produceUs} µs (${perRound} mutations a round)`);
await log.close();
await admin.deleteTopics({ topics: [topic] });
await admin.disconnect();

const round2 = (n: number): number => Math.round(n * 100) / 100;
const summarize = (mode: Mode, load: Load) => {
  const { results, spent } = runs.get(key(mode, load))!;
  const merged = mergeResults(results);
  return {
    throughput: merged.throughput,
    p50Ms: merged.latency.p50Ms,
    p99Ms: merged.latency.p99Ms,
    errors: merged.errors,
    cpuPerRequestUs: {
      proxy: round2(spent.proxyUs / spent.requests),
      broker: round2(spent.brokerUs / spent.requests),
      clusters: round2(spent.clustersUs / spent.requests),
      machine: round2(spent.machineUs / spent.requests),
    },
    cpuPerWriteUs: { proxy: round2(spent.proxyUs / spent.writes), broker: round2(spent.brokerUs / spent.writes) },
    writes: spent.writes,
  };
};
const table = Object.fromEntries(MODES.map((mode) => [mode, { saturation: summarize(mode, 'saturation'), fixedRate: summarize(mode, 'fixed-rate') }])) as Record<Mode, Record<'saturation' | 'fixedRate', ReturnType<typeof summarize>>>;
const drop = (mode: Mode): number => Math.round((1 - table[mode].saturation.throughput / table.off.saturation.throughput) * 1000) / 1000;
// CPU a mutation costs beyond the same request unlogged, at the same rate (the fixed-rate runs).
const added = (mode: Mode, process: 'proxy' | 'broker'): number => round2(table[mode].fixedRate.cpuPerWriteUs[process] - table.off.fixedRate.cpuPerWriteUs[process]);
// The same, on the path alone at sinkRate: the goal's figure.
const addedAlone = (mode: 'async' | 'acked', process: 'proxyCpuUs' | 'brokerCpuUs'): number => round2(sinkAlone[mode][process] - sinkAlone.none[process]);
const verdicts = {
  asyncDropAtSaturation: drop('async'),
  ackedDropAtSaturation: drop('acked'),
  ackedUnsyncedDropAtSaturation: drop('acked-unsynced'),
  proxyCpuUsPerMutation: { async: addedAlone('async', 'proxyCpuUs'), acked: addedAlone('acked', 'proxyCpuUs') },
  brokerCpuUsPerMutation: { async: addedAlone('async', 'brokerCpuUs'), acked: addedAlone('acked', 'brokerCpuUs') },
  // Whole stack at `rate`: noisier (the clusters share the cores), and at a lower rate the broker's cost per batch is spread over fewer mutations.
  wholeStackCpuUsPerMutation: {
    proxy: { async: added('async', 'proxy'), acked: added('acked', 'proxy'), ackedUnsynced: added('acked-unsynced', 'proxy') },
    broker: { async: added('async', 'broker'), acked: added('acked', 'broker'), ackedUnsynced: added('acked-unsynced', 'broker') },
  },
  // Against no log at all: what a client of the proxy sees.
  p99AddedMs: {
    async: { fixedRate: round2(table.async.fixedRate.p99Ms - table.off.fixedRate.p99Ms), saturation: round2(table.async.saturation.p99Ms - table.off.saturation.p99Ms) },
    acked: { fixedRate: round2(table.acked.fixedRate.p99Ms - table.off.fixedRate.p99Ms), saturation: round2(table.acked.saturation.p99Ms - table.off.saturation.p99Ms) },
    ackedUnsynced: { fixedRate: round2(table['acked-unsynced'].fixedRate.p99Ms - table.off.fixedRate.p99Ms), saturation: round2(table['acked-unsynced'].saturation.p99Ms - table.off.saturation.p99Ms) },
  },
};
const pass = {
  drop: verdicts.asyncDropAtSaturation <= GOALS.maxDropAsync,
  proxyCpu: verdicts.proxyCpuUsPerMutation.async <= GOALS.maxProxyCpuUsPerMutation,
  brokerCpu: verdicts.brokerCpuUsPerMutation.async <= GOALS.maxBrokerCpuUsPerMutation,
  ackedP99: verdicts.p99AddedMs.acked.fixedRate <= GOALS.maxAckedP99AddedMs,
};
const summary = {
  benchmark: 'publishing',
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, totalMemoryBytes: totalmem(), platform: `${platform()} ${release()}`, node: process.version },
  parameters: { rounds, durationMs, concurrency, rate, sinkRate, workload: '90% prepared INSERT / 10% SELECT by key, through the proxy in a child process, real clusters; off = no log, async/acked = LOG_DURABILITY' },
  modes: table,
  pathAlone: sinkAlone,
  pathStages: stages,
  diskSyncIdle: diskSync,
  mutationsInKafka,
  ...verdicts,
  goals: { ...GOALS, pass },
};
writeFileSync(new URL('../results/publishing.json', import.meta.url), `${JSON.stringify(summary, null, 2)}\n`);
for (const mode of MODES) {
  const { saturation: s, fixedRate: f } = table[mode];
  console.log(`${mode.padEnd(14)} saturation ${s.throughput} req/s p99 ${s.p99Ms} ms | ${rate} req/s: p50 ${f.p50Ms} ms p99 ${f.p99Ms} ms, CPU per write: proxy ${f.cpuPerWriteUs.proxy} µs, broker ${f.cpuPerWriteUs.broker} µs`);
}
console.log(`async: ${(verdicts.asyncDropAtSaturation * 100).toFixed(1)}% fewer req/s at saturation (goal ≤ ${GOALS.maxDropAsync * 100}%: ${pass.drop ? 'PASS' : 'FAIL'})`);
console.log(`per mutation, the path alone at ${sinkRate}/s: proxy +${verdicts.proxyCpuUsPerMutation.async} µs (goal ≤ ${GOALS.maxProxyCpuUsPerMutation}: ${pass.proxyCpu ? 'PASS' : 'FAIL'}), broker +${verdicts.brokerCpuUsPerMutation.async} µs (goal ≤ ${GOALS.maxBrokerCpuUsPerMutation}: ${pass.brokerCpu ? 'PASS' : 'FAIL'})`);
console.log(`p99 added at ${rate} req/s: acked ${verdicts.p99AddedMs.acked.fixedRate} ms (goal ≤ ${GOALS.maxAckedP99AddedMs}: ${pass.ackedP99 ? 'PASS' : 'FAIL'}), acked unsynced ${verdicts.p99AddedMs.ackedUnsynced.fixedRate} ms, async ${verdicts.p99AddedMs.async.fixedRate} ms`);
console.log(`fewer req/s at saturation: acked ${(verdicts.ackedDropAtSaturation * 100).toFixed(1)}%, acked unsynced ${(verdicts.ackedUnsyncedDropAtSaturation * 100).toFixed(1)}%`);
console.log(`mutations in Kafka: ${mutationsInKafka}`);
process.exitCode = Object.values(pass).every(Boolean) ? 0 : 1;
