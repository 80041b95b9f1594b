/**
 * The proxy benchmark's load generator: the Node cassandra-driver with prepared statements,
 * a fixed number of requests in flight, 90% writes (INSERT of a row of five columns under a
 * random key) and 10% reads (SELECT by a random key) by default, and the latency of every
 * request (process.hrtime.bigint), summarized exactly from the sorted samples.
 *
 * It drives one of three targets:
 * - `direct`: one driver to origin;
 * - `client-dual-write`: one driver per cluster; a write goes to both with the same client
 *   timestamp and waits for both, a read goes to origin. The baseline the proxy replaces;
 * - `proxy`: one driver to a proxy in front of origin and target.
 */
import { cassandraClient } from '@cutover/stack';
import cassandra from 'cassandra-driver';

export type Mode = 'direct' | 'client-dual-write' | 'proxy';
export const MODES: readonly Mode[] = ['direct', 'client-dual-write', 'proxy'];

/** Where a driver connects: a cluster's settings from @cutover/config fit, and so does a proxy's address. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly localDataCenter?: string;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: { readonly caPath?: string; readonly certPath?: string; readonly keyPath?: string };
}

export interface TargetSpec {
  readonly mode: Mode;
  /** direct and client-dual-write: the clusters; proxy: the proxy's address as `origin`. */
  readonly origin: Endpoint;
  readonly target?: Endpoint;
  /** Driver connections per host (the driver's default for protocol v4 is 1). */
  readonly connectionsPerHost?: number;
}

/** The benchmark's table: a few columns of the usual kinds. */
export const KEYSPACE = 'bench_proxy';
export const TABLE = 'kv';
export const COLUMNS = [
  { name: 'id', cql: 'int' },
  { name: 'name', cql: 'text' },
  { name: 'score', cql: 'int' },
  { name: 'payload', cql: 'blob' },
  { name: 'updated', cql: 'timestamp' },
] as const;
export const CREATE_KEYSPACE = `CREATE KEYSPACE IF NOT EXISTS ${KEYSPACE} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`;
export const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${KEYSPACE}.${TABLE} (${COLUMNS.map((c) => `${c.name} ${c.cql}`).join(', ')}, PRIMARY KEY (id))`;
export const INSERT = `INSERT INTO ${KEYSPACE}.${TABLE} (${COLUMNS.map((c) => c.name).join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`;
export const SELECT = `SELECT ${COLUMNS.map((c) => c.name).join(', ')} FROM ${KEYSPACE}.${TABLE} WHERE id = ?`;

export interface Workload {
  /** Share of writes, 0..1 (0.9 by default). */
  readonly writeRatio?: number;
  /** Keys are drawn uniformly from [0, keys). */
  readonly keys?: number;
  /** Size of the blob column, bytes. */
  readonly payloadBytes?: number;
  /** Seed of the request mix and keys, so every mode gets the same sequence. */
  readonly seed?: number;
}

export interface RunOptions extends Workload {
  /** Requests in flight at once (at most, with `rate`). */
  readonly concurrency: number;
  /**
   * Requests per second to start, on a fixed schedule (open loop), instead of starting the next
   * request as soon as one completes (closed loop). Latency is still timed from the actual send;
   * how far sends fell behind the schedule is reported as `scheduleLagMs`.
   */
  readonly rate?: number;
  /** Stop after this long (ms)… */
  readonly durationMs?: number;
  /** …or after this many requests, whichever comes first. */
  readonly requests?: number;
}

export interface LatencySummary {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

export interface LoadResult {
  readonly mode: Mode;
  readonly concurrency: number;
  readonly requests: number;
  readonly writes: number;
  readonly reads: number;
  readonly errors: number;
  /** First few distinct error messages and how often each occurred. */
  readonly errorMessages: Readonly<Record<string, number>>;
  readonly elapsedMs: number;
  readonly throughput: number;
  /** With a rate: how late requests were sent, mean and max (ms); a growing lag means the target could not keep up. */
  readonly scheduleLagMs?: { readonly mean: number; readonly max: number };
  /** CPU of the whole load-generator process (user + system) per request, µs: the driver's cost, and anything else in that process. */
  readonly clientCpuPerRequestUs: number;
  readonly latency: LatencySummary;
  readonly writeLatency: LatencySummary;
  readonly readLatency: LatencySummary;
}

/** Latencies in nanoseconds, in a growing typed array (no per-sample objects). */
export class Samples {
  private data = new Float64Array(1 << 16);
  length = 0;

  add(ns: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = ns;
  }

  addAll(other: Samples): void {
    for (let i = 0; i < other.length; i++) this.add(other.data[i]!);
  }

  summary(): LatencySummary {
    const sorted = this.data.slice(0, this.length).sort();
    const n = sorted.length;
    const ms = (ns: number): number => Math.round(ns / 1000) / 1000;
    // Nearest rank: the smallest sample with at least q of all samples at or below it.
    const at = (q: number): number => (n === 0 ? 0 : ms(sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!));
    let sum = 0;
    for (let i = 0; i < n; i++) sum += sorted[i]!;
    return { count: n, meanMs: n === 0 ? 0 : ms(sum / n), p50Ms: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99), p999Ms: at(0.999), maxMs: n === 0 ? 0 : ms(sorted[n - 1]!) };
  }
}

/** xorshift32: the same request sequence for every mode of one seed, at no cost. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/** A driver client for one endpoint, the same in every mode: the stack's, without schema metadata the workload does not need. */
export function driverFor(endpoint: Endpoint, connectionsPerHost = 1): cassandra.Client {
  return cassandraClient({ localDataCenter: 'datacenter1', tls: {}, ...endpoint }, { connectionsPerHost, metadata: false });
}

/** Microsecond timestamps that never repeat: one per dual write, sent to both clusters. */
class ClientClock {
  private last = 0;

  next(): number {
    const now = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    this.last = now > this.last ? now : this.last + 1;
    return this.last;
  }
}

type Row = [number, string, number, Buffer, Date];

export class LoadGenerator {
  private readonly clock = new ClientClock();

  private constructor(
    readonly mode: Mode,
    private readonly primary: cassandra.Client,
    private readonly secondary: cassandra.Client | undefined,
  ) {}

  static async open(spec: TargetSpec): Promise<LoadGenerator> {
    const primary = driverFor(spec.origin, spec.connectionsPerHost);
    let secondary: cassandra.Client | undefined;
    if (spec.mode === 'client-dual-write') {
      if (spec.target === undefined) throw new Error('client-dual-write needs a target endpoint');
      secondary = driverFor(spec.target, spec.connectionsPerHost);
    }
    await Promise.all([primary.connect(), secondary?.connect()]);
    return new LoadGenerator(spec.mode, primary, secondary);
  }

  async close(): Promise<void> {
    await Promise.all([this.primary.shutdown(), this.secondary?.shutdown()]);
  }

  private write(row: Row): Promise<unknown> {
    if (this.secondary === undefined) return this.primary.execute(INSERT, row, { prepare: true });
    const timestamp = this.clock.next();
    return Promise.all([this.primary.execute(INSERT, row, { prepare: true, timestamp }), this.secondary.execute(INSERT, row, { prepare: true, timestamp })]);
  }

  private read(id: number): Promise<unknown> {
    return this.primary.execute(SELECT, [id], { prepare: true });
  }

  /** Runs the workload; `durationMs` and/or `requests` bound it. */
  async run(options: RunOptions): Promise<LoadResult & { samples: { all: Samples; writes: Samples; reads: Samples } }> {
    const { concurrency, durationMs, requests: limit } = options;
    if (durationMs === undefined && limit === undefined) throw new Error('give durationMs or requests');
    const writeRatio = options.writeRatio ?? 0.9;
    const keys = options.keys ?? 100_000;
    const random = rng(options.seed ?? 1);
    // A pool of rows made up front, so that making a request costs the client next to nothing.
    const payloadBytes = options.payloadBytes ?? 64;
    const pool: Row[] = Array.from({ length: 1024 }, (_, i) => [0, `name-${i.toString(36)}-${'x'.repeat(i % 24)}`, i * 7, Buffer.alloc(payloadBytes, i & 0xff), new Date(1_700_000_000_000 + i * 1000)]);

    const all = new Samples();
    const writes = new Samples();
    const reads = new Samples();
    const errorMessages: Record<string, number> = {};
    let errors = 0;
    let issued = 0;
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    const deadline = durationMs === undefined ? undefined : started + BigInt(Math.round(durationMs * 1e6));

    const intervalNs = options.rate === undefined || options.rate <= 0 ? undefined : 1e9 / options.rate;
    let lagSum = 0;
    let lagMax = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        if (limit !== undefined && issued >= limit) return;
        if (intervalNs !== undefined) {
          const due = started + BigInt(Math.round(issued * intervalNs));
          if (deadline !== undefined && due >= deadline) return;
          issued++;
          const wait = Number(due - process.hrtime.bigint()) / 1e6;
          if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, Math.floor(wait)));
          const lag = Math.max(0, Number(process.hrtime.bigint() - due) / 1e6);
          lagSum += lag;
          if (lag > lagMax) lagMax = lag;
        }
        const before = process.hrtime.bigint();
        if (intervalNs === undefined) {
          if (deadline !== undefined && before >= deadline) return;
          issued++;
        }
        const isWrite = random() < writeRatio;
        const id = Math.floor(random() * keys);
        try {
          if (isWrite) {
            const template = pool[id & 1023]!;
            await this.write([id, template[1], template[2], template[3], template[4]]);
          } else {
            await this.read(id);
          }
          const ns = Number(process.hrtime.bigint() - before);
          all.add(ns);
          (isWrite ? writes : reads).add(ns);
        } catch (error) {
          errors++;
          const message = (error as Error).message.slice(0, 200);
          if (message in errorMessages || Object.keys(errorMessages).length < 10) errorMessages[message] = (errorMessages[message] ?? 0) + 1;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    const cpu = process.cpuUsage(cpuBefore);
    return {
      mode: this.mode,
      concurrency,
      requests: all.length,
      writes: writes.length,
      reads: reads.length,
      errors,
      errorMessages,
      elapsedMs: Math.round(elapsedMs),
      throughput: Math.round((all.length / elapsedMs) * 1000),
      ...(intervalNs === undefined ? {} : { scheduleLagMs: { mean: Math.round((lagSum / Math.max(1, issued)) * 1000) / 1000, max: Math.round(lagMax * 1000) / 1000 } }),
      clientCpuPerRequestUs: perRequest(cpu.user + cpu.system, all.length + errors),
      latency: all.summary(),
      writeLatency: writes.summary(),
      readLatency: reads.summary(),
      samples: { all, writes, reads },
    };
  }
}

/** A run's result without its raw samples (for reports). */
export function withoutSamples(result: LoadResult & { samples?: unknown }): LoadResult {
  const copy: LoadResult & { samples?: unknown } = { ...result };
  delete copy.samples;
  return copy;
}

function perRequest(us: number, requests: number): number {
  return requests === 0 ? 0 : Math.round((us / requests) * 100) / 100;
}

/** Several runs of one mode as one: samples merged, throughput over the summed time. */
export function mergeResults(results: readonly Awaited<ReturnType<LoadGenerator['run']>>[]): LoadResult {
  const first = results[0];
  if (first === undefined) throw new Error('nothing to merge');
  const all = new Samples();
  const writes = new Samples();
  const reads = new Samples();
  const errorMessages: Record<string, number> = {};
  for (const r of results) {
    all.addAll(r.samples.all);
    writes.addAll(r.samples.writes);
    reads.addAll(r.samples.reads);
    for (const [m, n] of Object.entries(r.errorMessages)) errorMessages[m] = (errorMessages[m] ?? 0) + n;
  }
  const elapsedMs = results.reduce((sum, r) => sum + r.elapsedMs, 0);
  const lags = results.flatMap((r) => (r.scheduleLagMs ? [{ ...r.scheduleLagMs, n: r.requests + r.errors }] : []));
  const lagN = lags.reduce((sum, l) => sum + l.n, 0);
  return {
    mode: first.mode,
    concurrency: first.concurrency,
    requests: all.length,
    writes: writes.length,
    reads: reads.length,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    errorMessages,
    elapsedMs,
    throughput: Math.round((all.length / elapsedMs) * 1000),
    ...(lags.length === 0 ? {} : { scheduleLagMs: { mean: Math.round((lags.reduce((sum, l) => sum + l.mean * l.n, 0) / Math.max(1, lagN)) * 1000) / 1000, max: Math.max(...lags.map((l) => l.max)) } }),
    clientCpuPerRequestUs: perRequest(
      results.reduce((sum, r) => sum + r.clientCpuPerRequestUs * (r.requests + r.errors), 0),
      results.reduce((sum, r) => sum + r.requests + r.errors, 0),
    ),
    latency: all.summary(),
    writeLatency: writes.summary(),
    readLatency: reads.summary(),
  };
}
