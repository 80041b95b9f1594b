import type { ClusterName } from '@cutover/config';
import { Backoff } from '@cutover/errors';
import { redactPasswords } from '@cutover/mutation-log';
import { DEFAULT_MAX_BODY_LENGTH, ErrorCode, Opcode, decodeResponse, encodeRequestBody, translateRequestBody, translateResponse, type Frame, type Response } from '@cutover/cql-protocol';
import { ClusterConnection } from './cluster-connection.js';
import type { ProxyContext } from './context.js';
import { ProxyError } from './errors.js';
import type { Outcome, Outcomes } from './outcome.js';
import type { PreparedStatement } from './prepared-cache.js';
import { errorFrame, timeoutFrame, type RequestKind } from './replies.js';
import { rejoin, type SessionHandshake } from './rejoin.js';

/** How to send one request to one cluster, and rebuild it if that cluster lost the statement. */
export interface ClusterRequest {
  readonly opcode: number;
  readonly flags: number;
  readonly body: (cluster: ClusterName) => Buffer;
  readonly kind: RequestKind;
  readonly consistency: number;
  readonly batch?: boolean;
  /** Statements to prepare again on a cluster that answers UNPREPARED (after a restart). */
  readonly prepared?: readonly PreparedStatement[];
}

/** The id of a statement a cluster has not prepared yet (target, down when the client prepared it). */
export const NOT_PREPARED = Buffer.alloc(0);

/** What the forwarder tells its session. */
export interface ForwarderEvents {
  /** A server-pushed EVENT frame from one cluster. */
  onEvent(cluster: ClusterName, frame: Frame): void;
  /** A cluster connection is gone; `error` says why when it was not closed on purpose. */
  onLost(cluster: ClusterName, error: Error | undefined): void;
  /** A cluster's socket is full: stop reading the client until both have drained. */
  onCongested(congested: boolean): void;
}

/**
 * A client session's pair of cluster connections: opened once, whatever the client pipelines
 * during its handshake; one request on one cluster or both, as outcomes (errors, timeouts and
 * lost connections included); statements a restarted cluster lost prepared again; target
 * opened again as the session had it.
 */
export class DualForwarder {
  private clusters?: Record<ClusterName, ClusterConnection>;
  private opening?: Promise<void>;
  private closed = false;
  /** Connections whose socket is full, each waited for once until it drains. */
  private readonly draining = new Set<ClusterConnection>();
  /** The client's protocol version: requests come in it, answers go out in it. */
  version = 0;
  /** Each cluster's own version: the client's, or the highest below it the cluster speaks. */
  private readonly versions: Record<ClusterName, number> = { origin: 0, target: 0 };

  constructor(
    private readonly ctx: ProxyContext,
    private readonly sessionId: string,
    private readonly events: ForwarderEvents,
  ) {}

  /** Opens both connections for a client of `version`, once: later calls wait for the first. */
  open(version: number): Promise<void> {
    this.opening ??= this.openBoth(version);
    return this.opening;
  }

  private async openBoth(version: number): Promise<void> {
    const [origin, target] = await Promise.allSettled([this.connectAtMost('origin', version), this.connectAtMost('target', version)]);
    if (origin.status === 'rejected' || target.status === 'rejected') {
      if (origin.status === 'fulfilled') origin.value.close();
      if (target.status === 'fulfilled') target.value.close();
      throw (origin.status === 'rejected' ? origin.reason : (target as PromiseRejectedResult).reason) as Error;
    }
    this.version = version;
    this.clusters = { origin: origin.value, target: target.value };
    if (this.closed) this.close();
  }

  /**
   * A connection at the client's version, or at v4 if the cluster does not speak v5 (it answers
   * a v5 OPTIONS with an error, as Cassandra 3 does): requests and answers are then translated.
   */
  private async connectAtMost(name: ClusterName, version: number): Promise<ClusterConnection> {
    const connection = await this.connect(name, version);
    if (version >= 5) {
      const answer = await connection.send(Opcode.OPTIONS, Buffer.alloc(0));
      if (answer.opcode === Opcode.ERROR) {
        connection.close();
        this.ctx.logger.info({ session: this.sessionId, cluster: name }, 'the cluster does not speak protocol v5: the proxy speaks v4 to it and translates');
        return this.connectAtMost(name, 4);
      }
    }
    this.versions[name] = version;
    return connection;
  }

  /** The protocol version the proxy speaks with `cluster`. */
  versionOf(cluster: ClusterName): number {
    return this.versions[cluster];
  }

  private async connect(name: ClusterName, version: number): Promise<ClusterConnection> {
    const { config, metrics } = this.ctx;
    const connection: ClusterConnection = await ClusterConnection.connect(this.ctx.endpoints[name], {
      version,
      // A cluster's answers are not the client's requests: only the protocol's own limit applies.
      maxFrameBytes: DEFAULT_MAX_BODY_LENGTH,
      requestTimeoutMs: config.proxy.requestTimeoutMs,
      heartbeatIntervalMs: config.proxy.heartbeatIntervalMs,
      ...(config.proxy.clusterCompression === 'none' ? {} : { compression: config.proxy.clusterCompression }),
      onEvent: (event) => this.events.onEvent(name, event),
      onClose: (error) => {
        metrics.clusterConnections.dec({ cluster: name });
        // A connection gone will not drain: it no longer holds the client back.
        if (this.draining.delete(connection) && this.draining.size === 0) this.events.onCongested(false);
        // Only the session's own connections matter: not a probe, nor a reconnection not yet in use.
        if (this.clusters?.[name] === connection) this.events.onLost(name, error);
      },
    });
    metrics.clusterConnections.inc({ cluster: name });
    return connection;
  }

  /** One request body (in the client's version) on one cluster: for the handshake and the proxy's own questions. */
  async ask(cluster: ClusterName, opcode: number, body: Buffer): Promise<Response> {
    return decodeResponse(await this.connection(cluster).send(opcode, this.inVersionOf(cluster, opcode, 0, body))).message;
  }

  async callBoth(request: ClusterRequest, kind: string): Promise<Outcomes> {
    const [origin, target] = await Promise.all([this.call('origin', request, kind), this.call('target', request, kind)]);
    return { origin, target };
  }

  /** One request on one cluster, as an outcome: errors, timeouts and lost connections included. */
  async call(cluster: ClusterName, request: ClusterRequest, kind: string): Promise<Outcome> {
    const started = performance.now();
    const { metrics } = this.ctx;
    metrics.inflight.inc();
    try {
      for (const statement of request.prepared ?? []) if (statement.ids[cluster] === NOT_PREPARED) await this.prepareOn(cluster, statement);
      let frame = await this.send(cluster, request);
      if (frame.opcode === Opcode.ERROR && request.prepared && (await this.reprepared(cluster, frame, request.prepared))) {
        frame = await this.send(cluster, request);
      }
      const latencyMs = performance.now() - started;
      metrics.observeRequest(kind, cluster, latencyMs / 1000);
      if (frame.version !== this.version) frame = translateResponse(frame, this.version);
      if (frame.opcode !== Opcode.ERROR) return { ok: true, frame, latencyMs };
      const error = decodeResponse(frame).message as Extract<Response, { type: 'ERROR' }>;
      metrics.clusterFailures.inc({ cluster, code: `0x${error.code.toString(16).padStart(4, '0')}` });
      return { ok: false, frame, errorCode: error.code, message: error.message, latencyMs, timedOut: false };
    } catch (error) {
      if (!(error instanceof ProxyError)) throw error;
      const latencyMs = performance.now() - started;
      const timedOut = error.code === 'CLUSTER_TIMEOUT';
      metrics.clusterFailures.inc({ cluster, code: error.code });
      const frame = timedOut
        ? timeoutFrame(this.version, request.kind, request.consistency, request.batch === true, error.message)
        : errorFrame(this.version, error.code === 'CLUSTER_OVERLOADED' ? ErrorCode.OVERLOADED : ErrorCode.SERVER_ERROR, error.message);
      const errorCode = timedOut ? (request.kind === 'write' ? ErrorCode.WRITE_TIMEOUT : ErrorCode.READ_TIMEOUT) : ErrorCode.SERVER_ERROR;
      return { ok: false, frame, errorCode, message: error.message, latencyMs, timedOut };
    } finally {
      metrics.inflight.dec();
    }
  }

  /** Prepares a statement on one cluster, keeping the proxy's mapping; false if the cluster refused it. */
  async prepareOn(cluster: ClusterName, statement: PreparedStatement): Promise<boolean> {
    const answer = await this.connection(cluster).send(Opcode.PREPARE, encodeRequestBody({ type: 'PREPARE', query: statement.query }, this.versions[cluster]));
    if (answer.opcode === Opcode.ERROR) return false;
    statement.ids[cluster] = preparedOf(answer).id;
    return true;
  }

  /**
   * Opens target again as the session had it (STARTUP, credentials, keyspace), trying every
   * second until target answers. `gaveUp` is called only if target refuses the session itself.
   */
  reconnectTarget(handshake: () => SessionHandshake, gaveUp: (reason: string) => void): void {
    const retries = new Backoff({ initialDelayMs: 1000 });
    const attempt = async (): Promise<void> => {
      if (this.closed) return;
      let connection: ClusterConnection | undefined;
      try {
        connection = await this.connect('target', this.versions.target);
      } catch {
        setTimeout(() => void attempt(), retries.next()).unref();
        return;
      }
      const refusal = await rejoin(connection, handshake()).catch((error: Error) => error.message);
      if (refusal === undefined && !this.closed) {
        this.clusters!.target = connection;
        this.ctx.logger.info({ session: this.sessionId }, 'target connection restored');
        return;
      }
      connection.close();
      if (refusal !== undefined) gaveUp(refusal);
    };
    setTimeout(() => void attempt(), retries.next()).unref();
  }

  /** Stops or restarts reading the clusters' answers, when the client is slow to read its own. */
  setReading(reading: boolean): void {
    if (this.clusters) for (const connection of Object.values(this.clusters)) connection.setReading(reading);
  }

  close(): void {
    this.closed = true;
    if (this.clusters) for (const connection of Object.values(this.clusters)) connection.close();
  }

  /** A request body in the client's version, as `cluster` reads it. */
  private inVersionOf(cluster: ClusterName, opcode: number, flags: number, body: Buffer): Buffer {
    const version = this.versions[cluster];
    if (version === this.version) return body;
    try {
      return translateRequestBody({ version: this.version, isResponse: false, flags, stream: 0, opcode, body }, version);
    } catch (error) {
      throw new ProxyError('CLUSTER_PROTOCOL', `${cluster} speaks protocol v${version}: ${(error as Error).message}`);
    }
  }

  private connection(cluster: ClusterName): ClusterConnection {
    if (this.clusters === undefined) throw new ProxyError('CLUSTER_UNAVAILABLE', 'the cluster connections are not open');
    return this.clusters[cluster];
  }

  private async send(cluster: ClusterName, request: ClusterRequest): Promise<Frame> {
    const connection = this.connection(cluster);
    const response = connection.send(request.opcode, this.inVersionOf(cluster, request.opcode, request.flags, request.body(cluster)), request.flags);
    if (connection.congested && !this.draining.has(connection)) {
      // Backpressure: the session stops reading its client until the cluster has taken what we sent.
      this.draining.add(connection);
      this.events.onCongested(true);
      connection.onDrain(() => {
        this.draining.delete(connection);
        if (this.draining.size === 0) this.events.onCongested(false);
      });
    }
    return response;
  }

  /**
   * A cluster that answers UNPREPARED has lost a statement (it restarted): prepare it there
   * again under the proxy's mapping, so the client never notices. True when it did.
   */
  private async reprepared(cluster: ClusterName, frame: Frame, statements: readonly PreparedStatement[]): Promise<boolean> {
    const error = decodeResponse(frame).message;
    if (error.type !== 'ERROR' || error.details?.kind !== 'unprepared') return false;
    const lost = error.details.id;
    const statement = statements.find((s) => s.ids[cluster].equals(lost));
    if (statement === undefined || !(await this.prepareOn(cluster, statement))) return false;
    this.ctx.metrics.reprepared.inc({ cluster });
    this.ctx.logger.info({ session: this.sessionId, cluster, query: redactPasswords(statement.query) }, 'statement re-prepared after the cluster lost it');
    return true;
  }
}

export function preparedOf(frame: Frame): Extract<Extract<Response, { type: 'RESULT' }>['result'], { kind: 'prepared' }> {
  const { message } = decodeResponse(frame);
  if (message.type !== 'RESULT' || message.result.kind !== 'prepared') throw new ProxyError('CLUSTER_PROTOCOL', `expected a PREPARED result, got ${message.type}`);
  return message.result;
}
