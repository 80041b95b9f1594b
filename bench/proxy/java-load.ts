/**
 * The proxy benchmark's workload with the Apache Cassandra Java driver 4.x (java/ProxyLoad.java):
 * the same requests as load.ts, with the protocol version (v4, v5) and compression (none, lz4)
 * chosen per generator. Its jars come from Maven Central through `$CUTOVER_HOME/m2` and its class
 * is compiled with Java 17's javac, once, under `$CUTOVER_HOME/dist/<id>` (the id changes with the
 * source), as the stack's servers are provisioned.
 *
 * A JavaLoadGenerator is one JVM kept for all its runs (`ProxyLoad serve`), so that its JIT is
 * warm after the first: each run is one line to its stdin and one line of JSON back, and every
 * request's latency comes back through a file, so that runs merge exactly (load.ts's
 * mergeResults). As a script, this file runs one `ProxyLoad run` in the foreground:
 *
 *   node --import tsx bench/proxy/java-load.ts --mode proxy --origin 127.0.0.1:9044 --protocol V5 --compression lz4 --duration-s 10
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@cutover/config';
import { findJava17, provision, type Distribution } from '@cutover/stack';
import { Samples, type Endpoint, type LoadResult, type Mode, type RunOptions } from './load.ts';

/** The newest 4.x of the Apache Cassandra Java driver on Maven Central. */
export const JAVA_DRIVER_VERSION = '4.19.4';

const source = fileURLToPath(new URL('java/ProxyLoad.java', import.meta.url));

/**
 * The generator's jars and class. lz4-java is the driver's optional dependency for LZ4, at its
 * fix release (the 1.11.3 the driver's parent names is not on Maven Central); slf4j-simple (1.7,
 * for the driver's slf4j-api 1.7) prints the driver's warnings on stderr.
 */
export const JAVA_LOAD: Distribution = {
  id: `bench-proxy-java-load-${JAVA_DRIVER_VERSION}-${createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 8)}`,
  artifacts: [`org.apache.cassandra:java-driver-core:${JAVA_DRIVER_VERSION}`, 'at.yawk.lz4:lz4-java:1.11.4', 'org.slf4j:slf4j-simple:1.7.36'],
  javaSources: [source],
};

export type JavaProtocol = 4 | 5;
export type JavaCompression = 'none' | 'lz4';

export interface JavaTargetSpec {
  readonly mode: Mode;
  readonly origin: Endpoint;
  readonly target?: Endpoint;
  readonly protocol: JavaProtocol;
  readonly compression: JavaCompression;
  readonly connectionsPerHost?: number;
}

/** What the JVM said when it was ready: the driver, the protocol version and compression its connections negotiated. */
export interface JavaReady {
  readonly driver: string;
  readonly protocolVersion: number;
  readonly compression: string;
  readonly java: string;
}

let command: Promise<{ java: string; classpath: string }> | undefined;

/** `java` and the classpath of ProxyLoad, provisioned the first time. */
export function javaCommand(): Promise<{ java: string; classpath: string }> {
  command ??= (async () => {
    const config = loadConfig({ env: { ...process.env, LOG_LEVEL: 'warn' } });
    const javaHome = findJava17(config.stack.javaHome);
    const installed = await provision(JAVA_LOAD, config.stack.home, javaHome);
    return { java: join(javaHome, 'bin', 'java'), classpath: `${installed.classes ?? ''}:${join(installed.lib, '*')}` };
  })();
  return command;
}

/** The JVM's options: a fixed heap, so that its size does not change between runs, and the driver's logs at warn. */
const JVM_OPTIONS = ['-Xms512m', '-Xmx512m', '-XX:+UseG1GC', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-Dorg.slf4j.simpleLogger.logFile=System.err'];

function endpointArgs(name: 'origin' | 'target', endpoint: Endpoint): string[] {
  if (endpoint.tls?.caPath !== undefined || endpoint.tls?.certPath !== undefined) throw new Error(`the Java load generator does not speak TLS (${name} has TLS settings)`);
  return [`--${name}`, `${endpoint.host}:${endpoint.port}`];
}

/** ProxyLoad's command-line options for a spec. */
export function javaArgs(spec: JavaTargetSpec): string[] {
  const credentials = spec.origin.username === undefined ? [] : ['--username', spec.origin.username, '--password', spec.origin.password ?? ''];
  return [
    '--mode', spec.mode,
    ...endpointArgs('origin', spec.origin),
    ...(spec.target === undefined ? [] : endpointArgs('target', spec.target)),
    '--protocol', `V${spec.protocol}`,
    '--compression', spec.compression,
    '--connections', String(spec.connectionsPerHost ?? 1),
    '--dc', spec.origin.localDataCenter ?? 'datacenter1',
    ...credentials,
  ];
}

type Run = LoadResult & { samples: { all: Samples; writes: Samples; reads: Samples } };

/** Lines of a child's stdout, one per `next()`; undefined once it has closed. */
class Lines {
  private readonly queued: string[] = [];
  private readonly waiting: ((line: string | undefined) => void)[] = [];
  private closed = false;

  constructor(child: ChildProcessWithoutNullStreams) {
    const reader = createInterface({ input: child.stdout });
    reader.on('line', (line) => {
      const waiter = this.waiting.shift();
      if (waiter) waiter(line);
      else this.queued.push(line);
    });
    reader.on('close', () => {
      this.closed = true;
      for (const waiter of this.waiting.splice(0)) waiter(undefined);
    });
  }

  next(): Promise<string | undefined> {
    const line = this.queued.shift();
    if (line !== undefined || this.closed) return Promise.resolve(line);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

/** One JVM running the workload against one endpoint (direct, proxy) or two (client-dual-write). */
export class JavaLoadGenerator {
  private readonly exited: Promise<number | null>;
  private runs = 0;

  private constructor(
    readonly mode: Mode,
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: Lines,
    private readonly stderr: () => string,
    private readonly dir: string,
    readonly ready: JavaReady,
  ) {
    this.exited = child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async open(spec: JavaTargetSpec): Promise<JavaLoadGenerator> {
    if (spec.mode === 'client-dual-write' && spec.target === undefined) throw new Error('client-dual-write needs a target endpoint');
    const { java, classpath } = await javaCommand();
    const child = spawn(java, [...JVM_OPTIONS, '-cp', classpath, 'ProxyLoad', 'serve', ...javaArgs(spec)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8000);
      if (process.env['BENCH_JAVA_STDERR'] === '1') process.stderr.write(chunk);
    });
    const tail = (): string => stderr.trim().split('\n').slice(-10).join('\n');
    const lines = new Lines(child);
    let timer: NodeJS.Timeout | undefined;
    const first = await Promise.race([
      lines.next(),
      new Promise<never>((_, reject) => child.once('error', reject)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('the Java load generator was not ready within 90 s')), 90_000);
      }),
    ])
      .catch((error: Error) => {
        child.kill('SIGKILL');
        throw new Error(`${error.message}: ${tail()}`);
      })
      .finally(() => clearTimeout(timer));
    if (first === undefined) throw new Error(`the Java load generator exited before it was ready: ${tail()}`);
    const ready = JSON.parse(first) as JavaReady & { ready?: boolean };
    if (ready.ready !== true) throw new Error(`unexpected first line from the Java load generator: ${first}`);
    return new JavaLoadGenerator(spec.mode, child, lines, tail, mkdtempSync(join(tmpdir(), 'bench-java-')), ready);
  }

  /** Runs the workload once, as LoadGenerator.run does. */
  async run(options: RunOptions): Promise<Run> {
    if (options.durationMs === undefined && options.requests === undefined) throw new Error('give durationMs or requests');
    const file = join(this.dir, `run-${++this.runs}.f64`);
    const words = [
      'run',
      `concurrency=${options.concurrency}`,
      ...(options.durationMs === undefined ? [] : [`durationMs=${Math.round(options.durationMs)}`]),
      ...(options.requests === undefined ? [] : [`requests=${options.requests}`]),
      ...(options.rate === undefined || options.rate <= 0 ? [] : [`rate=${options.rate}`]),
      `seed=${options.seed ?? 1}`,
      `writeRatio=${options.writeRatio ?? 0.9}`,
      `keys=${options.keys ?? 100_000}`,
      `payloadBytes=${options.payloadBytes ?? 64}`,
      `samples=${file}`,
    ];
    this.child.stdin.write(`${words.join(' ')}\n`);
    const line = await this.lines.next();
    if (line === undefined) throw new Error(`the Java load generator exited: ${this.stderr()}`);
    const answer = JSON.parse(line) as LoadResult & { failed?: string };
    if (answer.failed !== undefined) throw new Error(`Java load generator: ${answer.failed}`);
    const samples = { all: new Samples(), writes: new Samples(), reads: new Samples() };
    const bytes = readFileSync(file);
    rmSync(file, { force: true });
    for (let at = 0; at + 8 <= bytes.length; at += 8) {
      const ns = bytes.readDoubleLE(at);
      samples.all.add(Math.abs(ns));
      (ns < 0 ? samples.reads : samples.writes).add(Math.abs(ns));
    }
    return { ...answer, samples };
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null) {
      this.child.stdin.end('quit\n');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// As a script: one run in the foreground, its JSON on stdout.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { java, classpath } = await javaCommand();
  const child = spawn(java, [...JVM_OPTIONS, '-cp', classpath, 'ProxyLoad', 'run', ...process.argv.slice(2)], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 1));
}
