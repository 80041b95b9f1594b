/**
 * Benchmark of the dual-write CQL proxy (services/proxy). Goals, for every driver, protocol
 * version and compression measured:
 *   1. throughput through the proxy at least the client-side dual write's (closed loop);
 *   2. the p99 latency the proxy adds over a client that dual-writes itself is at most 1 ms;
 *   3. the proxy spends at most 10 µs of CPU per request in front of the responders; and v5 or
 *      LZ4 cost it no more over v4 without compression than their framing alone (segments,
 *      checksums, codecs: framing-cost.ts) adds, within CPU_NOISE_US.
 *
 * Two drivers: the Node cassandra-driver (load.ts: protocol v4, no compression), and the Apache
 * Cassandra Java driver 4.x (java-load.ts, java/ProxyLoad.java, one JVM per generator) in each
 * setting of BENCH_JAVA_COMBOS: v4 and v5, without compression and with LZ4. With LZ4, the proxy
 * uses LZ4 toward the clusters too (as the client-side dual write does), unless
 * BENCH_JAVA_CLUSTER_COMPRESSION or a `/none` suffix says otherwise. The Node runs are the
 * parts described below; the Java runs are the same parts with modes BENCH_JAVA_MODES
 * (client-dual-write and proxy), one setting after another against the clusters, and in front of
 * the responders all settings at once (each its own proxy process) in alternating rounds, then
 * each setting's client-side dual write straight to the responders, its framing alone, and a
 * profiled run. The summary has one row per (driver, version, compression) with the goals.
 *
 * Part 1 (clusters): the same workload (cassandra-driver, prepared statements, 90% INSERT /
 * 10% SELECT by key, random keys) against the local stack's real clusters in three modes:
 * `direct` (origin only), `client-dual-write` (the client writes to both clusters with one
 * client timestamp and reads origin: the baseline) and `proxy` (through a proxy in a child
 * process, as `cutover proxy` runs). Each mode is warmed up, then measured twice:
 *   - closed loop: BENCH_CONCURRENCY requests in flight, the next sent as one completes, for
 *     BENCH_DURATION_S per mode: throughput, latency at saturation, ratios (goal 1), and goal 2 as
 *     p99(proxy) - p99(client-dual-write) over all requests (also per round, with the median
 *     of the rounds, which one slow phase of a cluster sways less);
 *   - fixed rate: BENCH_RATE requests per second (open loop, at most BENCH_CONCURRENCY in
 *     flight) for BENCH_RATE_DURATION_S per mode: the same difference at the same offered
 *     load below saturation, where it is the proxy's own latency rather than the difference
 *     in how hard each mode drives the machine.
 * To even out the clusters' slow phases (flushes, compactions, GC, other work on the machine),
 * each mode's time is split in BENCH_ROUNDS runs in alternating order (direct, dual, proxy,
 * then proxy, dual, direct, …).
 *
 * Part 2 (CPU): the proxy, in a child process, in front of two minimal CQL responders
 * (bench/proxy/responder.ts) that answer at once, so that only the proxy works. After a
 * warm-up, BENCH_CPU_REQUESTS requests of the same workload go through it, and its
 * process.cpuUsage() (user + system) before and after, divided by the requests, is goal 3.
 * The same requests straight to the responders (direct, client-dual-write) give the latency
 * the proxy adds without a cluster's noise. Then the same at BENCH_RATE for
 * BENCH_CPU_RATE_DURATION_S: the CPU per request when requests do not arrive in batches, and
 * the latency the proxy itself adds below saturation (reported as a third reading of goal 2). With BENCH_PROFILE=1 (the default), one more proxy
 * process runs the workload under the V8 CPU profiler (started after the warm-up, so the
 * profile holds the steady state only), and the top functions by self and total time are
 * reported, at TypeScript source positions (that run is not used for the goals: profiling
 * costs CPU). The .cpuprofile is kept; open it in Chrome DevTools or speedscope.
 *
 * Results go to bench/results/proxy.json (BENCH_OUTPUT) with the machine and the date, and a
 * summary to stdout. The exit status is 0 when every goal of every row passes and no request
 * failed, 1 otherwise.
 *
 * Environment (defaults in brackets; the defaults take about 16 minutes, 3 of them the Node runs):
 *   BENCH_CONCURRENCY        requests in flight [32]
 *   BENCH_DURATION_S         closed-loop seconds per mode against the clusters, 0 to skip [20]
 *   BENCH_RATE               requests per second of the fixed-rate runs, 0 to skip them [2000]
 *   BENCH_RATE_DURATION_S    fixed-rate seconds per mode [10]
 *   BENCH_WARMUP_S           warm-up seconds per mode, not measured [3]
 *   BENCH_ROUNDS             runs each mode's measured time is split in [4]
 *   BENCH_MODES              modes to run against the clusters [direct,client-dual-write,proxy]
 *   BENCH_WRITE_RATIO        share of writes [0.9]
 *   BENCH_KEYS               keys are drawn uniformly from [0, BENCH_KEYS) [100000]
 *   BENCH_PAYLOAD_BYTES      size of the row's blob column [64]
 *   BENCH_CONNECTIONS        driver connections per host [1]
 *   BENCH_CPU_REQUESTS       measured requests through the proxy in part 2 [200000]
 *   BENCH_CPU_WARMUP         warm-up requests in part 2 [30000]
 *   BENCH_CPU_RATE_DURATION_S  seconds at BENCH_RATE in part 2, per mode, 0 to skip [5]
 *   BENCH_PROFILE            1 to add the profiled run, 0 not to [1]
 *   BENCH_PROFILE_REQUESTS   requests of the profiled run [100000]
 *   BENCH_PROFILE_INTERVAL_US  sampling interval of the profiler [200]
 *   BENCH_PROFILE_DIR        where the .cpuprofile is written [a new directory under the OS temp dir]
 *   BENCH_PROXY_SINK         count (mutations counted and dropped) | memory (kept in memory) | kafka (published, as `cutover proxy` does) [count]
 *   BENCH_PARTS              clusters,cpu or either one [clusters,cpu]
 *   BENCH_DRIVERS            node,java or either one [node,java]
 *   BENCH_JAVA_COMBOS        Java settings against the clusters [v4-none,v5-none,v4-lz4,v5-lz4]
 *   BENCH_JAVA_CPU_COMBOS    Java settings before the responders [BENCH_JAVA_COMBOS,v4-lz4/none,v5-lz4/none]
 *   BENCH_JAVA_MODES         Java modes against the clusters [client-dual-write,proxy]
 *   BENCH_JAVA_CLUSTER_COMPRESSION  the proxy toward the clusters: client (as the driver) | none | lz4 [client]
 *   BENCH_JAVA_STDERR        1 to show the JVMs' stderr (the driver's warnings) [0]
 *   BENCH_OUTPUT             result file [bench/results/proxy.json]
 * The clusters are the usual settings (ORIGIN_HOST, TARGET_HOST, … as in @cutover/config).
 *
 * The proxy runs from services/proxy/src (through tsx), but the packages it imports
 * (@cutover/cql-protocol, @cutover/config) from their dist: `npm run build` after changing them.
 * The Java generator is fetched (Maven, into $CUTOVER_HOME/m2) and compiled (Java 17) the first
 * time, under $CUTOVER_HOME/dist.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type ClusterConfig } from '@cutover/config';
import type { CqlType } from '@cutover/cql-protocol';
import { framingCost, type FramingCost } from './framing-cost.ts';
import { JAVA_DRIVER_VERSION, JavaLoadGenerator, type JavaCompression, type JavaProtocol, type JavaReady } from './java-load.ts';
import { COLUMNS, CREATE_KEYSPACE, CREATE_TABLE, KEYSPACE, LoadGenerator, MODES, TABLE, driverFor, mergeResults, withoutSamples, type Endpoint, type LoadResult, type Mode, type RunOptions, type TargetSpec } from './load.ts';
import { ProxyProcess, type ProxyUsage } from './proxy-process.ts';
import { Responder, type ResponderTable } from './responder.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

function number(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return value;
}

function list(name: string, fallback: readonly string[]): string[] {
  const raw = process.env[name];
  return raw === undefined || raw.trim() === '' ? [...fallback] : raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

const params = {
  concurrency: Math.max(1, Math.round(number('BENCH_CONCURRENCY', 32))),
  durationS: number('BENCH_DURATION_S', 20),
  warmupS: number('BENCH_WARMUP_S', 3),
  rounds: Math.max(1, Math.round(number('BENCH_ROUNDS', 4))),
  rate: number('BENCH_RATE', 2000),
  rateDurationS: number('BENCH_RATE_DURATION_S', 10),
  modes: list('BENCH_MODES', MODES) as Mode[],
  writeRatio: number('BENCH_WRITE_RATIO', 0.9),
  keys: Math.max(1, Math.round(number('BENCH_KEYS', 100_000))),
  payloadBytes: Math.round(number('BENCH_PAYLOAD_BYTES', 64)),
  connectionsPerHost: Math.max(1, Math.round(number('BENCH_CONNECTIONS', 1))),
  cpuRequests: Math.max(1, Math.round(number('BENCH_CPU_REQUESTS', 200_000))),
  cpuWarmupRequests: Math.round(number('BENCH_CPU_WARMUP', 30_000)),
  cpuRateDurationS: number('BENCH_CPU_RATE_DURATION_S', 5),
  profile: (process.env['BENCH_PROFILE'] ?? '1') !== '0',
  profileRequests: Math.max(1, Math.round(number('BENCH_PROFILE_REQUESTS', 100_000))),
  profileIntervalUs: Math.max(10, Math.round(number('BENCH_PROFILE_INTERVAL_US', 200))),
  proxySink: (['memory', 'kafka'] as const).find((s) => s === process.env['BENCH_PROXY_SINK']) ?? ('count' as const),
  parts: list('BENCH_PARTS', ['clusters', 'cpu']),
  drivers: list('BENCH_DRIVERS', ['node', 'java']),
  javaCombos: list('BENCH_JAVA_COMBOS', ['v4-none', 'v5-none', 'v4-lz4', 'v5-lz4']).map(combo),
  /** In front of the responders, also LZ4 from the driver with none from the proxy to the clusters: the client side's codec cost alone. */
  javaCpuCombos: list('BENCH_JAVA_CPU_COMBOS', [...list('BENCH_JAVA_COMBOS', ['v4-none', 'v5-none', 'v4-lz4', 'v5-lz4']), 'v4-lz4/none', 'v5-lz4/none']).map(combo),
  javaModes: list('BENCH_JAVA_MODES', ['client-dual-write', 'proxy']) as Mode[],
  javaClusterCompression: process.env['BENCH_JAVA_CLUSTER_COMPRESSION'] ?? 'client',
};
for (const mode of [...params.modes, ...params.javaModes]) if (!MODES.includes(mode)) throw new Error(`BENCH_MODES / BENCH_JAVA_MODES: unknown mode "${mode}" (have ${MODES.join(', ')})`);
if (!['client', 'none', 'lz4'].includes(params.javaClusterCompression)) throw new Error(`BENCH_JAVA_CLUSTER_COMPRESSION is client, none or lz4, got "${params.javaClusterCompression}"`);

/** One setting of the Java driver: protocol version and compression, and what the proxy uses toward the clusters then. */
interface JavaCombo {
  readonly key: string;
  readonly protocol: JavaProtocol;
  readonly compression: JavaCompression;
  /** PROXY_CLUSTER_COMPRESSION for this setting's proxy. */
  readonly clusterCompression: 'none' | 'lz4';
}

/** `v4-none`, `v5-lz4`, …: the proxy compresses toward the clusters as BENCH_JAVA_CLUSTER_COMPRESSION says; `v5-lz4/none`: as the part after the slash says. */
function combo(text: string): JavaCombo {
  const match = /^v([45])-(none|lz4)(?:\/(none|lz4))?$/.exec(text);
  if (!match) throw new Error(`BENCH_JAVA_COMBOS: "${text}" is not v4-none, v5-none, v4-lz4 or v5-lz4, optionally followed by /none or /lz4 (what the proxy uses toward the clusters)`);
  const compression = match[2] as JavaCompression;
  const chosen = match[3] ?? process.env['BENCH_JAVA_CLUSTER_COMPRESSION'] ?? 'client';
  return { key: text, protocol: Number(match[1]) as JavaProtocol, compression, clusterCompression: chosen === 'client' ? compression : (chosen as 'none' | 'lz4') };
}
const output = process.env['BENCH_OUTPUT'] ?? join(root, 'bench', 'results', 'proxy.json');

/** The issue's goals: throughput at least the client-side dual write's, p99 added at most 1 ms, proxy CPU at most 10 µs a request in front of the responders. */
const GOALS = { throughputRatio: 1, p99AddedMs: 1, cpuPerRequestUs: 10 } as const;
/** How far two CPU-per-request readings of the same work drift apart between rounds on this shared machine: the slack of the "v5 and compression cost no more than their framing" check. */
const CPU_NOISE_US = 0.5;
const config = loadConfig({ env: { ...process.env, LOG_LEVEL: 'warn' } });

const log = (line: string): void => console.log(line);
const workload = { writeRatio: params.writeRatio, keys: params.keys, payloadBytes: params.payloadBytes };

async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Settings for a proxy child on free ports of 127.0.0.1. */
async function proxyEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const queryPort = await freePort('127.0.0.1');
  let metricsPort = await freePort('127.0.0.1');
  while (metricsPort === queryPort) metricsPort = await freePort('127.0.0.1');
  return {
    PROXY_LISTEN_HOST: '127.0.0.1',
    PROXY_QUERY_PORT: String(queryPort),
    PROXY_METRICS_PORT: String(metricsPort),
    PROXY_TOPOLOGY_ADDRESSES: '',
    PROXY_TOPOLOGY_INDEX: '',
    PROXY_TLS_CERT_PATH: '',
    PROXY_TLS_KEY_PATH: '',
    PROXY_TLS_CA_PATH: '',
    BENCH_PROXY_SINK: params.proxySink,
    ...extra,
  };
}

/** The driver's endpoint for a proxy: the client's credentials are the ones the proxy passes on (PROXY_CLIENT_CREDENTIALS; origin's with `both`). */
function proxyEndpoint(proxy: ProxyProcess, credentials?: ClusterConfig): Endpoint {
  return { ...proxy.address, ...(credentials?.username === undefined ? {} : { username: credentials.username, password: credentials.password ?? '' }) };
}

function cpuDelta(before: Pick<ProxyUsage, 'user' | 'system'>, after: Pick<ProxyUsage, 'user' | 'system'>, requests: number): { userUs: number; systemUs: number; totalUs: number; perRequestUs: number; userPerRequestUs: number; systemPerRequestUs: number } {
  const user = after.user - before.user;
  const system = after.system - before.system;
  const round = (x: number): number => Math.round(x * 100) / 100;
  return { userUs: user, systemUs: system, totalUs: user + system, perRequestUs: round((user + system) / requests), userPerRequestUs: round(user / requests), systemPerRequestUs: round(system / requests) };
}

const brief = (r: LoadResult): Record<string, unknown> => {
  const copy: Record<string, unknown> = { ...r };
  delete copy['mode'];
  delete copy['concurrency'];
  return copy;
};

const ratio = (a: number, b: number): number => (b === 0 ? 0 : Math.round((a / b) * 1000) / 1000);
const ms = (x: number): string => `${x.toFixed(3)} ms`;
const pad = (s: string, n: number): string => s.padEnd(n);

function row(name: string, r: LoadResult): string {
  return `  ${pad(name, 20)} ${String(r.throughput).padStart(7)} req/s  p50 ${ms(r.latency.p50Ms).padStart(10)}  p99 ${ms(r.latency.p99Ms).padStart(10)}  max ${ms(r.latency.maxMs).padStart(11)}  writes p99 ${ms(r.writeLatency.p99Ms).padStart(10)}  reads p99 ${ms(r.readLatency.p99Ms).padStart(10)}  errors ${r.errors}`;
}

// ── part 1: the real clusters ─────────────────────────────────────────────────────────────────

async function ensureSchema(): Promise<Record<'origin' | 'target', string>> {
  const versions = { origin: '?', target: '?' };
  for (const name of ['origin', 'target'] as const) {
    const client = driverFor(config[name]);
    try {
      await client.execute(CREATE_KEYSPACE);
      await client.execute(CREATE_TABLE);
      const local = await client.execute('SELECT release_version FROM system.local');
      versions[name] = String(local.first()?.get('release_version') ?? '?');
    } finally {
      await client.shutdown();
    }
  }
  return versions;
}

type Run = Awaited<ReturnType<LoadGenerator['run']>>;

/** A load generator of either driver: load.ts's (Node) or java-load.ts's (a JVM). */
interface Generator {
  run(options: RunOptions): Promise<Run>;
  close(): Promise<void>;
  /** Java: what its connections negotiated. */
  readonly ready?: JavaReady;
}

/** How one driver setting is run against the clusters: its modes, its generators, its proxy's settings. */
interface DriverSetting {
  readonly label: string;
  readonly modes: readonly Mode[];
  open(spec: TargetSpec): Promise<Generator>;
  readonly proxyEnv?: Record<string, string>;
}

const NODE: DriverSetting = { label: 'node', modes: params.modes, open: (spec) => LoadGenerator.open(spec) };

function javaSetting(c: JavaCombo): DriverSetting {
  return {
    label: `java ${c.key}`,
    modes: params.javaModes,
    open: (spec) => JavaLoadGenerator.open({ ...spec, protocol: c.protocol, compression: c.compression }),
    proxyEnv: { PROXY_CLUSTER_COMPRESSION: c.clusterCompression },
  };
}

interface Comparison {
  readonly modes: Partial<Record<Mode, LoadResult>>;
  readonly ratios: Record<string, { throughput: number; p50: number; p99: number }>;
  readonly proxyAddedOverClientDualWrite?: {
    p50Ms: number;
    p99Ms: number;
    writesP99Ms: number;
    readsP99Ms: number;
    /** p99(proxy) - p99(client-dual-write) in each round (runs next to each other in time), and their median: less swayed by one slow phase of a cluster. */
    p99MsPerRound: number[];
    p99MsMedianOfRounds: number;
  };
  /** The proxy's CPU over the proxy runs (against the clusters). */
  readonly proxyCpu?: ReturnType<typeof cpuDelta> & { requests: number };
  /** The proxy process during its runs: event loop delay p99 of each run and the worst, GC pauses. */
  readonly proxyProcess?: { eventLoopDelayP99Ms: number[]; eventLoopDelayMaxMs: number; gcPauses: number; gcTotalMs: number; gcMaxMs: number };
}

/**
 * Every mode for `durationS` seconds in all, split in `rounds` runs of alternating order, so
 * that slow phases of the clusters fall on every mode alike; with `rate`, at that fixed rate.
 */
async function compare(generators: ReadonlyMap<Mode, Generator>, modes: readonly Mode[], proxy: ProxyProcess | undefined, durationS: number, rate: number | undefined, label: string): Promise<Comparison> {
  const runs = new Map<Mode, Run[]>();
  let cpu = { user: 0, system: 0, requests: 0 };
  const health = { eventLoopDelayP99Ms: [] as number[], eventLoopDelayMaxMs: 0, gcPauses: 0, gcTotalMs: 0, gcMaxMs: 0 };
  const durationMs = (durationS * 1000) / params.rounds;
  for (let round = 0; round < params.rounds; round++) {
    const order = round % 2 === 0 ? modes : [...modes].reverse();
    for (const mode of order) {
      const before = mode === 'proxy' ? await proxy!.usage() : undefined;
      const result = await generators.get(mode)!.run({ ...workload, concurrency: params.concurrency, durationMs, seed: round + 1, ...(rate === undefined ? {} : { rate }) });
      if (before) {
        const after = await proxy!.usage();
        cpu = { user: cpu.user + after.user - before.user, system: cpu.system + after.system - before.system, requests: cpu.requests + result.requests + result.errors };
        health.eventLoopDelayP99Ms.push(after.eventLoopDelayMs.p99);
        health.eventLoopDelayMaxMs = Math.max(health.eventLoopDelayMaxMs, after.eventLoopDelayMs.max);
        health.gcPauses += after.gc.count;
        health.gcTotalMs = round3(health.gcTotalMs + after.gc.totalMs);
        health.gcMaxMs = Math.max(health.gcMaxMs, after.gc.maxMs);
      }
      runs.set(mode, [...(runs.get(mode) ?? []), result]);
      log(`  ${label} ${round + 1}/${params.rounds} ${row(mode, result).trimStart()}`);
    }
  }
  const merged = Object.fromEntries([...runs].map(([mode, results]) => [mode, mergeResults(results)])) as Partial<Record<Mode, LoadResult>>;
  const { direct, proxy: viaProxy } = merged;
  const dual = merged['client-dual-write'];
  const proxyRuns = runs.get('proxy') ?? [];
  const dualRuns = runs.get('client-dual-write') ?? [];
  const perRound = proxyRuns.flatMap((r, i) => (dualRuns[i] ? [round3(r.latency.p99Ms - dualRuns[i].latency.p99Ms)] : []));
  const vs = (a: LoadResult, b: LoadResult): { throughput: number; p50: number; p99: number } => ({
    throughput: ratio(a.throughput, b.throughput),
    p50: ratio(a.latency.p50Ms, b.latency.p50Ms),
    p99: ratio(a.latency.p99Ms, b.latency.p99Ms),
  });
  return {
    modes: merged,
    ratios: { ...(viaProxy && direct ? { proxyVsDirect: vs(viaProxy, direct) } : {}), ...(viaProxy && dual ? { proxyVsClientDualWrite: vs(viaProxy, dual) } : {}) },
    ...(viaProxy && dual
      ? {
          proxyAddedOverClientDualWrite: {
            p50Ms: round3(viaProxy.latency.p50Ms - dual.latency.p50Ms),
            p99Ms: round3(viaProxy.latency.p99Ms - dual.latency.p99Ms),
            writesP99Ms: round3(viaProxy.writeLatency.p99Ms - dual.writeLatency.p99Ms),
            readsP99Ms: round3(viaProxy.readLatency.p99Ms - dual.readLatency.p99Ms),
            p99MsPerRound: perRound,
            p99MsMedianOfRounds: median(perRound),
          },
        }
      : {}),
    ...(cpu.requests > 0 ? { proxyCpu: { requests: cpu.requests, ...cpuDelta({ user: 0, system: 0 }, cpu, cpu.requests) }, proxyProcess: health } : {}),
  };
}

const report = (c: Comparison): Omit<Comparison, 'modes'> & { modes: Record<string, unknown> } => ({ ...c, modes: Object.fromEntries(Object.entries(c.modes).map(([mode, r]) => [mode, brief(r)])) });

interface ClustersResult {
  readonly clusters: Record<'origin' | 'target', string>;
  /** Java: what each mode's connections negotiated (protocol version, compression). */
  readonly negotiated?: Partial<Record<Mode, JavaReady>>;
  readonly closedLoop?: Comparison;
  readonly fixedRate?: Comparison;
  readonly proxyProcessAtEnd?: { rssBytes: number; heapUsedBytes: number; mutationsRecorded: number };
}

/** The result as written: without each mode's mode and concurrency, which the keys and parameters say. */
function clustersReport(r: ClustersResult): Record<string, unknown> {
  return {
    clusters: r.clusters,
    ...(r.negotiated ? { negotiated: r.negotiated } : {}),
    ...(r.closedLoop ? { closedLoop: { concurrency: params.concurrency, durationSPerMode: params.durationS, ...report(r.closedLoop) } } : {}),
    ...(r.fixedRate ? { fixedRate: { rate: params.rate, maxInFlight: params.concurrency, durationSPerMode: params.rateDurationS, ...report(r.fixedRate) } } : {}),
    ...(r.proxyProcessAtEnd ? { proxyProcessAtEnd: r.proxyProcessAtEnd } : {}),
  };
}

async function clustersPart(driver: DriverSetting, versions: Record<'origin' | 'target', string>): Promise<ClustersResult> {
  log(`part 1 (${driver.label}): ${driver.modes.join(', ')} against origin ${config.origin.host}:${config.origin.port} and target ${config.target.host}:${config.target.port}`);
  const proxy = driver.modes.includes('proxy') ? await ProxyProcess.start({ env: await proxyEnv(driver.proxyEnv) }) : undefined;
  const generators = new Map<Mode, Generator>();
  const negotiated: Partial<Record<Mode, JavaReady>> = {};
  try {
    for (const mode of driver.modes) {
      const spec: TargetSpec =
        mode === 'proxy'
          ? { mode, origin: proxyEndpoint(proxy!, config[config.proxy.clientCredentials === 'both' ? 'origin' : config.proxy.clientCredentials]), connectionsPerHost: params.connectionsPerHost }
          : { mode, origin: config.origin, target: config.target, connectionsPerHost: params.connectionsPerHost };
      const generator = await driver.open(spec);
      generators.set(mode, generator);
      if (generator.ready) negotiated[mode] = generator.ready;
      if (params.warmupS > 0) {
        const warm = await generator.run({ ...workload, concurrency: params.concurrency, durationMs: params.warmupS * 1000, seed: 99 });
        log(`  warm-up ${pad(mode, 18)} ${warm.throughput} req/s, ${warm.errors} errors`);
      }
    }
    const closedLoop = params.durationS > 0 ? await compare(generators, driver.modes, proxy, params.durationS, undefined, `${driver.label}, concurrency ${params.concurrency}`) : undefined;
    const fixedRate = params.rate > 0 && params.rateDurationS > 0 ? await compare(generators, driver.modes, proxy, params.rateDurationS, params.rate, `${driver.label}, ${params.rate} req/s`) : undefined;
    const usage = proxy ? await proxy.usage() : undefined;
    return {
      clusters: { origin: `${config.origin.host}:${config.origin.port} (Cassandra ${versions.origin})`, target: `${config.target.host}:${config.target.port} (Cassandra ${versions.target})` },
      ...(Object.keys(negotiated).length > 0 ? { negotiated } : {}),
      ...(closedLoop ? { closedLoop } : {}),
      ...(fixedRate ? { fixedRate } : {}),
      ...(usage ? { proxyProcessAtEnd: { rssBytes: usage.rssBytes, heapUsedBytes: usage.heapUsedBytes, mutationsRecorded: usage.mutations } } : {}),
    };
  } finally {
    for (const generator of generators.values()) await generator.close();
    await proxy?.stop();
  }
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? 0 : sorted.length % 2 === 1 ? sorted[mid]! : round3((sorted[mid - 1]! + sorted[mid]!) / 2);
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

// ── part 2: the proxy's CPU, in front of two responders ───────────────────────────────────────

const responderTable: ResponderTable = {
  keyspace: KEYSPACE,
  name: TABLE,
  partitionKey: ['id'],
  columns: COLUMNS.map((c) => {
    const types: Record<string, { type: CqlType; sample: unknown }> = {
      int: { type: { kind: 'primitive', name: 'int' }, sample: 42 },
      text: { type: { kind: 'primitive', name: 'varchar' }, sample: 'name-42' },
      blob: { type: { kind: 'primitive', name: 'blob' }, sample: Buffer.alloc(params.payloadBytes, 7) },
      timestamp: { type: { kind: 'primitive', name: 'timestamp' }, sample: new Date(1_700_000_000_000) },
    };
    return { name: c.name, ...types[c.cql]! };
  }),
};

/** Proxy settings pointing at the responders, with any cluster credentials or TLS of the environment cleared. */
function responderEnv(origin: Responder, target: Responder): Record<string, string> {
  const cleared = Object.fromEntries(
    ['ORIGIN', 'TARGET', 'SOURCE', 'ASTRA'].flatMap((p) => ['USERNAME', 'PASSWORD', 'TLS_CA_PATH', 'TLS_CERT_PATH', 'TLS_KEY_PATH', 'HOSTNAME'].map((s) => [`${p}_${s}`, ''])),
  );
  return { ...cleared, CUTOVER_CONFIG: '', ORIGIN_HOST: origin.address.host, ORIGIN_PORT: String(origin.address.port), TARGET_HOST: target.address.host, TARGET_PORT: String(target.address.port) };
}

interface ProfileSummary {
  readonly file: string;
  /** The profiler's own cost included: higher than the measured CPU per request. */
  readonly cpuPerRequestUsWhileProfiling?: number;
  readonly requests: number;
  readonly sampledMs: number;
  readonly idleMs: number;
  readonly topSelf: readonly { readonly fn: string; readonly selfMs: number; readonly selfPctOfBusy: number }[];
  readonly topInclusive: readonly { readonly fn: string; readonly totalMs: number; readonly pctOfBusy: number }[];
  /** The same, for the repository's own functions only (services/, packages/). */
  readonly topInclusiveInRepo: readonly { readonly fn: string; readonly totalMs: number; readonly pctOfBusy: number }[];
  readonly byFile: readonly { readonly file: string; readonly selfMs: number; readonly selfPctOfBusy: number }[];
}

interface CpuProfile {
  readonly nodes: readonly { readonly id: number; readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }; readonly children?: readonly number[] }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self and inclusive time per function of a .cpuprofile, and self time per source file. */
function summarizeProfile(file: string, requests: number, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const where = (url: string): string => {
    if (url === '') return '';
    const path = url.startsWith('file://') ? fileURLToPath(url) : url;
    const inRepo = relative(root, path);
    return inRepo.startsWith('..') ? path : inRepo;
  };
  const keyOf = (id: number): string => {
    const frame = byId.get(id)!.callFrame;
    const file = where(frame.url);
    return file === '' ? frame.functionName || '(anonymous)' : `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    const delta = (profile.timeDeltas[i] ?? 0) / 1000;
    total += delta;
    const key = keyOf(id);
    if (key === '(idle)') {
      idle += delta;
      continue;
    }
    self.set(key, (self.get(key) ?? 0) + delta);
    const frame = byId.get(id)!.callFrame;
    const file = where(frame.url) || frame.functionName;
    files.set(file, (files.get(file) ?? 0) + delta);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const k = keyOf(at);
      if (k === '(root)' || seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + delta);
    }
  }
  const busy = total - idle;
  const pct = (x: number): number => Math.round((x / busy) * 1000) / 10;
  const sorted = (m: Map<string, number>): [string, number][] => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    file,
    requests,
    sampledMs: Math.round(total),
    idleMs: Math.round(idle),
    topSelf: sorted(self).map(([fn, t]) => ({ fn, selfMs: Math.round(t), selfPctOfBusy: pct(t) })),
    topInclusive: sorted(inclusive).map(([fn, t]) => ({ fn, totalMs: Math.round(t), pctOfBusy: pct(t) })),
    topInclusiveInRepo: sorted(new Map([...inclusive].filter(([fn]) => / (services|packages)\//.test(fn)))).map(([fn, t]) => ({ fn, totalMs: Math.round(t), pctOfBusy: pct(t) })),
    byFile: sorted(files).map(([f, t]) => ({ file: f, selfMs: Math.round(t), selfPctOfBusy: pct(t) })),
  };
}

/**
 * One more proxy, in front of the responders, run under the V8 CPU profiler after a warm-up (the
 * profile holds the steady state only); the .cpuprofile is kept and summarized.
 */
async function profiledRun(env: Record<string, string>, open: (address: { host: string; port: number }) => Promise<Generator>, label: string): Promise<ProfileSummary> {
  const dir = process.env['BENCH_PROFILE_DIR'] ?? mkdtempSync(join(os.tmpdir(), 'bench-proxy-prof-'));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `proxy-${label.replace(/[^\w-]+/g, '-')}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
  const profiled = await ProxyProcess.start({ env: await proxyEnv(env), nodeOptions: ['--enable-source-maps'] });
  try {
    const generator = await open(profiled.address);
    try {
      if (params.cpuWarmupRequests > 0) await generator.run({ ...workload, concurrency: params.concurrency, requests: params.cpuWarmupRequests, seed: 99 });
      await profiled.startProfile(params.profileIntervalUs);
      const before = await profiled.usage();
      const run = await generator.run({ ...workload, concurrency: params.concurrency, requests: params.profileRequests, seed: 1 });
      const after = await profiled.usage();
      await profiled.stopProfile(file);
      return { ...summarizeProfile(file, run.requests), cpuPerRequestUsWhileProfiling: cpuDelta(before, after, run.requests).perRequestUs };
    } finally {
      await generator.close();
    }
  } finally {
    await profiled.stop();
  }
}

interface CpuResult {
  readonly requests: number;
  readonly warmupRequests: number;
  readonly proxy: LoadResult;
  readonly cpu: ReturnType<typeof cpuDelta>;
  readonly memory: { rssBytesBefore: number; rssBytesAfter: number; mutationsRecorded: number };
  readonly forwardedExecutes: { origin: number; target: number };
  /** Frames the proxy's writes brought per socket read on each responder: 1 means one write (syscall) per request. */
  readonly framesPerResponderRead: { origin: number; target: number };
  /** The proxy process during the closed-loop run. */
  readonly proxyProcess: Pick<ProxyUsage, 'eventLoopDelayMs' | 'gc'>;
  readonly baselines: Partial<Record<Mode, LoadResult & { framesPerOriginRead: number }>>;
  readonly proxyAddedOverClientDualWrite?: { p50Ms: number; p99Ms: number };
  /** The same at BENCH_RATE, below saturation: the proxy's CPU when requests do not arrive in batches. */
  readonly fixedRate: {
    readonly rate: number;
    readonly requests: number;
    readonly proxy?: LoadResult & { cpu: ReturnType<typeof cpuDelta>; framesPerOriginRead: number } & Pick<ProxyUsage, 'eventLoopDelayMs' | 'gc'>;
    readonly baselines: Partial<Record<Mode, LoadResult>>;
    readonly proxyAddedOverClientDualWrite?: { p50Ms: number; p99Ms: number };
  };
  readonly profile?: ProfileSummary;
}

async function cpuPart(): Promise<CpuResult> {
  log(`part 2: proxy CPU per request, in front of two responders`);
  const origin = await Responder.start({ host: '127.0.0.1', tables: [responderTable], clusterName: 'responder-origin' });
  const target = await Responder.start({ host: '127.0.0.1', tables: [responderTable], clusterName: 'responder-target' });
  const env = responderEnv(origin, target);
  const rateRequests = Math.round(params.rate * params.cpuRateDurationS);
  const batching = (now: { reads: number; frames: number }, then: { reads: number; frames: number }): number => round3((now.frames - then.frames) / Math.max(1, now.reads - then.reads));
  try {
    // The proxy's CPU: closed loop (as fast as it goes), then at the fixed rate.
    const proxy = await ProxyProcess.start({ env: await proxyEnv(env) });
    let measured: Run;
    let cpu: ReturnType<typeof cpuDelta>;
    let memory: CpuResult['memory'];
    let forwarded: CpuResult['forwardedExecutes'];
    let framesPerRead: CpuResult['framesPerResponderRead'];
    let proxyProcess: CpuResult['proxyProcess'];
    let atRate: CpuResult['fixedRate']['proxy'] | undefined;
    try {
      const generator = await LoadGenerator.open({ mode: 'proxy', origin: proxy.address, connectionsPerHost: params.connectionsPerHost });
      try {
        if (params.cpuWarmupRequests > 0) await generator.run({ ...workload, concurrency: params.concurrency, requests: params.cpuWarmupRequests, seed: 99 });
        const executes = { origin: origin.counts.execute, target: target.counts.execute };
        const io = { origin: { ...origin.io }, target: { ...target.io } };
        const before = await proxy.usage();
        measured = await generator.run({ ...workload, concurrency: params.concurrency, requests: params.cpuRequests, seed: 1 });
        const after = await proxy.usage();
        cpu = cpuDelta(before, after, measured.requests + measured.errors);
        memory = { rssBytesBefore: before.rssBytes, rssBytesAfter: after.rssBytes, mutationsRecorded: after.mutations };
        forwarded = { origin: origin.counts.execute - executes.origin, target: target.counts.execute - executes.target };
        framesPerRead = { origin: batching(origin.io, io.origin), target: batching(target.io, io.target) };
        proxyProcess = { eventLoopDelayMs: after.eventLoopDelayMs, gc: after.gc };
        if (rateRequests > 0) {
          const io = { ...origin.io };
          const before = await proxy.usage();
          const run = await generator.run({ ...workload, concurrency: params.concurrency, requests: rateRequests, rate: params.rate, seed: 2 });
          const after = await proxy.usage();
          atRate = { ...withoutSamples(run), cpu: cpuDelta(before, after, run.requests + run.errors), framesPerOriginRead: batching(origin.io, io), eventLoopDelayMs: after.eventLoopDelayMs, gc: after.gc };
        }
      } finally {
        await generator.close();
      }
    } finally {
      await proxy.stop();
    }
    log(`  ${row('proxy', measured).trimStart()}`);
    log(`  proxy CPU ${cpu.perRequestUs} µs/request (user ${cpu.userPerRequestUs}, system ${cpu.systemPerRequestUs}); responders got ${forwarded.origin} (origin) and ${forwarded.target} (target) EXECUTEs, ${framesPerRead.origin} and ${framesPerRead.target} frames per socket read`);
    if (atRate) log(`  at ${params.rate} req/s: ${row('proxy', atRate).trimStart()}; proxy CPU ${atRate.cpu.perRequestUs} µs/request`);

    // The same requests without the proxy, for the latency it adds with nothing slow behind it.
    const baselines: CpuResult['baselines'] = {};
    const baselinesAtRate: CpuResult['fixedRate']['baselines'] = {};
    for (const mode of ['direct', 'client-dual-write'] as const) {
      const generator = await LoadGenerator.open({ mode, origin: origin.address, target: target.address, connectionsPerHost: params.connectionsPerHost });
      try {
        if (params.cpuWarmupRequests > 0) await generator.run({ ...workload, concurrency: params.concurrency, requests: params.cpuWarmupRequests, seed: 99 });
        const io = { ...origin.io };
        const result = await generator.run({ ...workload, concurrency: params.concurrency, requests: params.cpuRequests, seed: 1 });
        const framesPerOriginRead = batching(origin.io, io);
        baselines[mode] = { ...withoutSamples(result), framesPerOriginRead };
        log(`  ${row(mode, result).trimStart()}  (the driver's writes: ${framesPerOriginRead} frames per responder read)`);
        if (rateRequests > 0) {
          const run = await generator.run({ ...workload, concurrency: params.concurrency, requests: rateRequests, rate: params.rate, seed: 2 });
          baselinesAtRate[mode] = withoutSamples(run);
          log(`  at ${params.rate} req/s: ${row(mode, run).trimStart()}`);
        }
      } finally {
        await generator.close();
      }
    }
    const dualAtRate = baselinesAtRate['client-dual-write'];

    const profile = params.profile ? await profiledRun(env, (address) => LoadGenerator.open({ mode: 'proxy', origin: address, connectionsPerHost: params.connectionsPerHost }), 'node') : undefined;

    const proxyResult = withoutSamples(measured);
    return {
      requests: params.cpuRequests,
      warmupRequests: params.cpuWarmupRequests,
      proxy: proxyResult,
      cpu,
      memory,
      forwardedExecutes: forwarded,
      framesPerResponderRead: framesPerRead,
      proxyProcess,
      baselines,
      fixedRate: {
        rate: params.rate,
        requests: rateRequests,
        ...(atRate ? { proxy: atRate } : {}),
        baselines: baselinesAtRate,
        ...(atRate && dualAtRate
          ? { proxyAddedOverClientDualWrite: { p50Ms: round3(atRate.latency.p50Ms - dualAtRate.latency.p50Ms), p99Ms: round3(atRate.latency.p99Ms - dualAtRate.latency.p99Ms) } }
          : {}),
      },
      ...(baselines['client-dual-write']
        ? { proxyAddedOverClientDualWrite: { p50Ms: round3(measured.latency.p50Ms - baselines['client-dual-write'].latency.p50Ms), p99Ms: round3(measured.latency.p99Ms - baselines['client-dual-write'].latency.p99Ms) } }
        : {}),
      ...(profile ? { profile } : {}),
    };
  } finally {
    await origin.stop();
    await target.stop();
  }
}

// ── part 2 with the Java driver: each setting's proxy in front of the responders ─────────────────

interface JavaCpuResult {
  readonly protocolVersion: JavaProtocol;
  readonly compression: JavaCompression;
  /** PROXY_CLUSTER_COMPRESSION of this setting's proxy. */
  readonly proxyToClusters: 'none' | 'lz4';
  /** What the driver's connections to the proxy negotiated. */
  readonly negotiated: JavaReady;
  readonly requests: number;
  readonly warmupRequests: number;
  /** Every round's runs merged. */
  readonly proxy: LoadResult;
  readonly cpu: ReturnType<typeof cpuDelta>;
  /** CPU per request of each round (the settings run in alternating order, round after round). */
  readonly cpuPerRequestUsPerRound: readonly number[];
  readonly framesPerResponderRead: { origin: number; target: number };
  readonly proxyProcess: { eventLoopDelayP99Ms: number[]; gcPauses: number; gcTotalMs: number; gcMaxMs: number };
  readonly baselines: Partial<Record<Mode, LoadResult & { framesPerOriginRead: number }>>;
  readonly proxyAddedOverClientDualWrite?: { p50Ms: number; p99Ms: number };
  readonly fixedRate: CpuResult['fixedRate'];
  /** The framing alone (framing-cost.ts), measured in the benchmark's process. */
  readonly framing: FramingCost;
  readonly profile?: ProfileSummary;
}

interface Lane {
  readonly combo: JavaCombo;
  readonly proxy: ProxyProcess;
  generator?: JavaLoadGenerator;
  readonly runs: Run[];
  cpu: { user: number; system: number; requests: number };
  readonly perRound: number[];
  readonly io: { origin: { reads: number; frames: number }; target: { reads: number; frames: number } };
  readonly health: { eventLoopDelayP99Ms: number[]; gcPauses: number; gcTotalMs: number; gcMaxMs: number };
  atRate?: NonNullable<CpuResult['fixedRate']['proxy']>;
}

/**
 * Every Java setting's proxy (each its own process, PROXY_CLUSTER_COMPRESSION as the setting
 * says) in front of the same two responders, BENCH_CPU_REQUESTS each, split in BENCH_ROUNDS runs
 * in alternating order of the settings, so that the machine's slow phases fall on all of them
 * alike; then each at BENCH_RATE; then each setting's client-side dual write straight to the
 * responders, the framing alone, and a profiled run.
 */
async function javaCpuPart(combos: readonly JavaCombo[]): Promise<Record<string, JavaCpuResult>> {
  log(`part 2 (java): proxy CPU per request in front of two responders, ${combos.map((c) => c.key).join(', ')} in ${params.rounds} alternating rounds`);
  const origin = await Responder.start({ host: '127.0.0.1', tables: [responderTable], clusterName: 'responder-origin' });
  const target = await Responder.start({ host: '127.0.0.1', tables: [responderTable], clusterName: 'responder-target' });
  const env = responderEnv(origin, target);
  const rateRequests = Math.round(params.rate * params.cpuRateDurationS);
  const reads = (r: Responder): { reads: number; frames: number } => ({ reads: r.io.reads, frames: r.io.frames });
  const results: Record<string, JavaCpuResult> = {};
  try {
    const lanes: Lane[] = [];
    try {
      for (const c of combos) {
        const proxy = await ProxyProcess.start({ env: await proxyEnv({ ...env, PROXY_CLUSTER_COMPRESSION: c.clusterCompression }) });
        const lane: Lane = {
          combo: c,
          proxy,
          runs: [],
          cpu: { user: 0, system: 0, requests: 0 },
          perRound: [],
          io: { origin: { reads: 0, frames: 0 }, target: { reads: 0, frames: 0 } },
          health: { eventLoopDelayP99Ms: [], gcPauses: 0, gcTotalMs: 0, gcMaxMs: 0 },
        };
        lanes.push(lane);
        lane.generator = await JavaLoadGenerator.open({ mode: 'proxy', origin: proxy.address, protocol: c.protocol, compression: c.compression, connectionsPerHost: params.connectionsPerHost });
        if (params.cpuWarmupRequests > 0) await lane.generator.run({ ...workload, concurrency: params.concurrency, requests: params.cpuWarmupRequests, seed: 99 });
        log(`  java ${c.key}: driver negotiated v${lane.generator.ready.protocolVersion}, compression ${lane.generator.ready.compression}; proxy to responders: ${c.clusterCompression}`);
      }
      const perRound = Math.max(1, Math.ceil(params.cpuRequests / params.rounds));
      for (let round = 0; round < params.rounds; round++) {
        for (const lane of round % 2 === 0 ? lanes : [...lanes].reverse()) {
          const io = { origin: reads(origin), target: reads(target) };
          const before = await lane.proxy.usage();
          const run = await lane.generator!.run({ ...workload, concurrency: params.concurrency, requests: perRound, seed: round + 1 });
          const after = await lane.proxy.usage();
          const n = run.requests + run.errors;
          lane.cpu = { user: lane.cpu.user + after.user - before.user, system: lane.cpu.system + after.system - before.system, requests: lane.cpu.requests + n };
          const used = cpuDelta(before, after, n);
          lane.perRound.push(used.perRequestUs);
          for (const [name, r] of [['origin', origin], ['target', target]] as const) {
            lane.io[name].reads += r.io.reads - io[name].reads;
            lane.io[name].frames += r.io.frames - io[name].frames;
          }
          lane.health.eventLoopDelayP99Ms.push(after.eventLoopDelayMs.p99);
          lane.health.gcPauses += after.gc.count;
          lane.health.gcTotalMs = round3(lane.health.gcTotalMs + after.gc.totalMs);
          lane.health.gcMaxMs = Math.max(lane.health.gcMaxMs, after.gc.maxMs);
          lane.runs.push(run);
          log(`  round ${round + 1}/${params.rounds} java ${pad(lane.combo.key, 8)} ${row('proxy', run).trimStart()}; proxy CPU ${used.perRequestUs} µs/request`);
        }
      }
      if (rateRequests > 0) {
        for (const lane of lanes) {
          const io = reads(origin);
          const before = await lane.proxy.usage();
          const run = await lane.generator!.run({ ...workload, concurrency: params.concurrency, requests: rateRequests, rate: params.rate, seed: 2 });
          const after = await lane.proxy.usage();
          lane.atRate = { ...withoutSamples(run), cpu: cpuDelta(before, after, run.requests + run.errors), framesPerOriginRead: round3((origin.io.frames - io.frames) / Math.max(1, origin.io.reads - io.reads)), eventLoopDelayMs: after.eventLoopDelayMs, gc: after.gc };
          log(`  java ${pad(lane.combo.key, 8)} at ${params.rate} req/s: ${row('proxy', run).trimStart()}; proxy CPU ${lane.atRate.cpu.perRequestUs} µs/request`);
        }
      }
    } finally {
      for (const lane of lanes) {
        await lane.generator?.close();
        await lane.proxy.stop();
      }
    }

    for (const lane of lanes) {
      const c = lane.combo;
      // The same requests from the client writing to both responders itself, in the same setting.
      const baselines: JavaCpuResult['baselines'] = {};
      const baselinesAtRate: CpuResult['fixedRate']['baselines'] = {};
      const generator = await JavaLoadGenerator.open({ mode: 'client-dual-write', origin: origin.address, target: target.address, protocol: c.protocol, compression: c.compression, connectionsPerHost: params.connectionsPerHost });
      try {
        if (params.cpuWarmupRequests > 0) await generator.run({ ...workload, concurrency: params.concurrency, requests: params.cpuWarmupRequests, seed: 99 });
        const io = reads(origin);
        const result = await generator.run({ ...workload, concurrency: params.concurrency, requests: params.cpuRequests, seed: 1 });
        baselines['client-dual-write'] = { ...withoutSamples(result), framesPerOriginRead: round3((origin.io.frames - io.frames) / Math.max(1, origin.io.reads - io.reads)) };
        log(`  java ${pad(c.key, 8)} ${row('client-dual-write', result).trimStart()}`);
        if (rateRequests > 0) {
          const run = await generator.run({ ...workload, concurrency: params.concurrency, requests: rateRequests, rate: params.rate, seed: 2 });
          baselinesAtRate['client-dual-write'] = withoutSamples(run);
          log(`  java ${pad(c.key, 8)} at ${params.rate} req/s: ${row('client-dual-write', run).trimStart()}`);
        }
      } finally {
        await generator.close();
      }
      const framing = framingCost({ version: c.protocol, clientCompression: c.compression, clusterCompression: c.clusterCompression }, { writeRatio: params.writeRatio, payloadBytes: params.payloadBytes });
      log(`  java ${pad(c.key, 8)} the framing alone: ${framing.perRequestUs} µs/request`);
      const profile = params.profile
        ? await profiledRun({ ...env, PROXY_CLUSTER_COMPRESSION: c.clusterCompression }, (address) => JavaLoadGenerator.open({ mode: 'proxy', origin: address, protocol: c.protocol, compression: c.compression, connectionsPerHost: params.connectionsPerHost }), `java-${c.key}`)
        : undefined;
      const measured = mergeResults(lane.runs);
      const dual = baselines['client-dual-write'];
      const dualAtRate = baselinesAtRate['client-dual-write'];
      const atRate = lane.atRate;
      results[c.key] = {
        protocolVersion: c.protocol,
        compression: c.compression,
        proxyToClusters: c.clusterCompression,
        negotiated: lane.generator!.ready,
        requests: lane.cpu.requests,
        warmupRequests: params.cpuWarmupRequests,
        proxy: measured,
        cpu: cpuDelta({ user: 0, system: 0 }, lane.cpu, lane.cpu.requests),
        cpuPerRequestUsPerRound: lane.perRound,
        framesPerResponderRead: { origin: round3(lane.io.origin.frames / Math.max(1, lane.io.origin.reads)), target: round3(lane.io.target.frames / Math.max(1, lane.io.target.reads)) },
        proxyProcess: lane.health,
        baselines,
        ...(dual ? { proxyAddedOverClientDualWrite: { p50Ms: round3(measured.latency.p50Ms - dual.latency.p50Ms), p99Ms: round3(measured.latency.p99Ms - dual.latency.p99Ms) } } : {}),
        fixedRate: {
          rate: params.rate,
          requests: rateRequests,
          ...(atRate ? { proxy: atRate } : {}),
          baselines: baselinesAtRate,
          ...(atRate && dualAtRate ? { proxyAddedOverClientDualWrite: { p50Ms: round3(atRate.latency.p50Ms - dualAtRate.latency.p50Ms), p99Ms: round3(atRate.latency.p99Ms - dualAtRate.latency.p99Ms) } } : {}),
        },
        framing,
        ...(profile ? { profile } : {}),
      };
    }
  } finally {
    await origin.stop();
    await target.stop();
  }
  return results;
}

// ── the run ───────────────────────────────────────────────────────────────────────────────────

const cpus = os.cpus();
const machine = {
  cpu: cpus[0]?.model ?? 'unknown',
  cores: cpus.length,
  totalMemoryBytes: os.totalmem(),
  platform: `${os.platform()} ${os.release()}`,
  node: process.version,
  loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
};
const started = new Date();
log(
  `proxy benchmark: ${Math.round(params.writeRatio * 100)}% writes, keys in [0, ${params.keys}), concurrency ${params.concurrency}; per mode ${params.warmupS} s of warm-up, ${params.durationS} s closed loop and ${params.rateDurationS} s at ${params.rate} req/s, each in ${params.rounds} rounds; ${params.cpuRequests} requests for the CPU`,
);
log(`machine: ${machine.cpu}, ${machine.cores} cores, ${(machine.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB, ${machine.platform}, node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`);

const withNode = params.drivers.includes('node');
const javaCombos = params.drivers.includes('java') && params.parts.includes('clusters') ? params.javaCombos : [];
const javaCpuCombos = params.drivers.includes('java') && params.parts.includes('cpu') ? params.javaCpuCombos : [];
const javaKeys = [...new Set([...javaCombos, ...javaCpuCombos].map((c) => c.key))];
const javaByKey = new Map([...javaCombos, ...javaCpuCombos].map((c) => [c.key, c]));
const versions = params.parts.includes('clusters') ? await ensureSchema() : undefined;
const clusters = versions && withNode ? await clustersPart(NODE, versions) : undefined;
const cpuResult = params.parts.includes('cpu') && withNode ? await cpuPart() : undefined;
const javaClusters: Record<string, ClustersResult> = {};
if (versions) for (const c of javaCombos) javaClusters[c.key] = await clustersPart(javaSetting(c), versions);
const javaCpu = params.parts.includes('cpu') && javaCpuCombos.length > 0 ? await javaCpuPart(javaCpuCombos) : {};
const javaReady = Object.values(javaCpu)[0]?.negotiated ?? Object.values(javaClusters).flatMap((r) => Object.values(r.negotiated ?? {}))[0];

const added = clusters?.closedLoop?.proxyAddedOverClientDualWrite?.p99Ms;
const addedAtRate = clusters?.fixedRate?.proxyAddedOverClientDualWrite?.p99Ms;
const addedAtRateResponders = cpuResult?.fixedRate.proxyAddedOverClientDualWrite?.p99Ms;
const perRequest = cpuResult?.cpu.perRequestUs;
const goal = (measured: number | undefined, limit: number): boolean | null => (measured === undefined ? null : measured <= limit);
const goals = {
  p99AddedOverClientDualWrite: { goalMs: GOALS.p99AddedMs, measuredMs: added ?? null, pass: goal(added, GOALS.p99AddedMs), at: `closed loop, concurrency ${params.concurrency}` },
  p99AddedOverClientDualWriteAtFixedRate: { goalMs: GOALS.p99AddedMs, measuredMs: addedAtRate ?? null, pass: goal(addedAtRate, GOALS.p99AddedMs), at: `${params.rate} req/s, at most ${params.concurrency} in flight` },
  p99AddedOverClientDualWriteAtFixedRateBeforeResponders: {
    goalMs: GOALS.p99AddedMs,
    measuredMs: addedAtRateResponders ?? null,
    pass: goal(addedAtRateResponders, GOALS.p99AddedMs),
    at: `${params.rate} req/s in front of two responders: the proxy's own latency, without the clusters' noise`,
  },
  proxyCpuPerRequest: { goalUs: GOALS.cpuPerRequestUs, measuredUs: perRequest ?? null, pass: goal(perRequest, GOALS.cpuPerRequestUs), at: 'in front of two responders' },
  proxyCpuPerRequestAgainstClusters: {
    goalUs: GOALS.cpuPerRequestUs,
    measuredUs: clusters?.closedLoop?.proxyCpu?.perRequestUs ?? null,
    pass: goal(clusters?.closedLoop?.proxyCpu?.perRequestUs, GOALS.cpuPerRequestUs),
    at: `the closed-loop proxy runs against the clusters (for information: fewer requests per socket read than against the responders)`,
  },
};

/** One row per (driver, protocol version, compression): the issue's three goals, and the framing check for the Java settings. */
interface SummaryRow {
  readonly driver: string;
  readonly protocolVersion: number;
  readonly compression: string;
  readonly proxyToClusters: string;
  readonly clusters?: {
    readonly throughput: { proxy: number; clientDualWrite: number; ratio: number };
    readonly p99Ms: { proxy: number; clientDualWrite: number; added: number; addedMedianOfRounds: number };
    readonly p99AddedAtFixedRateMs?: number;
    readonly proxyCpuPerRequestUs?: number;
  };
  readonly responders?: {
    readonly proxyCpuPerRequestUs: number;
    readonly perRound?: readonly number[];
    readonly proxyCpuPerRequestUsAtFixedRate?: number;
    readonly p99AddedAtFixedRateMs?: number;
    readonly framesPerResponderRead: number;
    readonly framingAloneUs?: number;
  };
  readonly goals: {
    readonly throughputAtLeastClientDualWrite: { goalRatio: number; measuredRatio: number | null; pass: boolean | null };
    readonly p99AddedOverClientDualWrite: { goalMs: number; measuredMs: number | null; pass: boolean | null };
    readonly proxyCpuPerRequest: { goalUs: number; measuredUs: number | null; pass: boolean | null };
    /** Java v5 and LZ4 only: the proxy's CPU over the same driver's v4 without compression is no more than what the framing alone adds (plus CPU_NOISE_US). */
    readonly costNoMoreThanFraming?: { extraCpuUs: number; framingExtraUs: number; noiseMarginUs: number; pass: boolean };
  };
}

function summaryRow(driver: string, protocolVersion: number, compression: string, proxyToClusters: string, c: ClustersResult | undefined, r: { cpu: { perRequestUs: number }; fixedRate: CpuResult['fixedRate']; framesPerResponderRead: { origin: number } } | undefined, extra: { perRound?: readonly number[]; framingUs?: number; costNoMoreThanFraming?: SummaryRow['goals']['costNoMoreThanFraming'] } = {}): SummaryRow {
  const closed = c?.closedLoop;
  const proxy = closed?.modes.proxy;
  const dual = closed?.modes['client-dual-write'];
  const added = closed?.proxyAddedOverClientDualWrite;
  const throughputRatio = proxy && dual ? ratio(proxy.throughput, dual.throughput) : undefined;
  const cpu = r?.cpu.perRequestUs;
  return {
    driver,
    protocolVersion,
    compression,
    proxyToClusters,
    ...(proxy && dual && added
      ? {
          clusters: {
            throughput: { proxy: proxy.throughput, clientDualWrite: dual.throughput, ratio: throughputRatio! },
            p99Ms: { proxy: proxy.latency.p99Ms, clientDualWrite: dual.latency.p99Ms, added: added.p99Ms, addedMedianOfRounds: added.p99MsMedianOfRounds },
            ...(c?.fixedRate?.proxyAddedOverClientDualWrite ? { p99AddedAtFixedRateMs: c.fixedRate.proxyAddedOverClientDualWrite.p99Ms } : {}),
            ...(closed?.proxyCpu ? { proxyCpuPerRequestUs: closed.proxyCpu.perRequestUs } : {}),
          },
        }
      : {}),
    ...(r
      ? {
          responders: {
            proxyCpuPerRequestUs: r.cpu.perRequestUs,
            ...(extra.perRound ? { perRound: extra.perRound } : {}),
            ...(r.fixedRate.proxy ? { proxyCpuPerRequestUsAtFixedRate: r.fixedRate.proxy.cpu.perRequestUs } : {}),
            ...(r.fixedRate.proxyAddedOverClientDualWrite ? { p99AddedAtFixedRateMs: r.fixedRate.proxyAddedOverClientDualWrite.p99Ms } : {}),
            framesPerResponderRead: r.framesPerResponderRead.origin,
            ...(extra.framingUs === undefined ? {} : { framingAloneUs: extra.framingUs }),
          },
        }
      : {}),
    goals: {
      throughputAtLeastClientDualWrite: { goalRatio: GOALS.throughputRatio, measuredRatio: throughputRatio ?? null, pass: throughputRatio === undefined ? null : throughputRatio >= GOALS.throughputRatio },
      p99AddedOverClientDualWrite: { goalMs: GOALS.p99AddedMs, measuredMs: added?.p99Ms ?? null, pass: added === undefined ? null : added.p99Ms <= GOALS.p99AddedMs },
      proxyCpuPerRequest: { goalUs: GOALS.cpuPerRequestUs, measuredUs: cpu ?? null, pass: cpu === undefined ? null : cpu <= GOALS.cpuPerRequestUs },
      ...(extra.costNoMoreThanFraming ? { costNoMoreThanFraming: extra.costNoMoreThanFraming } : {}),
    },
  };
}

const summary: SummaryRow[] = [];
if (withNode && (clusters || cpuResult)) summary.push(summaryRow('node cassandra-driver', 4, 'none', 'none', clusters, cpuResult));
const javaBase = javaCpu['v4-none'];
for (const c of javaKeys.map((key) => javaByKey.get(key)!)) {
  const r = javaCpu[c.key];
  const costCheck =
    r && javaBase && c.key !== 'v4-none'
      ? (() => {
          const extraCpuUs = round3(r.cpu.perRequestUs - javaBase.cpu.perRequestUs);
          const framingExtraUs = round3(r.framing.perRequestUs - javaBase.framing.perRequestUs);
          return { extraCpuUs, framingExtraUs, noiseMarginUs: CPU_NOISE_US, pass: extraCpuUs <= framingExtraUs + CPU_NOISE_US };
        })()
      : undefined;
  summary.push(
    summaryRow(`java ${JAVA_DRIVER_VERSION}`, c.protocol, c.compression, c.clusterCompression, javaClusters[c.key], r, {
      ...(r ? { perRound: r.cpuPerRequestUsPerRound, framingUs: r.framing.perRequestUs } : {}),
      ...(costCheck ? { costNoMoreThanFraming: costCheck } : {}),
    }),
  );
}
const loadAverageAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);

const result = {
  benchmark: 'proxy',
  date: started.toISOString(),
  durationS: Math.round((Date.now() - started.getTime()) / 1000),
  machine: { ...machine, loadAverageAtEnd, ...(javaReady ? { java: javaReady.java } : {}) },
  noise:
    'The local stack\'s clusters and this machine\'s two cores were shared with other work during the run (see the load averages): ' +
    'absolute numbers move from run to run; the comparisons that matter (proxy against client-dual-write, one setting against another) are made in alternating rounds of the same run.',
  parameters: {
    concurrency: params.concurrency,
    durationSPerMode: params.durationS,
    warmupSPerMode: params.warmupS,
    rounds: params.rounds,
    modes: params.modes,
    requestMix: { writes: params.writeRatio, reads: round3(1 - params.writeRatio), write: `prepared INSERT of ${COLUMNS.length} columns (${COLUMNS.map((c) => `${c.name} ${c.cql}`).join(', ')}), random key`, read: 'prepared SELECT by random key' },
    keys: params.keys,
    payloadBytes: params.payloadBytes,
    driver: `cassandra-driver, protocol v4, ${params.connectionsPerHost} connection(s) per host, client timestamps`,
    ...(javaKeys.length > 0
      ? {
          javaDriver: `Apache Cassandra Java driver ${JAVA_DRIVER_VERSION} (java/ProxyLoad.java, one JVM per generator, ${params.connectionsPerHost} connection(s) per host, client timestamps), modes ${params.javaModes.join(', ')}`,
          javaSettingsAgainstClusters: javaCombos.map((c) => c.key),
          javaSettingsBeforeResponders: javaCpuCombos.map((c) => c.key),
          javaProxyToClusters: params.javaClusterCompression === 'client' ? 'PROXY_CLUSTER_COMPRESSION as the client: lz4 when the driver uses lz4' : `PROXY_CLUSTER_COMPRESSION=${params.javaClusterCompression}`,
        }
      : {}),
    proxy: `services/proxy in a child process, primary ${config.proxy.primaryCluster}, read mode ${config.proxy.readMode}, mutation sink: ${params.proxySink}`,
    rate: params.rate,
    rateDurationSPerMode: params.rateDurationS,
    cpuRequests: params.cpuRequests,
    cpuWarmupRequests: params.cpuWarmupRequests,
  },
  ...(clusters ? { clusters: clustersReport(clusters) } : {}),
  ...(cpuResult ? { cpu: cpuResult } : {}),
  ...(javaKeys.length > 0
    ? {
        java: Object.fromEntries(
          javaKeys.map((key) => [key, { ...(javaClusters[key] ? { clusters: clustersReport(javaClusters[key]) } : {}), ...(javaCpu[key] ? { cpu: javaCpu[key] } : {}) }]),
        ),
      }
    : {}),
  /** The Node driver's goals, as before (with the issue's 10 µs). */
  goals,
  /** Each (driver, version, compression), the issue's goals checked. */
  summary,
};
mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, `${JSON.stringify(result, null, 2)}\n`);

// ── summary ───────────────────────────────────────────────────────────────────────────────────

log('');
log(`== proxy benchmark summary (${result.date})`);
function logComparison(title: string, c: Comparison): void {
  log(title);
  for (const mode of params.modes) {
    const r = c.modes[mode];
    if (r) log(`${row(mode, r)}${r.scheduleLagMs ? `  (sent late by ${r.scheduleLagMs.mean} ms on average, ${r.scheduleLagMs.max} ms at most)` : ''}`);
  }
  for (const [name, r] of Object.entries(c.ratios)) log(`  ${pad(name, 24)} throughput x${r.throughput}, p50 x${r.p50}, p99 x${r.p99}`);
  const a = c.proxyAddedOverClientDualWrite;
  if (a) {
    log(`  added by the proxy over client-dual-write: p50 ${ms(a.p50Ms)}, p99 ${ms(a.p99Ms)} (writes ${ms(a.writesP99Ms)}, reads ${ms(a.readsP99Ms)})`);
    log(`  p99 added in each round: ${a.p99MsPerRound.map((x) => `${x} ms`).join(', ')}; median ${ms(a.p99MsMedianOfRounds)}`);
  }
  if (c.proxyCpu) log(`  proxy CPU: ${c.proxyCpu.perRequestUs} µs/request (user ${c.proxyCpu.userPerRequestUs}, system ${c.proxyCpu.systemPerRequestUs})`);
  const h = c.proxyProcess;
  if (h) log(`  proxy process: event loop delay p99 ${h.eventLoopDelayP99Ms.join(', ')} ms per run, max ${h.eventLoopDelayMaxMs} ms; ${h.gcPauses} GC pauses, ${h.gcTotalMs} ms in all, longest ${h.gcMaxMs} ms`);
}
if (clusters?.closedLoop) logComparison(`against the clusters, concurrency ${params.concurrency}, ${params.durationS} s per mode:`, clusters.closedLoop);
if (clusters?.fixedRate) logComparison(`against the clusters, ${params.rate} req/s (at most ${params.concurrency} in flight), ${params.rateDurationS} s per mode:`, clusters.fixedRate);
if (cpuResult) {
  const { cpu } = cpuResult;
  log(`against two responders, ${params.cpuRequests} requests: proxy CPU ${cpu.perRequestUs} µs/request (user ${cpu.userPerRequestUs}, system ${cpu.systemPerRequestUs}); ${cpuResult.framesPerResponderRead.origin} frames per responder read`);
  const addedThere = cpuResult.proxyAddedOverClientDualWrite;
  if (addedThere) log(`  latency the proxy adds there over client-dual-write: p50 ${ms(addedThere.p50Ms)}, p99 ${ms(addedThere.p99Ms)} (closed loop: the proxy is the bottleneck there)`);
  const atRate = cpuResult.fixedRate;
  if (atRate.proxy) {
    log(`  at ${atRate.rate} req/s: proxy CPU ${atRate.proxy.cpu.perRequestUs} µs/request (user ${atRate.proxy.cpu.userPerRequestUs}, system ${atRate.proxy.cpu.systemPerRequestUs}); ${atRate.proxy.framesPerOriginRead} frames per responder read`);
    for (const mode of ['direct', 'client-dual-write'] as const) {
      const r = atRate.baselines[mode];
      if (r) log(`  ${row(mode, r).trimStart()}`);
    }
    log(`  ${row('proxy', atRate.proxy).trimStart()}`);
    const a = atRate.proxyAddedOverClientDualWrite;
    if (a) log(`  latency the proxy adds there over client-dual-write: p50 ${ms(a.p50Ms)}, p99 ${ms(a.p99Ms)}; proxy event loop delay p99 ${atRate.proxy.eventLoopDelayMs.p99} ms, max ${atRate.proxy.eventLoopDelayMs.max} ms; GC max pause ${atRate.proxy.gc.maxMs} ms`);
  }
  const profile = cpuResult.profile;
  if (profile) {
    log(`  profile (${profile.file}), ${Math.round(profile.sampledMs - profile.idleMs)} ms busy; top self time:`);
    for (const f of profile.topSelf.slice(0, 15)) log(`    ${String(f.selfPctOfBusy).padStart(5)}%  ${f.fn}`);
  }
}
const verdict = (pass: boolean | null): string => (pass === null ? 'not measured' : pass ? 'PASS' : 'FAIL');
for (const g of withNode ? Object.values(goals) : []) {
  const unit = 'goalMs' in g ? 'ms' : 'µs';
  const limit = 'goalMs' in g ? g.goalMs : g.goalUs;
  const measured = 'goalMs' in g ? g.measuredMs : g.measuredUs;
  log(`goal ${'goalMs' in g ? 'p99 added over client-dual-write' : 'proxy CPU per request'} ≤ ${limit} ${unit} (${g.at}): ${measured === null ? '-' : `${measured} ${unit}`}  ${verdict(g.pass)}`);
}
for (const [key, r] of Object.entries(javaCpu)) {
  if (!r.profile) continue;
  log(`java ${key}: profile (${r.profile.file}), ${Math.round(r.profile.sampledMs - r.profile.idleMs)} ms busy over ${r.profile.requests} requests; top self time:`);
  for (const f of r.profile.topSelf.slice(0, 10)) log(`    ${String(f.selfPctOfBusy).padStart(5)}%  ${f.fn}`);
}
if (summary.length > 0) {
  log('per driver, version and compression (goals: throughput ≥ client-dual-write, p99 added ≤ 1 ms, proxy CPU ≤ 10 µs/request in front of the responders):');
  const mark = (pass: boolean | null | undefined): string => (pass === null || pass === undefined ? '-' : pass ? 'PASS' : 'FAIL');
  for (const r of summary) {
    const g = r.goals;
    const c = r.clusters;
    const framing = g.costNoMoreThanFraming ? `; over v4-none ${g.costNoMoreThanFraming.extraCpuUs} µs, framing alone ${g.costNoMoreThanFraming.framingExtraUs} µs ${mark(g.costNoMoreThanFraming.pass)}` : '';
    log(
      `  ${pad(`${r.driver} v${r.protocolVersion} ${r.compression}${r.proxyToClusters === r.compression ? '' : ` (proxy to clusters: ${r.proxyToClusters})`}`, 30)} ` +
        (c ? `proxy ${c.throughput.proxy} vs dual ${c.throughput.clientDualWrite} req/s (x${c.throughput.ratio}) ${mark(g.throughputAtLeastClientDualWrite.pass)}; p99 added ${c.p99Ms.added} ms (median of rounds ${c.p99Ms.addedMedianOfRounds}) ${mark(g.p99AddedOverClientDualWrite.pass)}; ` : '') +
        (r.responders ? `proxy CPU ${r.responders.proxyCpuPerRequestUs} µs ${mark(g.proxyCpuPerRequest.pass)}${r.responders.framingAloneUs === undefined ? '' : ` (framing alone ${r.responders.framingAloneUs} µs)`}${framing}` : ''),
    );
  }
}
log(`results: ${relative(process.cwd(), output) || output}`);

const errors =
  [clusters?.closedLoop, clusters?.fixedRate].flatMap((c) => Object.values(c?.modes ?? {})).reduce((n, r) => n + r.errors, 0) +
  (cpuResult ? [cpuResult.proxy, cpuResult.fixedRate.proxy, ...Object.values(cpuResult.baselines), ...Object.values(cpuResult.fixedRate.baselines)].reduce((n, r) => n + (r?.errors ?? 0), 0) : 0);
const javaErrors =
  Object.values(javaClusters).flatMap((c) => [c.closedLoop, c.fixedRate]).flatMap((c) => Object.values(c?.modes ?? {})).reduce((n, r) => n + r.errors, 0) +
  Object.values(javaCpu).flatMap((r) => [r.proxy, r.fixedRate.proxy, ...Object.values(r.baselines), ...Object.values(r.fixedRate.baselines)]).reduce((n, r) => n + (r?.errors ?? 0), 0);
if (errors + javaErrors > 0) log(`${errors + javaErrors} requests failed`);
const allGoals = summary.flatMap((r) => [r.goals.throughputAtLeastClientDualWrite.pass, r.goals.p99AddedOverClientDualWrite.pass, r.goals.proxyCpuPerRequest.pass, r.goals.costNoMoreThanFraming?.pass]);
process.exitCode = errors + javaErrors === 0 && goals.p99AddedOverClientDualWrite.pass !== false && goals.proxyCpuPerRequest.pass !== false && !allGoals.includes(false) ? 0 : 1;
