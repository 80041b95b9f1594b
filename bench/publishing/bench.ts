/**
 * The proxy's throughput with every mutation published to Kafka, against the same proxy with
 * publishing off, in the same run on the same workload (90% writes, prepared statements,
 * against the local stack's real clusters). Goal: publishing costs at most 10% of throughput.
 * The runs alternate (off, on, on, off, …) so that slow phases of the clusters hit both alike.
 *
 *   BENCH_ROUNDS (4)  BENCH_DURATION_S per run (10)  BENCH_CONCURRENCY (32)
 *
 * Beside throughput, each run reads the CPU the proxy process and the Kafka broker spent per
 * request: on this machine everything shares two cores, so the broker's work and the proxy's
 * take throughput from the clusters; the proxy's CPU per request is what bounds one proxy
 * where Kafka runs on machines of its own.
 *
 * Results: bench/results/publishing.json.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { loadConfig } from '@cutover/config';
import { KafkaEventLog, createTopics, topicCatalogue } from '@cutover/event-log';
import { LocalStack, kafkaClient } from '@cutover/stack';
import { CREATE_KEYSPACE, CREATE_TABLE, LoadGenerator, driverFor, mergeResults, type LoadResult } from '../proxy/load.ts';
import { machineCpuSeconds, processCpuSeconds } from '../cpu.ts';
import { ProxyProcess } from '../proxy/proxy-process.ts';

const GOAL_DROP = 0.1;
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 4);
const durationMs = Number(process.env['BENCH_DURATION_S'] ?? 10) * 1000;
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 32);
const config = loadConfig();
const prefix = `bench-pub-${randomBytes(3).toString('hex')}.`;
const kafka = kafkaClient(config);
const admin = kafka.admin();
await admin.connect();
await createTopics(admin, topicCatalogue(prefix).filter((t) => t.name.endsWith('cutover.mutations')));
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

const machineCpuUs = (): number => machineCpuSeconds() * 1e6;
const processCpuUs = (pid: number): number => processCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8')) * 1e6;

const results: Record<'off' | 'on', Awaited<ReturnType<LoadGenerator['run']>>[]> = { off: [], on: [] };
interface Spent { requests: number; proxyUs: number; brokerUs: number; clustersUs: number; machineUs: number }
const none = (): Spent => ({ requests: 0, proxyUs: 0, brokerUs: 0, clustersUs: 0, machineUs: 0 });
const cpu: Record<'off' | 'on', Spent> = { off: none(), on: none() };
for (let round = 0; round < rounds; round++) {
  for (const publishing of round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
    const proxy = await ProxyProcess.start({ env: { KAFKA_TOPIC_PREFIX: prefix, PROXY_QUERY_PORT: '19942', PROXY_METRICS_PORT: '19941', BENCH_PROXY_SINK: publishing === 'on' ? 'kafka' : 'count' } });
    const generator = await LoadGenerator.open({ mode: 'proxy', origin: { host: proxy.address.host, port: proxy.address.port } });
    await generator.run({ concurrency, durationMs: 2000, seed: 99 });
    const clustersCpuUs = (): number => processCpuUs(originPid) + processCpuUs(targetPid);
    const [proxyBefore, brokerBefore, clustersBefore, machineBefore] = [await proxy.usage(), processCpuUs(brokerPid), clustersCpuUs(), machineCpuUs()];
    const result = await generator.run({ concurrency, durationMs, seed: round + 1 });
    const [proxyAfter, brokerAfter, clustersAfter, machineAfter] = [await proxy.usage(), processCpuUs(brokerPid), clustersCpuUs(), machineCpuUs()];
    results[publishing].push(result);
    const spent = cpu[publishing];
    spent.requests += result.requests;
    spent.proxyUs += proxyAfter.user + proxyAfter.system - proxyBefore.user - proxyBefore.system;
    spent.brokerUs += brokerAfter - brokerBefore;
    spent.clustersUs += clustersAfter - clustersBefore;
    spent.machineUs += machineAfter - machineBefore;
    console.log(`round ${round + 1} publishing ${publishing.padEnd(3)} ${result.throughput} req/s  p50 ${result.latency.p50Ms.toFixed(3)} ms  p99 ${result.latency.p99Ms.toFixed(3)} ms  errors ${result.errors}`);
    await generator.close();
    await proxy.stop();
  }
}

const off: LoadResult = mergeResults(results.off);
const on: LoadResult = mergeResults(results.on);
const published = (await new KafkaEventLog(config.kafka).readAll(`${prefix}cutover.mutations`)).length;
const writesWithPublishing = results.on.reduce((sum, r) => sum + r.writes, 0);
await admin.deleteTopics({ topics: [`${prefix}cutover.mutations`] });
await admin.disconnect();

const drop = 1 - on.throughput / off.throughput;
const perRequest = (c: Spent) => ({
  proxyCpuUs: round2(c.proxyUs / c.requests),
  brokerCpuUs: round2(c.brokerUs / c.requests),
  clustersCpuUs: round2(c.clustersUs / c.requests),
  machineCpuUs: round2(c.machineUs / c.requests),
  machineBusy: round2(c.machineUs / (cores * durationMs * 1000 * rounds)),
});
const cores = cpus().length;
const round2 = (n: number): number => Math.round(n * 100) / 100;
const cpuOff = perRequest(cpu.off);
const cpuOn = perRequest(cpu.on);
const summary = {
  benchmark: 'publishing',
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, totalMemoryBytes: totalmem(), platform: `${platform()} ${release()}`, node: process.version },
  parameters: { rounds, durationMs, concurrency, workload: '90% prepared INSERT / 10% SELECT by key, through the proxy in a child process, real clusters' },
  publishingOff: { throughput: off.throughput, p50Ms: off.latency.p50Ms, p99Ms: off.latency.p99Ms, errors: off.errors },
  publishingOn: { throughput: on.throughput, p50Ms: on.latency.p50Ms, p99Ms: on.latency.p99Ms, errors: on.errors, writes: writesWithPublishing, mutationEventsInKafka: published },
  throughputDrop: Math.round(drop * 1000) / 1000,
  cpuPerRequest: {
    publishingOff: cpuOff,
    publishingOn: cpuOn,
    // What one proxy core could serve if it had the core to itself.
    proxyCapacityDrop: Math.round((1 - cpuOff.proxyCpuUs / cpuOn.proxyCpuUs) * 1000) / 1000,
  },
  goal: { maxDrop: GOAL_DROP, pass: drop <= GOAL_DROP },
};
writeFileSync(new URL('../results/publishing.json', import.meta.url), `${JSON.stringify(summary, null, 2)}\n`);
console.log(`publishing off: ${off.throughput} req/s; on: ${on.throughput} req/s; drop ${(drop * 100).toFixed(1)}% (goal ≤ ${GOAL_DROP * 100}%: ${summary.goal.pass ? 'PASS' : 'FAIL'})`);
console.log(`CPU per request, off → on: proxy ${cpuOff.proxyCpuUs} → ${cpuOn.proxyCpuUs} µs; Kafka broker ${cpuOff.brokerCpuUs} → ${cpuOn.brokerCpuUs} µs; both Cassandra nodes ${cpuOff.clustersCpuUs} → ${cpuOn.clustersCpuUs} µs; the whole machine ${cpuOff.machineCpuUs} → ${cpuOn.machineCpuUs} µs (busy ${cpuOff.machineBusy * 100}% → ${cpuOn.machineBusy * 100}%)`);
console.log(`mutation events in Kafka: ${published} for ${writesWithPublishing} writes acknowledged with publishing on (warm-ups included in the events)`);
process.exitCode = summary.goal.pass ? 0 : 1;
