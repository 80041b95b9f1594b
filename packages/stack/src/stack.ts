import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '@cutover/config';
import { Backoff } from '@cutover/errors';
import { StackError } from './errors.js';
import { findJava17 } from './java.js';
import { planStack, selectServers } from './plan.js';
import { assertPortFree } from './ports.js';
import { isOurs, markerArg, readPid, removeFile, startDetached, stopProcess, tail } from './processes.js';
import { provision } from './provision.js';
import type { ServerContext, ServerDefinition, ServerName } from './server.js';

export type ServerState = 'running' | 'starting' | 'stopped';

export interface ServerStatus {
  readonly name: ServerName;
  readonly description: string;
  readonly address: string;
  readonly state: ServerState;
  readonly pid: number | null;
  readonly log: string;
}

export interface UpResult {
  readonly name: ServerName;
  readonly address: string;
  readonly pid: number;
  readonly reused: boolean;
  readonly seconds: number;
}

export interface DownResult {
  readonly name: ServerName;
  /** The pid that was stopped, or null when nothing of ours was running. */
  readonly pid: number | null;
}

const PROBE_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 60_000;
const LOG_TAIL_LINES = 25;

/**
 * The local stack: real servers run from Maven Central jars on Java 17, each in its own
 * directory under `config.stack.dir` (config, data, `server.log`, `pid`).
 */
export class LocalStack {
  private readonly plan: ServerDefinition[];

  constructor(
    private readonly config: Config,
    private readonly report: (line: string) => void = () => {},
  ) {
    this.plan = planStack(config);
  }

  /** Starts the named servers (all by default) and waits until each answers; running ones are reused. */
  async up(names: readonly string[] = []): Promise<UpResult[]> {
    const servers = selectServers(this.plan, names);
    const javaHome = findJava17(this.config.stack.javaHome);
    const java = join(javaHome, 'bin', 'java');

    const installed = new Map<string, Awaited<ReturnType<typeof provision>>>();
    for (const server of servers) {
      const { id } = server.distribution;
      if (installed.has(id)) continue;
      const started = Date.now();
      const fresh = !existsSync(join(this.config.stack.home, 'dist', id));
      installed.set(id, await provision(server.distribution, this.config.stack.home, javaHome));
      if (fresh) this.report(`provisioned ${id} in ${seconds(started)}s`);
    }

    // Decide everything before starting anything, so a taken port fails fast and starts nothing.
    const running = new Map<ServerName, number>();
    for (const server of servers) {
      const pid = await this.ourPid(server.name);
      if (pid !== undefined) running.set(server.name, pid);
      else for (const use of server.ports) await assertPortFree(server.name, use);
    }

    const results = await Promise.allSettled(
      servers.map(async (server): Promise<UpResult> => {
        const started = Date.now();
        const ctx: ServerContext = { dir: this.dirOf(server.name), javaHome, java, installed: installed.get(server.distribution.id)! };
        let pid = running.get(server.name);
        const reused = pid !== undefined;
        if (pid === undefined) pid = await this.start(server, ctx);
        await this.waitReady(server, pid);
        await server.initialize?.();
        const result = { name: server.name, address: server.address, pid, reused, seconds: seconds(started) };
        this.report(`${server.name.padEnd(7)} ${server.address.padEnd(16)} ${reused ? 'already running' : `ready in ${result.seconds}s`} (pid ${pid})`);
        return result;
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return results.map((r) => (r as PromiseFulfilledResult<UpResult>).value);
  }

  /** Stops the named servers (all by default) that this stack started; nothing else is touched. */
  async down(names: readonly string[] = []): Promise<DownResult[]> {
    const servers = selectServers(this.plan, names).reverse();
    return Promise.all(
      servers.map(async (server): Promise<DownResult> => {
        const pid = await this.ourPid(server.name);
        if (pid !== undefined) {
          await stopProcess(pid, this.dirOf(server.name), STOP_GRACE_MS);
          this.report(`${server.name.padEnd(7)} stopped (pid ${pid})`);
        }
        await removeFile(this.pidFile(server.name));
        return { name: server.name, pid: pid ?? null };
      }),
    );
  }

  async status(names: readonly string[] = []): Promise<ServerStatus[]> {
    return Promise.all(
      selectServers(this.plan, names).map(async (server): Promise<ServerStatus> => {
        const pid = await this.ourPid(server.name);
        const state: ServerState = pid === undefined ? 'stopped' : (await this.answers(server)) ? 'running' : 'starting';
        return { name: server.name, description: server.description, address: server.address, state, pid: pid ?? null, log: this.logFile(server.name) };
      }),
    );
  }

  logFile(name: ServerName): string {
    return join(this.dirOf(name), 'server.log');
  }

  /** The last `lines` lines of each named server's log. */
  logs(names: readonly string[], lines: number): { name: ServerName; text: string }[] {
    return selectServers(this.plan, names).map((s) => ({ name: s.name, text: tail(this.logFile(s.name), lines) }));
  }

  private dirOf(name: ServerName): string {
    return join(this.config.stack.dir, name);
  }

  private pidFile(name: ServerName): string {
    return join(this.dirOf(name), 'pid');
  }

  private async ourPid(name: ServerName): Promise<number | undefined> {
    const pid = readPid(this.pidFile(name));
    return pid !== undefined && (await isOurs(pid, this.dirOf(name))) ? pid : undefined;
  }

  private async start(server: ServerDefinition, ctx: ServerContext): Promise<number> {
    await mkdir(ctx.dir, { recursive: true });
    await server.prepare(ctx);
    const logFile = this.logFile(server.name);
    // Keep the previous run's log beside the new one: it is what explains a crash.
    if (existsSync(logFile)) await rename(logFile, `${logFile}.previous`);
    const { pid } = await startDetached(ctx.java, [markerArg(ctx.dir), ...server.args(ctx)], {
      cwd: ctx.dir,
      logFile,
      pidFile: this.pidFile(server.name),
      env: { ...process.env, JAVA_HOME: ctx.javaHome },
    });
    return pid;
  }

  private async answers(server: ServerDefinition): Promise<boolean> {
    try {
      await withTimeout(server.probe(), PROBE_TIMEOUT_MS);
      return true;
    } catch {
      return false;
    }
  }

  /** Polls the server with a real client request until it answers, it exits, or its time is up. */
  private async waitReady(server: ServerDefinition, pid: number): Promise<void> {
    // Probed every half second, until its time is up.
    const probes = new Backoff({ initialDelayMs: 500, maxElapsedMs: server.readyTimeoutMs });
    const logFile = this.logFile(server.name);
    for (;;) {
      let lastError: unknown;
      try {
        await withTimeout(server.probe(), PROBE_TIMEOUT_MS);
        return;
      } catch (error) {
        lastError = error;
      }
      const why = !(await isOurs(pid, this.dirOf(server.name)))
        ? 'exited before it became ready'
        : !(await probes.wait())
          ? `did not become ready within ${server.readyTimeoutMs / 1000}s (last check: ${(lastError as Error).message})`
          : undefined;
      if (why !== undefined) {
        throw new StackError('SERVER_NOT_READY', `${server.name} ${why}. Last lines of ${logFile}:\n${tail(logFile, LOG_TAIL_LINES)}`, { cause: lastError });
      }
    }
  }
}

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 100) / 10;
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
