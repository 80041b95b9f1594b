/**
 * Benchmark of the dual-write CQL proxy (services/proxy). Goals:
 *   1. the p99 latency the proxy adds over a client that dual-writes itself is at most 1 ms;
 *   2. the proxy spends at most 15 µs of CPU per request.
 *
 * Part 1 (clusters): the same workload (cassandra-driver, prepared statements, 90% INSERT /
 * 10% SELECT by key, random keys) against the local stack's real clusters in three modes:
 * `direct` (origin only), `client-dual-write` (the client writes to both clusters with one
 * client timestamp and reads origin: the baseline) and `proxy` (through a proxy in a child
 * process, as `cutover proxy` runs). Each mode is warmed up, then measured twice:
 *   - closed loop: BENCH_CONCURRENCY requests in flight, the next sent as one completes, for
 *     BENCH_DURATION_S per mode: throughput, latency at saturation, ratios, and goal 1 as
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
 * process.cpuUsage() (user + system) before and after, divided by the requests, is goal 2.
 * The same requests straight to the responders (direct, client-dual-write) give the latency
 * the proxy adds without a cluster's noise. Then the same at BENCH_RATE for
 * BENCH_CPU_RATE_DURATION_S: the CPU per request when requests do not arrive in batches, and
 * the latency the proxy itself adds below saturation (reported as a third reading of goal 1). With BENCH_PROFILE=1 (the default), one more proxy
 * process runs the workload under the V8 CPU profiler (started after the warm-up, so the
 * profile holds the steady state only), and the top functions by self and total time are
 * reported, at TypeScript source positions (that run is not used for the goals: profiling
 * costs CPU). The .cpuprofile is kept; open it in Chrome DevTools or speedscope.
 *
 * Results go to bench/results/proxy.json (BENCH_OUTPUT) with the machine and the date, and a
 * summary to stdout. The exit status is 0 when both goals pass (goal 1 as measured in the
 * closed loop, goal 2 in front of the responders) and no request failed, 1 otherwise.
 *
 * Environment (defaults in brackets; the defaults take about 2.5 minutes):
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
 *   BENCH_OUTPUT             result file [bench/results/proxy.json]
 * The clusters are the usual settings (ORIGIN_HOST, TARGET_HOST, … as in @cutover/config).
 *
 * The proxy runs from services/proxy/src (through tsx), but the packages it imports
 * (@cutover/cql-protocol, @cutover/config) from their dist: `npm run build` after changing them.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type ClusterConfig } from '@cutover/config';
import type { CqlType } from '@cutover/cql-protocol';
import { COLUMNS, CREATE_KEYSPACE, CREATE_TABLE, KEYSPACE, LoadGenerator, MODES, TABLE, driverFor, mergeResults, withoutSamples, type Endpoint, type LoadResult, type Mode } from './load.ts';
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
};
for (const mode of params.modes) if (!MODES.includes(mode)) throw new Error(`BENCH_MODES: unknown mode "${mode}" (have ${MODES.join(', ')})`);
const output = process.env['BENCH_OUTPUT'] ?? join(root, 'bench', 'results', 'proxy.json');

const GOALS = { p99AddedMs: 1, cpuPerRequestUs: 15 } as const;
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

/** The driver's endpoint for a proxy: the client's credentials are the ones the proxy passes on (PROXY_CLIENT_CREDENTIALS). */
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
async function compare(generators: ReadonlyMap<Mode, LoadGenerator>, proxy: ProxyProcess | undefined, durationS: number, rate: number | undefined, label: string): Promise<Comparison> {
  const runs = new Map<Mode, Run[]>();
  let cpu = { user: 0, system: 0, requests: 0 };
  const health = { eventLoopDelayP99Ms: [] as number[], eventLoopDelayMaxMs: 0, gcPauses: 0, gcTotalMs: 0, gcMaxMs: 0 };
  const durationMs = (durationS * 1000) / params.rounds;
  for (let round = 0; round < params.rounds; round++) {
    const order = round % 2 === 0 ? params.modes : [...params.modes].reverse();
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
  readonly closedLoop?: Comparison;
  readonly fixedRate?: Comparison;
  readonly proxyProcessAtEnd?: { rssBytes: number; heapUsedBytes: number; mutationsRecorded: number };
}

/** The result as written: without each mode's mode and concurrency, which the keys and parameters say. */
function clustersReport(r: ClustersResult): Record<string, unknown> {
  return {
    clusters: r.clusters,
    ...(r.closedLoop ? { closedLoop: { concurrency: params.concurrency, durationSPerMode: params.durationS, ...report(r.closedLoop) } } : {}),
    ...(r.fixedRate ? { fixedRate: { rate: params.rate, maxInFlight: params.concurrency, durationSPerMode: params.rateDurationS, ...report(r.fixedRate) } } : {}),
    ...(r.proxyProcessAtEnd ? { proxyProcessAtEnd: r.proxyProcessAtEnd } : {}),
  };
}

async function clustersPart(): Promise<ClustersResult> {
  log(`part 1: ${params.modes.join(', ')} against origin ${config.origin.host}:${config.origin.port} and target ${config.target.host}:${config.target.port}`);
  const versions = await ensureSchema();
  const proxy = params.modes.includes('proxy') ? await ProxyProcess.start({ env: await proxyEnv() }) : undefined;
  const generators = new Map<Mode, LoadGenerator>();
  try {
    for (const mode of params.modes) {
      const spec =
        mode === 'proxy'
          ? { mode, origin: proxyEndpoint(proxy!, config[config.proxy.clientCredentials]), connectionsPerHost: params.connectionsPerHost }
          : { mode, origin: config.origin, target: config.target, connectionsPerHost: params.connectionsPerHost };
      const generator = await LoadGenerator.open(spec);
      generators.set(mode, generator);
      if (params.warmupS > 0) {
        const warm = await generator.run({ ...workload, concurrency: params.concurrency, durationMs: params.warmupS * 1000, seed: 99 });
        log(`  warm-up ${pad(mode, 18)} ${warm.throughput} req/s, ${warm.errors} errors`);
      }
    }
    const closedLoop = params.durationS > 0 ? await compare(generators, proxy, params.durationS, undefined, `concurrency ${params.concurrency}`) : undefined;
    const fixedRate = params.rate > 0 && params.rateDurationS > 0 ? await compare(generators, proxy, params.rateDurationS, params.rate, `${params.rate} req/s`) : undefined;
    const usage = proxy ? await proxy.usage() : undefined;
    return {
      clusters: { origin: `${config.origin.host}:${config.origin.port} (Cassandra ${versions.origin})`, target: `${config.target.host}:${config.target.port} (Cassandra ${versions.target})` },
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

    let profile: ProfileSummary | undefined;
    if (params.profile) {
      const dir = process.env['BENCH_PROFILE_DIR'] ?? mkdtempSync(join(os.tmpdir(), 'bench-proxy-prof-'));
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `proxy-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
      const profiled = await ProxyProcess.start({ env: await proxyEnv(env), nodeOptions: ['--enable-source-maps'] });
      try {
        const generator = await LoadGenerator.open({ mode: 'proxy', origin: profiled.address, connectionsPerHost: params.connectionsPerHost });
        try {
          if (params.cpuWarmupRequests > 0) await generator.run({ ...workload, concurrency: params.concurrency, requests: params.cpuWarmupRequests, seed: 99 });
          await profiled.startProfile(params.profileIntervalUs);
          const before = await profiled.usage();
          const run = await generator.run({ ...workload, concurrency: params.concurrency, requests: params.profileRequests, seed: 1 });
          const after = await profiled.usage();
          await profiled.stopProfile(file);
          profile = { ...summarizeProfile(file, run.requests), cpuPerRequestUsWhileProfiling: cpuDelta(before, after, run.requests).perRequestUs };
        } finally {
          await generator.close();
        }
      } finally {
        await profiled.stop();
      }
    }

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

const clusters = params.parts.includes('clusters') ? await clustersPart() : undefined;
const cpuResult = params.parts.includes('cpu') ? await cpuPart() : undefined;

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
const result = {
  benchmark: 'proxy',
  date: started.toISOString(),
  durationS: Math.round((Date.now() - started.getTime()) / 1000),
  machine,
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
    proxy: `services/proxy in a child process, primary ${config.proxy.primaryCluster}, read mode ${config.proxy.readMode}, mutation sink: ${params.proxySink}`,
    rate: params.rate,
    rateDurationSPerMode: params.rateDurationS,
    cpuRequests: params.cpuRequests,
    cpuWarmupRequests: params.cpuWarmupRequests,
  },
  ...(clusters ? { clusters: clustersReport(clusters) } : {}),
  ...(cpuResult ? { cpu: cpuResult } : {}),
  goals,
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
for (const g of Object.values(goals)) {
  const unit = 'goalMs' in g ? 'ms' : 'µs';
  const limit = 'goalMs' in g ? g.goalMs : g.goalUs;
  const measured = 'goalMs' in g ? g.measuredMs : g.measuredUs;
  log(`goal ${'goalMs' in g ? 'p99 added over client-dual-write' : 'proxy CPU per request'} ≤ ${limit} ${unit} (${g.at}): ${measured === null ? '-' : `${measured} ${unit}`}  ${verdict(g.pass)}`);
}
log(`results: ${relative(process.cwd(), output) || output}`);

const errors =
  [clusters?.closedLoop, clusters?.fixedRate].flatMap((c) => Object.values(c?.modes ?? {})).reduce((n, r) => n + r.errors, 0) +
  (cpuResult ? [cpuResult.proxy, cpuResult.fixedRate.proxy, ...Object.values(cpuResult.baselines), ...Object.values(cpuResult.fixedRate.baselines)].reduce((n, r) => n + (r?.errors ?? 0), 0) : 0);
if (errors > 0) log(`${errors} requests failed`);
process.exitCode = errors === 0 && goals.p99AddedOverClientDualWrite.pass !== false && goals.proxyCpuPerRequest.pass !== false ? 0 : 1;
