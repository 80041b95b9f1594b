/**
 * The proxy in a process of its own, so the benchmark can read how much CPU it used.
 *
 * As a script (`node --import tsx bench/proxy/proxy-process.ts`, started by `startProxyProcess`
 * with an IPC channel) it starts `ProxyServer` from services/proxy/src, configured from its
 * environment like `cutover proxy` is, and answers the parent's messages:
 *   { type: 'usage' }  →  { type: 'usage', usage }  (process.cpuUsage(), RSS, mutations seen, and since the
 *                         previous usage: event loop delay and GC pauses)
 *   { type: 'profile-start', intervalUs }  →  starts the V8 CPU profiler (inspector), answers { type: 'ok' }
 *   { type: 'profile-stop', file }         →  stops it and writes the profile (a .cpuprofile, with positions
 *                                             mapped to the TypeScript sources when started with
 *                                             --enable-source-maps) to `file`, answers { type: 'ok' }
 *   { type: 'stop' }   →  stops the proxy and exits.
 * It exits too when its parent goes away.
 *
 * BENCH_PROXY_SINK=memory keeps every mutation in memory, and BENCH_PROXY_SINK=kafka publishes
 * them to Kafka as `cutover proxy` does; the default `count` sink only counts them, as a sink that hands
 * records to a producer without keeping them would.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ProxyUsage {
  /** process.cpuUsage() of the proxy process, µs. */
  readonly user: number;
  readonly system: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** Mutations the proxy handed to its sink. */
  readonly mutations: number;
  /** Since the previous `usage()`: how late the event loop ran what was due (ms)… */
  readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** …and the garbage collector's pauses. */
  readonly gc: { readonly count: number; readonly totalMs: number; readonly maxMs: number };
}

type ToChild =
  | { readonly type: 'usage' }
  | { readonly type: 'stop' }
  | { readonly type: 'profile-start'; readonly intervalUs: number }
  | { readonly type: 'profile-stop'; readonly file: string };
type FromChild =
  | { readonly type: 'ready'; readonly host: string; readonly port: number }
  | { readonly type: 'usage'; readonly usage: ProxyUsage }
  | { readonly type: 'ok' }
  | { readonly type: 'failed'; readonly message: string };

export interface ProxyProcessOptions {
  /** Proxy settings, as environment variables (ORIGIN_HOST, PROXY_QUERY_PORT, …), over the parent's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Extra node options, such as ['--cpu-prof', '--cpu-prof-dir=/tmp/x']. */
  readonly nodeOptions?: readonly string[];
}

/** The parent's handle on a proxy child process. */
export class ProxyProcess {
  private waiting: ((message: FromChild) => void)[] = [];
  private exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly address: { host: string; port: number },
  ) {
    child.on('message', (message: FromChild) => this.waiting.shift()?.(message));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  static async start(options: ProxyProcessOptions): Promise<ProxyProcess> {
    const child = fork(fileURLToPath(import.meta.url), [], {
      execArgv: ['--import', import.meta.resolve('tsx'), ...(options.nodeOptions ?? [])],
      env: { ...process.env, LOG_LEVEL: 'warn', ...options.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const first = await new Promise<FromChild>((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`the proxy process exited (code ${code}) before it was ready`)));
      child.once('error', reject);
    });
    if (first.type === 'failed') throw new Error(`the proxy process did not start: ${first.message}`);
    if (first.type !== 'ready') throw new Error(`unexpected first message from the proxy process: ${first.type}`);
    return new ProxyProcess(child, { host: first.host, port: first.port });
  }

  async usage(): Promise<ProxyUsage> {
    const answer = await this.ask({ type: 'usage' });
    if (answer.type !== 'usage') throw new Error(`expected usage, got ${answer.type}`);
    return answer.usage;
  }

  /** Starts sampling the proxy's stacks every `intervalUs` µs. */
  async startProfile(intervalUs = 200): Promise<void> {
    const answer = await this.ask({ type: 'profile-start', intervalUs });
    if (answer.type !== 'ok') throw new Error(`profile-start: ${answer.type === 'failed' ? answer.message : answer.type}`);
  }

  /** Stops sampling and has the profile written to `file`. */
  async stopProfile(file: string): Promise<void> {
    const answer = await this.ask({ type: 'profile-stop', file });
    if (answer.type !== 'ok') throw new Error(`profile-stop: ${answer.type === 'failed' ? answer.message : answer.type}`);
  }

  /** Stops the proxy and waits for the process to exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.send({ type: 'stop' } satisfies ToChild);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  private ask(message: ToChild): Promise<FromChild> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.send(message);
    });
  }
}

// ── the child ────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const send = (message: FromChild): void => void process.send!(message);
  try {
    const { loadConfig } = await import('@cutover/config');
    const { pino } = await import('pino');
    const { InMemoryMutationSink, ProxyServer } = await import('../../services/proxy/src/index.ts');
    const config = loadConfig({ env: process.env });
    let counted = 0;
    const memory = process.env['BENCH_PROXY_SINK'] === 'memory' ? new InMemoryMutationSink() : undefined;
    const publishing = process.env['BENCH_PROXY_SINK'] === 'kafka' ? await kafkaSink(config) : undefined;
    const sink = {
      record: (mutation: Parameters<InstanceType<typeof InMemoryMutationSink>['record']>[0]) => {
        counted++;
        return (publishing ?? memory)?.record(mutation);
      },
    };
    const proxy = await ProxyServer.start(config, { sink, logger: pino({ level: config.log.level }, pino.destination(2)) });
    const { Session } = await import('node:inspector/promises');
    const { PerformanceObserver, monitorEventLoopDelay } = await import('node:perf_hooks');
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    let gc = { count: 0, totalMs: 0, maxMs: 0 };
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) gc = { count: gc.count + 1, totalMs: gc.totalMs + entry.duration, maxMs: Math.max(gc.maxMs, entry.duration) };
    }).observe({ entryTypes: ['gc'] });
    const ms = (ns: number): number => Math.round(ns / 1e3) / 1e3;
    let profiler: InstanceType<typeof Session> | undefined;
    process.on('message', (message: ToChild) => {
      if (message.type === 'profile-start') {
        profiler = new Session();
        profiler.connect();
        const session = profiler;
        void (async () => {
          await session.post('Profiler.enable');
          await session.post('Profiler.setSamplingInterval', { interval: message.intervalUs });
          await session.post('Profiler.start');
        })().then(() => send({ type: 'ok' }), (error: Error) => send({ type: 'failed', message: error.message }));
      } else if (message.type === 'profile-stop') {
        const session = profiler;
        if (session === undefined) return send({ type: 'failed', message: 'no profile was started' });
        void (async () => {
          const { profile } = await session.post('Profiler.stop');
          session.disconnect();
          const { writeFileSync } = await import('node:fs');
          writeFileSync(message.file, JSON.stringify(await toSources(profile)));
        })().then(() => send({ type: 'ok' }), (error: Error) => send({ type: 'failed', message: error.message }));
      } else if (message.type === 'usage') {
        const cpu = process.cpuUsage();
        const memoryUsage = process.memoryUsage();
        const eventLoopDelayMs = { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) };
        const pauses = { count: gc.count, totalMs: Math.round(gc.totalMs * 1000) / 1000, maxMs: Math.round(gc.maxMs * 1000) / 1000 };
        delay.reset();
        gc = { count: 0, totalMs: 0, maxMs: 0 };
        const mutations = memory ? memory.mutations.length : counted;
        send({ type: 'usage', usage: { user: cpu.user, system: cpu.system, rssBytes: memoryUsage.rss, heapUsedBytes: memoryUsage.heapUsed, mutations, eventLoopDelayMs, gc: pauses } });
      } else if (message.type === 'stop') {
        void proxy
          .stop()
          .then(() => publishing?.close())
          .finally(() => process.exit(0));
      }
    });
    process.on('disconnect', () => process.exit(0));
    send({ type: 'ready', ...proxy.address });
  } catch (error) {
    send({ type: 'failed', message: (error as Error).message });
    process.exit(1);
  }
}

/** Positions in a profile of code tsx compiled, moved back to the TypeScript source where a source map says where. */
async function toSources<P extends { nodes: { callFrame: { url: string; lineNumber: number; columnNumber: number } }[] }>(profile: P): Promise<P> {
  const { findSourceMap } = await import('node:module');
  for (const node of profile.nodes) {
    const frame = node.callFrame;
    if (!frame.url.startsWith('file://') || frame.lineNumber < 0) continue;
    const map = findSourceMap(fileURLToPath(frame.url)) ?? findSourceMap(frame.url);
    const entry = map?.findEntry(frame.lineNumber, frame.columnNumber);
    if (entry !== undefined && 'originalLine' in entry) {
      frame.lineNumber = entry.originalLine;
      frame.columnNumber = entry.originalColumn;
    }
  }
  return profile;
}

if (process.send !== undefined && process.argv[1] === fileURLToPath(import.meta.url)) void main();

/** BENCH_PROXY_SINK=kafka: the sink `cutover proxy` runs with, publishing to the stack's Kafka. */
async function kafkaSink(config: import('@cutover/config').Config): Promise<import('../../services/proxy/src/index.ts').PublishingSink> {
  const pinoModule = await import('pino');
  const { KafkaEventLog } = await import('@cutover/event-log');
  const { PublishingSink } = await import('../../services/proxy/src/index.ts');
  const spoolDir = mkdtempSync(join(tmpdir(), 'bench-spool-'));
  return PublishingSink.open(new KafkaEventLog(config.kafka), { ...config, proxy: { ...config.proxy, spoolDir } }, pinoModule.pino({ level: 'warn' }, pinoModule.pino.destination(2)));
}
