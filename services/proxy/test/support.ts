import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { loadConfig, type Config } from '@cutover/config';
import { cassandraClient } from '@cutover/stack';
import cassandra from 'cassandra-driver';
import { pino, type Logger } from 'pino';
import { InMemoryMutationSink, ProxyServer } from '../src/index.ts';

/** The stack's config with some settings changed, as the environment would change them; a fresh journal directory each time. */
export function configWith(env: Record<string, string> = {}): Config {
  return loadConfig({ env: { ...process.env, LOG_LEVEL: 'warn', PROXY_SPOOL_DIR: mkdtempSync(join(tmpdir(), 'cutover-journal-')), ...env } });
}

export interface TestProxy {
  readonly proxy: ProxyServer;
  readonly sink: InMemoryMutationSink;
  readonly config: Config;
  /** A Node driver client connected through the proxy. */
  client(options?: Partial<cassandra.ClientOptions>): cassandra.Client;
  stop(): Promise<void>;
}

/** A proxy in this process in front of the local stack, on its own ports. */
export async function startProxy(port: number, env: Record<string, string> = {}, logger: Logger = pino({ level: 'warn' })): Promise<TestProxy> {
  const config = configWith({ PROXY_QUERY_PORT: String(port), PROXY_METRICS_PORT: String(port - 1), ...env });
  const sink = new InMemoryMutationSink();
  const proxy = await ProxyServer.start(config, { sink, logger });
  const clients: cassandra.Client[] = [];
  return {
    proxy,
    sink,
    config,
    client(options = {}) {
      const client = new cassandra.Client({ contactPoints: [`${config.proxy.listenHost}:${port}`], localDataCenter: 'datacenter1', ...options });
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.shutdown()));
      await proxy.stop();
    },
  };
}

/** Clients straight to each cluster, bypassing the proxy, to see what really landed where. */
export function directClients(config: Config): { origin: cassandra.Client; target: cassandra.Client; shutdown(): Promise<void> } {
  const origin = cassandraClient(config.origin);
  const target = cassandraClient(config.target);
  return { origin, target, shutdown: async () => void (await Promise.all([origin.shutdown(), target.shutdown()])) };
}

/** Rows as plain JSON-able objects, sorted, so two clusters' answers compare with deepEqual. */
export async function rowsOf(client: cassandra.Client, query: string, params: unknown[] = []): Promise<unknown[]> {
  const result = await client.execute(query, params, { prepare: params.length > 0, fetchSize: 10_000 });
  return result.rows.map((row) => JSON.parse(JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as unknown).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

let keyspaceCounter = 0;
/** A fresh keyspace name per test, created through the proxy. */
export function uniqueKeyspace(prefix: string): string {
  return `${prefix}_${process.pid}_${++keyspaceCounter}`;
}

export const REPLICATION = "{'class': 'SimpleStrategy', 'replication_factor': 1}";

/** A logger whose JSON lines are kept, for tests that check what the proxy logged. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

/**
 * Freezes a process (SIGSTOP) and returns once every one of its threads has stopped: kill()
 * returns at once, but a busy JVM's threads stop one by one, and a request arriving in between
 * would still be answered.
 */
export async function freeze(pid: number): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  const stopped = (): boolean =>
    readdirSync(`/proc/${pid}/task`).every((tid) => {
      try {
        return /^\d+ \(.*\) [Tt] /.test(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
      } catch {
        return true; // the thread is gone
      }
    });
  for (let i = 0; i < 500 && !stopped(); i++) await delay(10);
  if (!stopped()) throw new Error(`process ${pid} did not stop`);
}
