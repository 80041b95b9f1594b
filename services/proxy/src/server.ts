import { setTimeout as delay } from 'node:timers/promises';
import { createServer as createTcpServer, connect as connectTcp, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, connect as connectTls } from 'node:tls';
import { clusterTlsOptions, type ClusterName, type Config } from '@cutover/config';
import { ErrorCode, FrameDecoder, encodeResponse } from '@cutover/cql-protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ControlPlane } from '@cutover/control-plane';
import type { Subscription } from '@cutover/event-log';
import { initialState, type MigrationState } from '@cutover/migration-state';
import type { Logger } from 'pino';
import type { ClusterEndpoint } from './cluster-connection.js';
import { createContext, type LiveSettings, type ProxyContext } from './context.js';
import { createLogger } from './logger.js';
import { InMemoryMutationSink, type MutationSink } from './mutation-sink.js';
import type { ProxyMetrics } from './metrics.js';
import { PROXY_VERSIONS } from './replies.js';
import { ClientSession } from './session.js';
import { watchTargetFailures } from './target-failures.js';
import { listenerTls } from './tls.js';

/** How long a proxy that cannot reach the control log waits before trying again. */
const FOLLOW_RETRY_MS = 2000;

export interface ProxyOptions {
  /** Where mutations go; in memory by default. */
  readonly sink?: MutationSink;
  readonly logger?: Logger;
  /** The control log: set-primary and set-read-mode commands then apply live. */
  readonly control?: ControlPlane;
}

/**
 * The CQL proxy: listens for drivers on PROXY_QUERY_PORT, serves /metrics and /health on
 * PROXY_METRICS_PORT, and runs one `ClientSession` per client connection.
 */
export class ProxyServer {
  private readonly sessions = new Set<ClientSession>();
  private following?: Promise<Subscription | undefined>;
  /** The migration the control log is running, once it has said. */
  private migrationId?: string;
  private readonly stopping = new AbortController();

  private constructor(
    private readonly ctx: ProxyContext,
    private readonly listener: Server,
    private readonly http: FastifyInstance,
  ) {}

  static async start(config: Config, options: ProxyOptions = {}): Promise<ProxyServer> {
    const logger = options.logger ?? createLogger(config, 'proxy');
    const endpoint = (name: ClusterName): ClusterEndpoint => {
      const tls = clusterTlsOptions(config[name].tls);
      return { name, host: config[name].host, port: config[name].port, ...(tls ? { tls } : {}) };
    };
    const sink: MutationSink = options.sink ?? new InMemoryMutationSink();
    let remigrate = (_table: string, _failures: number): void => undefined;
    const watched = config.proxy.targetFailurePolicy === 'origin-acked' ? watchTargetFailures(sink, config.proxy.remigrateThreshold, (table, failures) => remigrate(table, failures)) : sink;
    const ctx = createContext(config, { origin: endpoint('origin'), target: endpoint('target') }, watched, logger);
    sink.registerMetrics?.(ctx.metrics.registry);
    const tls = listenerTls(config.proxy.tls);
    const listener = tls ? createTlsServer(tls) : createTcpServer();
    const proxy = new ProxyServer(ctx, listener, healthAndMetrics(ctx));
    remigrate = (table, failures) => proxy.remigrate(table, failures, options.control);
    listener.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => proxy.accept(socket));
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(config.proxy.queryPort, config.proxy.listenHost, () => resolve());
    });
    await proxy.http.listen({ host: config.proxy.listenHost, port: config.proxy.metricsPort });
    if (options.control) proxy.follow(options.control);
    logger.info({ address: proxy.address, metrics: config.proxy.metricsPort, origin: ctx.endpoints.origin, target: ctx.endpoints.target, primary: ctx.live.primary, readMode: ctx.live.readMode, tls: tls !== undefined }, 'proxy listening');
    return proxy;
  }

  get address(): { host: string; port: number } {
    const info = this.listener.address() as AddressInfo;
    return { host: info.address, port: info.port };
  }

  get metrics(): ProxyMetrics {
    return this.ctx.metrics;
  }

  get sink(): MutationSink {
    return this.ctx.sink;
  }

  /** Primary and read mode, which take effect for the next request of every session. */
  get live(): LiveSettings {
    return this.ctx.live;
  }

  get connections(): number {
    return this.sessions.size;
  }

  /**
   * Applies the control log's primary and read mode as they are decided, after replaying the
   * log from its start, so every proxy (one started later too) serves reads the same way.
   */
  private follow(control: ControlPlane): void {
    const { live, logger, config } = this.ctx;
    let applied: Pick<MigrationState, 'primary' | 'readMode'> = initialState;
    const attempt = (): Promise<Subscription | undefined> =>
      control
        .follow(config.proxy.id, (state) => {
          this.migrationId = state.migrationId;
          // What the log changed, from a log with no command: configured values stand until a command changes them.
          const before = applied;
          applied = state;
          if (state.primary === before.primary && state.readMode === before.readMode) return;
          live.primary = state.primary;
          live.readMode = state.readMode;
          logger.info({ primary: live.primary, readMode: live.readMode }, 'control log applied');
        })
        .catch(async (error: unknown) => {
          // Serving drivers does not wait for Kafka: the proxy goes on as it is and tries again.
          logger.warn({ err: error, retryInMs: FOLLOW_RETRY_MS }, 'cannot follow the control log yet: primary and read mode stay as they are');
          const retry = await delay(FOLLOW_RETRY_MS, true, { signal: this.stopping.signal }).catch(() => false);
          return retry ? attempt() : undefined;
        });
    this.following = attempt();
  }

  /** Asks, through the control log, for a table target keeps failing to be copied again. */
  private remigrate(table: string, failures: number, control: ControlPlane | undefined): void {
    const { logger, config } = this.ctx;
    const reason = `${failures} writes failed on target since proxy ${config.proxy.id} started (PROXY_REMIGRATE_THRESHOLD=${config.proxy.remigrateThreshold})`;
    logger.warn({ table, failures }, 'target keeps failing writes to a table: asking for it to be migrated again');
    if (control === undefined) return;
    control
      .issue({ type: 'Remigrate', table, truncate: false, force: false }, { migrationId: this.migrationId ?? 'none', issuer: `proxy ${config.proxy.id}`, reason })
      .then((events) => logger.info({ table, decided: events.map((e) => e.event.type) }, 'remigrate command issued'))
      .catch((error: unknown) => logger.error({ err: error, table }, 'could not issue the remigrate command'));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await (await this.following)?.stop();
    await new Promise<void>((resolve) => {
      this.listener.close(() => resolve());
      for (const session of this.sessions) session.close();
    });
    await this.http.close();
  }

  private accept(socket: Socket): void {
    if (this.sessions.size >= this.ctx.config.proxy.maxConnections) return this.refuse(socket);
    const session = new ClientSession(socket, this.ctx, (closed) => {
      this.sessions.delete(closed);
      this.ctx.metrics.connections.set(this.sessions.size);
    });
    this.sessions.add(session);
    this.ctx.metrics.connections.set(this.sessions.size);
  }

  /** Over the limit: answer the first request with Overloaded, so the driver knows why, then hang up. */
  private refuse(socket: Socket): void {
    this.ctx.metrics.rejectedConnections.inc();
    const decoder = new FrameDecoder({ maxBodyLength: 1024 * 1024 });
    const timer = setTimeout(() => socket.destroy(), 5000);
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      let frame;
      try {
        frame = decoder.push(chunk)[0];
      } catch {
        return socket.destroy();
      }
      if (frame === undefined) return;
      clearTimeout(timer);
      const version = PROXY_VERSIONS.includes(frame.version as 3 | 4) ? frame.version : 4;
      const message = `too many client connections (PROXY_MAX_CONNECTIONS=${this.ctx.config.proxy.maxConnections})`;
      socket.end(encodeResponse(version, frame.stream, { type: 'ERROR', code: ErrorCode.OVERLOADED, message }));
    });
  }
}

function healthAndMetrics(ctx: ProxyContext): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_request, reply) => {
    void reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
  app.get('/health/live', () => ({ status: 'ok' }));
  app.get('/health/ready', async (_request, reply) => {
    const [origin, target] = await Promise.all([reachable(ctx.endpoints.origin), reachable(ctx.endpoints.target)]);
    const log = ctx.sink.unhealthy?.() ?? 'ok';
    const ready = origin === 'up' && target === 'up' && log === 'ok';
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', origin, target, log });
  });
  return app;
}

/** Ready means both clusters accept connections now, and the mutation log is advancing. */
function reachable(endpoint: ClusterEndpoint): Promise<string> {
  return new Promise((resolve) => {
    const socket = endpoint.tls
      ? connectTls({ ...endpoint.tls, host: endpoint.host, port: endpoint.port, servername: endpoint.host })
      : connectTcp({ host: endpoint.host, port: endpoint.port });
    const done = (state: string): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(state);
    };
    const timer = setTimeout(() => done('timeout'), 2000);
    socket.once(endpoint.tls ? 'secureConnect' : 'connect', () => done('up'));
    socket.once('error', (error: Error) => done(`down: ${error.message}`));
  });
}
