import { createServer as createTcpServer, connect as connectTcp, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, connect as connectTls } from 'node:tls';
import { clusterTlsOptions, type ClusterName, type Config } from '@cutover/config';
import { ErrorCode, FrameDecoder, encodeResponse } from '@cutover/cql-protocol';
import { Backoff } from '@cutover/errors';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ControlPlane } from '@cutover/control-plane';
import type { Subscription } from '@cutover/event-log';
import type { Logger } from 'pino';
import type { ClusterEndpoint } from './cluster-connection.js';
import { createContext, type LiveSettings, type ProxyContext } from './context.js';
import { controlStatePath, readControlState, sameServingState, writeControlState, type ServingState } from './control-state.js';
import { createLogger } from './logger.js';
import { InMemoryMutationSink, type MutationSink } from './mutation-sink.js';
import type { ProxyMetrics } from './metrics.js';
import { replyVersion } from './replies.js';
import { readiness, type ControlSource } from './readiness.js';
import { ClientSession } from './session.js';
import { watchTargetFailures } from './target-failures.js';
import { listenerTls } from './tls.js';

/** How long a proxy that cannot reach the control log waits before trying again. */
const FOLLOW_RETRY_MS = 2000;
/** How long a starting proxy waits for the control log before serving by its local copy of the log's last state. */
const LOCAL_COPY_AFTER_MS = 5000;

export interface ProxyOptions {
  /** Where mutations go; in memory by default. */
  readonly sink?: MutationSink;
  readonly logger?: Logger;
  /**
   * The control log: the proxy serves clients once it knows the primary and read mode from it
   * (or, while it cannot be read, from its local copy of the log's last state), and applies
   * set-primary and set-read-mode commands live. Without it, the configured ones stand.
   */
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
  /** Where the primary and read mode come from now (/health/ready says). */
  private control: ControlSource = 'configured';
  private localCopyTimer?: NodeJS.Timeout;
  /** The last write of the local copy of the control state. */
  private saving: Promise<void> = Promise.resolve();
  private readonly http: FastifyInstance;

  private constructor(
    private readonly ctx: ProxyContext,
    private readonly listener: Server,
  ) {
    this.http = healthAndMetrics(ctx, () => this.control);
  }

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
    const proxy = new ProxyServer(ctx, listener);
    remigrate = (table, failures) => proxy.remigrate(table, failures, options.control);
    listener.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => proxy.accept(socket));
    // Health first: while the proxy waits for the control log, /health/ready says so.
    await proxy.http.listen({ host: config.proxy.listenHost, port: config.proxy.metricsPort });
    try {
      // Drivers are served only once the primary and read mode are known, never by a stale default.
      if (options.control) await proxy.follow(options.control);
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen(config.proxy.queryPort, config.proxy.listenHost, () => resolve());
      });
    } catch (error) {
      await proxy.stop();
      throw error;
    }
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

  /** Answers written and not yet read by their clients, across every connection. */
  get bufferedBytes(): number {
    let total = 0;
    for (const session of this.sessions) total += session.buffered;
    return total;
  }

  /**
   * Takes the primary and read mode from the control log, after replaying it from its start, and
   * applies its changes as they are decided, so every proxy (one started later too) serves reads
   * the same way. Resolves once they are known: from the log; or, when the log cannot be read
   * (or has not answered in LOCAL_COPY_AFTER_MS), from the local copy of the log's last state
   * this proxy saw, kept in PROXY_SPOOL_DIR and rewritten whenever the log changes it. Without
   * either, it waits for the log.
   */
  private follow(control: ControlPlane): Promise<void> {
    const { live, logger, config } = this.ctx;
    const path = controlStatePath(config.proxy.spoolDir, config.proxy.id);
    this.control = 'waiting';
    let known = (): void => undefined;
    const isKnown = new Promise<void>((resolve) => (known = resolve));
    let saved: ServingState | undefined;
    const apply = (state: ServingState, source: 'control log' | 'local copy'): void => {
      if (source === 'control log') clearTimeout(this.localCopyTimer);
      const first = this.control !== source;
      const changed = live.primary !== state.primary || live.readMode !== state.readMode;
      live.primary = state.primary;
      live.readMode = state.readMode;
      this.control = source;
      if (first) logger.info({ primary: live.primary, readMode: live.readMode, from: source, configured: { primary: config.proxy.primaryCluster, readMode: config.proxy.readMode } }, 'primary and read mode known: serving clients by them');
      else if (changed) logger.info({ primary: live.primary, readMode: live.readMode }, 'control log applied');
      known();
      if (source === 'local copy' || sameServingState(saved, state)) return;
      saved = state;
      this.saving = this.saving
        .then(() => writeControlState(path, state, config.proxy.id))
        .catch((error: unknown) => logger.warn({ err: error, path }, 'could not keep a local copy of the control state: a restart while Kafka is down would wait for it'));
    };
    const fromLocalCopy = async (why: string): Promise<void> => {
      if (this.control !== 'waiting') return;
      const copy = await readControlState(path).catch((error: unknown) => void logger.error({ err: error, path }, 'the local copy of the control state is unreadable'));
      if (this.control !== 'waiting') return;
      if (copy === undefined) return void logger.warn({ path, why }, 'not serving clients yet: the primary and read mode are not known until the control log can be read');
      logger.warn({ path, why, primary: copy.primary, readMode: copy.readMode }, 'serving by the local copy of the control state until the control log can be read');
      saved = copy;
      this.migrationId ??= copy.migrationId;
      apply(copy, 'local copy');
    };
    this.localCopyTimer = setTimeout(() => void fromLocalCopy(`the control log has not answered in ${LOCAL_COPY_AFTER_MS} ms`), LOCAL_COPY_AFTER_MS);
    // Kafka away: tried again at a steady pace until the proxy stops.
    const backoff = new Backoff({ initialDelayMs: FOLLOW_RETRY_MS });
    const attempt = (): Promise<Subscription | undefined> =>
      control
        .follow(config.proxy.id, (state) => {
          this.migrationId = state.migrationId;
          apply({ primary: state.primary, readMode: state.readMode, ...(state.migrationId === undefined ? {} : { migrationId: state.migrationId }) }, 'control log');
        })
        .catch(async (error: unknown) => {
          // Once serving, drivers do not wait for Kafka: the proxy goes on as it is and tries again.
          logger.warn({ err: error, retryInMs: FOLLOW_RETRY_MS }, 'cannot follow the control log yet: trying again');
          await fromLocalCopy(`the control log cannot be read: ${(error as Error).message}`);
          return (await backoff.wait(this.stopping.signal)) ? attempt() : undefined;
        });
    this.following = attempt();
    return isKnown;
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
    clearTimeout(this.localCopyTimer);
    await (await this.following)?.stop();
    await this.saving;
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
      const version = replyVersion(frame.version);
      const message = `too many client connections (PROXY_MAX_CONNECTIONS=${this.ctx.config.proxy.maxConnections})`;
      socket.end(encodeResponse(version, frame.stream, { type: 'ERROR', code: ErrorCode.OVERLOADED, message }));
    });
  }
}

function healthAndMetrics(ctx: ProxyContext, control: () => ControlSource): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_request, reply) => {
    void reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
  app.get('/health/live', () => ({ status: 'ok' }));
  app.get('/health/ready', async (_request, reply) => {
    const [origin, target] = await Promise.all([reachable(ctx.endpoints.origin), reachable(ctx.endpoints.target)]);
    const { ready, body } = readiness({ origin, target, log: ctx.sink.unhealthy?.() ?? 'ok', control: control(), primary: ctx.live.primary, policy: ctx.config.proxy.targetFailurePolicy });
    return reply.code(ready ? 200 : 503).send(body);
  });
  return app;
}

/** Whether a cluster accepts connections now: 'up', or why not. */
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
