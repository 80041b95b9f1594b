import type { Socket } from 'node:net';
import { CLUSTER_NAMES, type ClusterName } from '@cutover/config';
import {
  ErrorCode,
  ConnectionFraming,
  Consistency,
  Opcode,
  ProtocolError,
  decodeRequest,
  decodeResponse,
  encodeRequestBody,
  startupCompression,
  type Envelope,
  type Frame,
  type Request,
  type Response,
} from '@cutover/cql-protocol';
import { coalescedWriter } from './coalesce.js';
import type { ProxyContext } from './context.js';
import { DualForwarder, NOT_PREPARED, preparedOf, type ClusterRequest } from './dual-forwarder.js';
import { Handshake } from './handshake.js';
import { hideInjected } from './nondeterministic.js';
import { chooseResponse, other, type Outcome, type Outcomes } from './outcome.js';
import type { MutationRecord } from './mutation-sink.js';
import { mutationRecord, type Recording } from './records.js';
import { useRequest } from './rejoin.js';
import { PROXY_VERSIONS, replyVersion, responseFrame, unsupportedVersionFrame } from './replies.js';
import { planPrepare, planRequest, type Plan, type PlannerInputs } from './request-planner.js';
import { localRow, peerRows } from './virtual-topology.js';

/** Why the session is not reading its client: a cluster's socket is full, or the client's is. */
type Hold = 'cluster-congested' | 'client-not-reading';

/**
 * A client that does not read its answers is disconnected when this much is waiting for it:
 * by then it has stopped reading for long (the proxy stopped reading its requests and the
 * clusters' answers long before, at the socket's high-water mark).
 */
const CLIENT_BUFFER_LIMIT = 64 * 1024 * 1024;

let nextSessionId = 0;

/**
 * One client connection: its socket, and the dispatch of each request to the handshake, the
 * planner and the dual forwarder. Every request is routed (writes to both clusters, reads to
 * the primary), re-addressed to the proxy's own stream ids, and answered once per the merge rules.
 */
export class ClientSession {
  readonly id = `c${++nextSessionId}`;
  /** The keyspace USE set on this connection: where unqualified table names live. */
  keyspace?: string;
  private readonly framing: ConnectionFraming;
  private readonly clusters: DualForwarder;
  private readonly handshake: Handshake;
  private version = 0;
  private isClosed = false;
  private readonly registeredEvents = new Set<string>();
  private readonly holds = new Set<Hold>();
  private readonly writeToClient: (bytes: Buffer) => boolean;
  private readonly handshakeTimer: NodeJS.Timeout;
  private readonly planning: PlannerInputs;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: ProxyContext,
    private readonly onClosed: (session: ClientSession) => void,
  ) {
    const { proxy } = ctx.config;
    this.framing = new ConnectionFraming(proxy.maxFrameBytes);
    this.clusters = new DualForwarder(ctx, this.id, {
      onEvent: (cluster, frame) => this.onClusterEvent(cluster, frame),
      onLost: (cluster, error) => this.onClusterLost(cluster, error),
      onCongested: (congested) => this.hold('cluster-congested', congested),
    });
    this.handshake = new Handshake(ctx, this.clusters);
    // Made once: the planner reads the live read mode when it plans.
    this.planning = {
      live: ctx.live,
      replaceNowUuid: proxy.replaceNowUuid,
      classify: ctx.classify,
      prepared: (id) => ctx.prepared.get(id),
      timestamp: () => ctx.clock.next(),
    };
    this.writeToClient = coalescedWriter(socket);
    this.handshakeTimer = setTimeout(() => this.handshakeTimedOut(), proxy.handshakeTimeoutMs).unref();
    if (proxy.idleTimeoutMs > 0) {
      socket.setTimeout(proxy.idleTimeoutMs, () => {
        ctx.logger.info({ session: this.id, client: this.clientAddress, idleMs: proxy.idleTimeoutMs }, 'closing a client connection idle for PROXY_IDLE_TIMEOUT_MS');
        this.close();
      });
    }
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.clusters.setReading(true);
      this.hold('client-not-reading', false);
    });
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  get clientAddress(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'}`;
  }

  /** The client's driver, as its STARTUP named it. */
  get driver(): string | undefined {
    return this.handshake.driver;
  }

  /** Answers waiting for the client to read them. */
  get buffered(): number {
    return this.socket.writableLength;
  }

  /** A getter, so that checks after an await are not narrowed away by one before it. */
  private get closed(): boolean {
    return this.isClosed;
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    clearTimeout(this.handshakeTimer);
    this.socket.destroy();
    this.clusters.close();
    this.onClosed(this);
  }

  private handshakeTimedOut(): void {
    if (this.closed || this.handshake.ready) return;
    const { handshakeTimeoutMs } = this.ctx.config.proxy;
    this.ctx.logger.warn({ session: this.id, client: this.clientAddress, phase: this.handshake.phase, handshakeTimeoutMs }, 'closing a client that did not finish its handshake within PROXY_HANDSHAKE_TIMEOUT_MS');
    this.close();
  }

  // ── input ──────────────────────────────────────────────────────────────────────────────

  private onData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.framing.read(chunk);
    } catch (error) {
      // The byte stream cannot be framed any more: say why, then hang up.
      const { stream, version } = error instanceof ProtocolError ? error : { stream: 0, version: undefined };
      this.replyError(stream ?? 0, ErrorCode.PROTOCOL_ERROR, (error as Error).message, replyVersion(version));
      this.socket.end();
      return;
    }
    for (const frame of frames) {
      this.handle(frame).catch((error: unknown) => this.onFailure(frame, error));
    }
  }

  private onFailure(frame: Frame, error: unknown): void {
    if (this.closed) return;
    this.ctx.logger.error({ err: error, session: this.id, opcode: frame.opcode }, 'request failed inside the proxy');
    this.replyError(frame.stream, ErrorCode.SERVER_ERROR, `proxy error: ${(error as Error).message}`);
  }

  private async handle(frame: Frame): Promise<void> {
    if (this.closed) return;
    if (!PROXY_VERSIONS.includes(frame.version as 3 | 4 | 5)) {
      // Cassandra's wording and header version, which drivers look for before retrying with a lower version.
      return this.write(unsupportedVersionFrame(frame.version, frame.stream));
    }
    if (frame.isResponse) return this.protocolError(frame, 'expected a request, got a response frame');
    if (this.version !== 0 && frame.version !== this.version) {
      return this.protocolError(frame, `this connection uses protocol v${this.version}, got a v${frame.version} frame`);
    }
    if (frame.stream < 0) return this.protocolError(frame, `stream id ${frame.stream} is reserved for server events`);

    let envelope: Envelope<Request>;
    try {
      envelope = decodeRequest(frame);
    } catch (error) {
      if (error instanceof ProtocolError) return this.protocolError(frame, error.message);
      throw error;
    }
    const message = envelope.message;
    if (!this.handshake.ready) return this.handshakeStep(frame, message);
    switch (message.type) {
      case 'OPTIONS':
        return this.reply(frame.stream, await this.handshake.options());
      case 'STARTUP':
      case 'AUTH_RESPONSE':
        return this.protocolError(frame, `Unexpected message ${message.type}, the connection is already initialized`);
      case 'REGISTER':
        for (const event of message.events) this.registeredEvents.add(event);
        await this.forwardToBoth(frame, { opcode: frame.opcode, flags: frame.flags, body: () => frame.body, kind: 'other', consistency: Consistency.ANY }, 'other');
        return;
      case 'PREPARE':
        return this.prepare(frame, message);
      case 'QUERY':
      case 'EXECUTE':
      case 'BATCH':
        return this.run(frame, this.plan(frame, envelope, message));
    }
  }

  private async handshakeStep(frame: Frame, message: Request): Promise<void> {
    const phase = this.handshake.phase;
    const expected = phase === 'new' ? ['STARTUP', 'OPTIONS'] : ['AUTH_RESPONSE'];
    if (!expected.includes(message.type)) return this.protocolError(frame, `Unexpected message ${message.type}, expecting ${expected.join(' or ')}`);
    let compression;
    try {
      compression = message.type === 'STARTUP' ? startupCompression(frame.version, message.options['COMPRESSION']) : undefined;
    } catch (error) {
      return this.protocolError(frame, (error as Error).message);
    }
    try {
      await this.clusters.open(frame.version);
    } catch (error) {
      this.replyError(frame.stream, ErrorCode.SERVER_ERROR, (error as Error).message, frame.version);
      this.socket.end();
      return;
    }
    this.version = frame.version;
    const answer =
      message.type === 'OPTIONS'
        ? await this.handshake.options()
        : message.type === 'STARTUP'
          ? await this.handshake.startup(message.options)
          : await this.handshake.authResponse(frame.body);
    if (this.handshake.ready) clearTimeout(this.handshakeTimer);
    const accepted = message.type === 'STARTUP' && (answer.type === 'READY' || answer.type === 'AUTHENTICATE');
    // Compression starts with the STARTUP's answer in v3 and v4, after it in v5, whose segments start then too.
    if (accepted && frame.version < 5) this.framing.compress(compression);
    this.reply(frame.stream, answer, frame.version);
    if (accepted && frame.version >= 5) {
      this.framing.compress(compression);
      this.framing.startSegments();
    }
  }

  // ── requests ───────────────────────────────────────────────────────────────────────────

  private plan(frame: Frame, envelope: Envelope<Request>, message: Extract<Request, { type: 'QUERY' | 'EXECUTE' | 'BATCH' }>): Plan {
    return planRequest(frame, message, envelope.customPayload, this.planning);
  }

  private async run(frame: Frame, plan: Plan): Promise<void> {
    switch (plan.kind) {
      case 'unprepared':
        return this.unprepared(frame, plan.id);
      case 'virtual':
        return this.virtualTable(frame, plan.table);
      case 'read':
        return this.forwardRead(frame, plan.request, plan.shadow);
      case 'both':
        if (plan.use) return this.use(frame, plan.request);
        if (this.refusedUnlogged(frame)) return;
        return this.forwardToBoth(frame, plan.request, plan.label, plan.recording);
    }
  }

  private async prepare(frame: Frame, message: Extract<Request, { type: 'PREPARE' }>): Promise<void> {
    const query = message.query;
    const { query: prepared, injected } = planPrepare(query, this.ctx.config.proxy.replaceNowUuid);
    const body = injected.length === 0 ? frame.body : encodeRequestBody({ ...message, query: prepared }, this.version);
    const outcomes = await this.clusters.callBoth({ opcode: frame.opcode, flags: frame.flags, body: () => body, kind: 'other', consistency: Consistency.ANY }, 'prepare');
    const primary = this.ctx.live.primary;
    // Under origin-acked, a statement target could not prepare now is prepared there when first executed.
    const targetLater = this.ctx.config.proxy.targetFailurePolicy === 'origin-acked' && !outcomes.target.ok;
    if (!outcomes.origin.ok || (!outcomes.target.ok && !targetLater)) return this.answer(frame.stream, chooseResponse(outcomes, primary));
    const answering = targetLater ? 'origin' : primary;
    const result = preparedOf(outcomes[answering].frame);
    this.ctx.prepared.add({
      clientId: result.id,
      query: prepared,
      info: this.ctx.classify(query),
      variables: result.variables,
      injected,
      ids: { origin: preparedOf(outcomes.origin.frame).id, target: targetLater ? NOT_PREPARED : preparedOf(outcomes.target.frame).id },
    });
    if (injected.length === 0) return this.answer(frame.stream, outcomes[answering]);
    this.reply(frame.stream, { type: 'RESULT', result: { ...result, variables: hideInjected(result.variables, injected) } });
  }

  /**
   * USE on both clusters, or on neither: a keyspace one cluster refuses is the client's error
   * whatever the failure policy, and the cluster that took it goes back to the keyspace before.
   */
  private async use(frame: Frame, request: ClusterRequest): Promise<void> {
    const outcomes = await this.clusters.callBoth(request, 'other');
    const failed = CLUSTER_NAMES.find((cluster) => !outcomes[cluster].ok);
    if (failed === undefined) {
      const response = decodeResponse(outcomes[this.ctx.live.primary].frame).message;
      if (response.type === 'RESULT' && response.result.kind === 'set_keyspace') this.keyspace = response.result.keyspace;
    } else if (outcomes[other(failed)].ok) {
      await this.restoreKeyspace(other(failed));
    }
    this.answer(frame.stream, failed === undefined ? outcomes[this.ctx.live.primary] : outcomes[failed]);
  }

  private async restoreKeyspace(cluster: ClusterName): Promise<void> {
    const before = this.keyspace;
    // No keyspace to go back to: a connection cannot leave one, so the client starts afresh.
    if (before === undefined) return this.close();
    const restored = await this.clusters.ask(cluster, Opcode.QUERY, useRequest(before, this.version));
    if (restored.type === 'ERROR') this.close();
  }

  /**
   * A mutation the log cannot take now (its journal is full, or Kafka is away under
   * LOG_FAILURE_POLICY=reject) is refused before any cluster sees it: nothing is applied that
   * the log would not have.
   */
  private refusedUnlogged(frame: Frame): boolean {
    const refusal = this.ctx.sink.refusal?.(frame.body.length);
    if (refusal === undefined) return false;
    this.ctx.metrics.refusedMutations.inc();
    this.replyError(frame.stream, ErrorCode.OVERLOADED, refusal);
    return true;
  }

  private unprepared(frame: Frame, id: Buffer): void {
    this.ctx.metrics.preparedMisses.inc();
    this.reply(frame.stream, {
      type: 'ERROR',
      code: ErrorCode.UNPREPARED,
      message: `Prepared query with ID ${id.toString('hex')} not found (the proxy has not seen it prepared)`,
      details: { kind: 'unprepared', id },
    });
  }

  // ── forwarding ─────────────────────────────────────────────────────────────────────────

  /**
   * Both clusters, then the client gets the answer the merge rules choose. A mutation goes to
   * the log first: under LOG_DURABILITY=acked the answer waits until the journal has it, and a
   * mutation the journal could not take is not acknowledged.
   */
  private async forwardToBoth(frame: Frame, request: ClusterRequest, kind: string, recording?: Recording): Promise<void> {
    const receivedAt = Date.now();
    const outcomes = await this.clusters.callBoth(request, kind);
    const answer = chooseResponse(outcomes, this.ctx.live.primary, this.ctx.config.proxy.targetFailurePolicy);
    const logged = recording === undefined ? undefined : this.ctx.sink.record(this.record(frame, request, recording, receivedAt, outcomes));
    if (logged !== undefined) {
      try {
        await logged;
      } catch (error) {
        this.ctx.logger.error({ err: error, session: this.id }, 'a mutation both clusters ran could not be logged: answered with an error, not acknowledged');
        return this.replyError(frame.stream, ErrorCode.SERVER_ERROR, `the mutation was applied but could not be written to the proxy's mutation log, so it is not acknowledged: ${(error as Error).message}`);
      }
    }
    this.answer(frame.stream, answer);
  }

  private async forwardRead(frame: Frame, request: ClusterRequest, shadow: boolean): Promise<void> {
    const primary = this.ctx.live.primary;
    const secondary = shadow ? this.clusters.call(other(primary), request, 'shadow-read') : undefined;
    const outcome = await this.clusters.call(primary, request, 'read');
    this.answer(frame.stream, outcome);
    if (secondary) this.ctx.dualReads.compare(outcome, await secondary, this.version, primary);
  }

  /** The log's record of a request both clusters ran; origin's body is built now, after any re-prepare. */
  private record(frame: Frame, request: ClusterRequest, recording: Recording, receivedAt: number, outcomes: Outcomes): MutationRecord {
    return mutationRecord({
      recording,
      ctx: this.ctx,
      session: this,
      receivedAt,
      request: { version: this.version, opcode: frame.opcode, flags: frame.flags, body: request.body('origin') },
      outcomes,
    });
  }

  // ── the virtual topology ──────────────────────────────────────────────────────────────

  /** system.local and system.peers describe the proxies, not the clusters; peers_v2 does not exist. */
  private async virtualTable(frame: Frame, table: 'local' | 'peers' | 'peers_v2'): Promise<void> {
    if (table === 'peers_v2') return this.replyError(frame.stream, ErrorCode.INVALID, 'unconfigured table peers_v2');
    const primary = this.ctx.live.primary;
    const request: ClusterRequest = { opcode: frame.opcode, flags: frame.flags, body: () => frame.body, kind: 'read', consistency: Consistency.ONE };
    const outcome = await this.clusters.call(primary, request, 'system');
    const response = outcome.ok ? decodeResponse(outcome.frame) : undefined;
    const result = response?.message.type === 'RESULT' ? response.message.result : undefined;
    if (result?.kind !== 'rows' || result.metadata.columns === undefined) return this.answer(frame.stream, outcome);
    const columns = result.metadata.columns;
    const { self, nodes } = this.ctx.topology;
    const port = this.ctx.config.proxy.queryPort;
    const encode = this.ctx.encodeFor(this.version);
    const rows =
      table === 'local'
        ? result.rows.map((row) => localRow(columns, row, self, port, encode))
        : peerRows(columns, nodes, self, port, await this.localTemplate(primary), encode);
    this.reply(frame.stream, { type: 'RESULT', result: { kind: 'rows', metadata: result.metadata, rows } });
  }

  /** The primary's own system.local row, by column name: what peers rows are made from. */
  private async localTemplate(cluster: ClusterName): Promise<Map<string, Buffer | null>> {
    const body = encodeRequestBody({ type: 'QUERY', query: 'SELECT * FROM system.local', params: { consistency: Consistency.ONE, skipMetadata: false } }, this.version);
    const response = await this.clusters.ask(cluster, Opcode.QUERY, body);
    const template = new Map<string, Buffer | null>();
    if (response.type === 'RESULT' && response.result.kind === 'rows' && response.result.metadata.columns) {
      const row = response.result.rows[0] ?? [];
      response.result.metadata.columns.forEach((column, i) => template.set(column.name, row[i] ?? null));
    }
    return template;
  }

  // ── the clusters ───────────────────────────────────────────────────────────────────────

  private onClusterEvent(cluster: ClusterName, frame: Frame): void {
    // Schema changes come from origin only (target would repeat them); topology and status
    // events would describe the clusters, which drivers never see, so they are dropped.
    if (cluster !== 'origin' || !this.handshake.ready) return;
    const { message } = decodeResponse(frame);
    if (message.type === 'EVENT' && message.event.type === 'SCHEMA_CHANGE' && this.registeredEvents.has('SCHEMA_CHANGE')) this.send({ ...frame, version: this.version });
  }

  private onClusterLost(cluster: ClusterName, error: Error | undefined): void {
    if (this.closed || !error) return this.close();
    if (cluster === 'target' && this.handshake.ready && this.ctx.config.proxy.targetFailurePolicy === 'origin-acked') {
      // The client goes on with origin; until target is back its writes fail there fast and go to the healer.
      this.ctx.logger.warn({ session: this.id, reason: error.message }, 'target connection lost; serving the client on origin while reconnecting to target');
      return this.clusters.reconnectTarget(
        () => this.handshake.rejoining(this.keyspace),
        (refusal) => {
          this.ctx.logger.warn({ session: this.id, reason: refusal }, 'target refused the session again; closing the client connection so its driver reconnects');
          this.close();
        },
      );
    }
    this.ctx.logger.warn({ session: this.id, cluster, reason: error.message }, 'cluster connection lost; closing the client connection so its driver reconnects');
    this.close();
  }

  // ── output ─────────────────────────────────────────────────────────────────────────────

  /** Sends a cluster's answer (or a synthesized error) to the client on the client's stream. */
  private answer(stream: number, outcome: Outcome): void {
    this.send({ ...outcome.frame, stream });
  }

  private reply(stream: number, response: Response, version = this.version || 4): void {
    this.send(responseFrame(version, stream, response));
  }

  private replyError(stream: number, code: number, message: string, version = this.version || 4): void {
    this.reply(stream, { type: 'ERROR', code, message }, version);
  }

  private protocolError(frame: Frame, message: string): void {
    this.replyError(frame.stream, ErrorCode.PROTOCOL_ERROR, message, replyVersion(frame.version));
  }

  /** A frame to the client, in the framing its handshake negotiated. */
  private send(frame: Frame): void {
    this.write(this.framing.write([frame]));
  }

  private write(bytes: Buffer): void {
    if (this.closed) return;
    if (!this.writeToClient(bytes)) {
      // Backpressure the other way: a client slow to read stops its requests and the clusters' answers.
      this.clusters.setReading(false);
      this.hold('client-not-reading', true);
    }
    if (this.socket.writableLength > CLIENT_BUFFER_LIMIT) {
      this.ctx.logger.warn({ session: this.id, client: this.clientAddress, buffered: this.socket.writableLength }, 'closing a client that does not read its answers');
      this.close();
    }
  }

  /** Reads the client only while nothing holds it back. */
  private hold(reason: Hold, held: boolean): void {
    if (held) this.holds.add(reason);
    else this.holds.delete(reason);
    if (this.holds.size > 0) this.socket.pause();
    else if (!this.closed) this.socket.resume();
  }
}
