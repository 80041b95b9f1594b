import type { Socket } from 'node:net';
import type { ClusterName } from '@cutover/config';
import {
  ErrorCode,
  FrameDecoder,
  Opcode,
  ProtocolError,
  decodeRequest,
  decodeResponse,
  encodeFrame,
  encodeRequestBody,
  encodeResponse,
  type BatchStatement,
  type Envelope,
  type Frame,
  type QueryParameters,
  type Request,
  type Response,
  type StatementInfo,
} from '@cutover/cql-protocol';
import { ClusterConnection } from './cluster-connection.js';
import { coalescedWriter } from './coalesce.js';
import type { ProxyContext } from './context.js';
import { ProxyError } from './errors.js';
import { bindNowAndUuid, hideInjected, replaceNowAndUuid, withInjected } from './nondeterministic.js';
import { chooseResponse, other, type Outcome, type Outcomes } from './outcome.js';
import type { PreparedStatement } from './prepared-cache.js';
import type { MutationRecord } from './mutation-sink.js';
import { mutationRecord, type RecordedStatement } from './records.js';
import { PROXY_VERSIONS, errorFrame, plainToken, supportedByBoth, timeoutFrame, unsupportedVersionMessage, type RequestKind } from './replies.js';
import { rejoin } from './rejoin.js';
import { route } from './routing.js';
import { localRow, peerRows } from './virtual-topology.js';

type Phase = 'new' | 'authenticating' | 'ready' | 'closed';
type QueryMessage = Extract<Request, { type: 'QUERY' }>;
type ExecuteMessage = Extract<Request, { type: 'EXECUTE' }>;
type BatchMessage = Extract<Request, { type: 'BATCH' }>;
/** The request the log keeps: as origin received it. */
type LoggedRequest = { readonly opcode: number; readonly flags: number; readonly body: Buffer };

/** How to send one request to one cluster, and rebuild it if that cluster lost the statement. */
interface ClusterRequest {
  readonly opcode: number;
  readonly flags: number;
  readonly body: (cluster: ClusterName) => Buffer;
  readonly kind: RequestKind;
  readonly consistency: number;
  readonly batch?: boolean;
  /** Statements to prepare again on a cluster that answers UNPREPARED (after a restart). */
  readonly prepared?: readonly PreparedStatement[];
}

let nextSessionId = 0;

/** The id of a statement a cluster has not prepared yet (target, down when the client prepared it). */
const NOT_PREPARED = Buffer.alloc(0);

/**
 * One client connection and its two cluster connections. The client's handshake is mirrored
 * to both clusters; afterwards every request is routed (writes to both, reads to the primary),
 * re-addressed to the proxy's own stream ids, and answered once per the merge rules.
 */
export class ClientSession {
  readonly id = `c${++nextSessionId}`;
  private readonly decoder: FrameDecoder;
  private phase: Phase = 'new';
  private version = 0;
  private clusters?: Record<ClusterName, ClusterConnection>;
  private supported?: Record<string, string[]>;
  private authenticating?: ClusterName;
  /** The keyspace USE set on this connection: where unqualified table names live. */
  keyspace?: string;
  /** The client's driver, as its STARTUP named it. */
  driver?: string;
  /** The client's STARTUP and accepted credentials: what opening target again takes. */
  private startupBody?: Buffer;
  private clientToken?: Buffer;
  private registeredEvents = new Set<string>();
  private readonly writeToClient: (bytes: Buffer) => boolean;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: ProxyContext,
    private readonly onClosed: (session: ClientSession) => void,
  ) {
    this.decoder = new FrameDecoder({ maxBodyLength: ctx.config.proxy.maxFrameBytes });
    this.writeToClient = coalescedWriter(socket);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.setClusterReading(true));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  get clientAddress(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'}`;
  }

  /** A getter, so that checks after an await are not narrowed away by one before it. */
  private get closed(): boolean {
    return this.phase === 'closed';
  }

  close(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.socket.destroy();
    if (this.clusters) for (const connection of Object.values(this.clusters)) connection.close();
    this.onClosed(this);
  }

  // ── input ──────────────────────────────────────────────────────────────────────────────

  private onData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
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
    if (this.phase === 'closed') return;
    this.ctx.logger.error({ err: error, session: this.id, opcode: frame.opcode }, 'request failed inside the proxy');
    this.replyError(frame.stream, ErrorCode.SERVER_ERROR, `proxy error: ${(error as Error).message}`);
  }

  private async handle(frame: Frame): Promise<void> {
    if (this.phase === 'closed') return;
    if (!PROXY_VERSIONS.includes(frame.version as 3 | 4)) {
      // The wording drivers look for before retrying with a lower version.
      return this.replyError(frame.stream, ErrorCode.PROTOCOL_ERROR, unsupportedVersionMessage(frame.version), replyVersion(frame.version));
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

    if (this.phase === 'new') {
      if (message.type === 'OPTIONS') return this.answerOptions(frame);
      if (message.type === 'STARTUP') return this.startupHandshake(frame, message.options);
      return this.protocolError(frame, `Unexpected message ${message.type}, expecting STARTUP or OPTIONS`);
    }
    if (this.phase === 'authenticating') {
      if (message.type === 'AUTH_RESPONSE') return this.authResponse(frame);
      return this.protocolError(frame, `Unexpected message ${message.type}, expecting AUTH_RESPONSE`);
    }
    switch (message.type) {
      case 'OPTIONS':
        return this.reply(frame.stream, { type: 'SUPPORTED', options: this.supported ?? {} });
      case 'STARTUP':
      case 'AUTH_RESPONSE':
        return this.protocolError(frame, `Unexpected message ${message.type}, the connection is already initialized`);
      case 'REGISTER':
        for (const event of message.events) this.registeredEvents.add(event);
        await this.forwardToBoth(frame, { opcode: frame.opcode, flags: frame.flags, body: () => frame.body, kind: 'other', consistency: 0 }, 'other');
        return;
      case 'QUERY':
        return this.query(frame, envelope, message);
      case 'PREPARE':
        return this.prepare(frame, message.query);
      case 'EXECUTE':
        return this.execute(frame, envelope, message);
      case 'BATCH':
        return this.batch(frame, envelope, message);
    }
  }

  // ── handshake ──────────────────────────────────────────────────────────────────────────

  private async openClusters(version: number): Promise<Record<ClusterName, ClusterConnection>> {
    if (this.clusters) return this.clusters;
    const [origin, target] = await Promise.allSettled([this.connect('origin', version), this.connect('target', version)]);
    if (origin.status === 'rejected' || target.status === 'rejected') {
      if (origin.status === 'fulfilled') origin.value.close();
      if (target.status === 'fulfilled') target.value.close();
      throw (origin.status === 'rejected' ? origin.reason : (target as PromiseRejectedResult).reason) as Error;
    }
    this.version = version;
    this.clusters = { origin: origin.value, target: target.value };
    return this.clusters;
  }

  private connect(name: ClusterName, version: number): Promise<ClusterConnection> {
    return ClusterConnection.connect(this.ctx.endpoints[name], {
      version,
      maxFrameBytes: this.ctx.config.proxy.maxFrameBytes,
      requestTimeoutMs: this.ctx.config.proxy.requestTimeoutMs,
      heartbeatIntervalMs: this.ctx.config.proxy.heartbeatIntervalMs,
      onEvent: (event) => this.onClusterEvent(name, event),
      onClose: (error) => this.onClusterLost(name, error),
    });
  }

  private onClusterLost(name: ClusterName, error: Error | undefined): void {
    if (this.phase === 'closed' || !error) return this.close();
    if (name === 'target' && this.phase === 'ready' && this.ctx.config.proxy.targetFailurePolicy === 'origin-acked') {
      // The client goes on with origin; until target is back its writes fail there fast and go to the healer.
      this.ctx.logger.warn({ session: this.id, reason: error.message }, 'target connection lost; serving the client on origin while reconnecting to target');
      return this.reconnectTarget();
    }
    this.ctx.logger.warn({ session: this.id, cluster: name, reason: error.message }, 'cluster connection lost; closing the client connection so its driver reconnects');
    this.close();
  }

  /**
   * Opens target again as this session had it: the client's STARTUP, credentials (the proxy's,
   * or the client's own as it sent them) and keyspace. Tries every second until target answers;
   * gives up, closing the client connection, only if target refuses the session itself.
   */
  private reconnectTarget(): void {
    const attempt = async (): Promise<void> => {
      if (this.closed) return;
      let connection: ClusterConnection | undefined;
      try {
        connection = await this.connect('target', this.version);
      } catch {
        setTimeout(() => void attempt(), 1000).unref();
        return;
      }
      const token = this.ctx.config.proxy.clientCredentials === 'target' ? this.clientToken : this.proxyToken('target');
      const handshake = { version: this.version, startup: this.startupBody!, token, keyspace: this.keyspace };
      const refusal = await rejoin(connection, handshake).catch((error: Error) => error.message);
      if (refusal === undefined && !this.closed) {
        this.clusters!.target = connection;
        this.ctx.logger.info({ session: this.id }, 'target connection restored');
        return;
      }
      connection.close();
      if (refusal !== undefined) {
        this.ctx.logger.warn({ session: this.id, reason: refusal }, 'target refused the session again; closing the client connection so its driver reconnects');
        this.close();
      }
    };
    setTimeout(() => void attempt(), 1000).unref();
  }

  /** Connects to both clusters if it has not yet, answering the client with the reason when it cannot. */
  private async clustersOrFail(frame: Frame): Promise<Record<ClusterName, ClusterConnection> | undefined> {
    try {
      return await this.openClusters(frame.version);
    } catch (error) {
      this.replyError(frame.stream, ErrorCode.SERVER_ERROR, (error as Error).message, frame.version);
      this.socket.end();
      return undefined;
    }
  }

  private async answerOptions(frame: Frame): Promise<void> {
    const clusters = await this.clustersOrFail(frame);
    if (!clusters) return;
    this.reply(frame.stream, { type: 'SUPPORTED', options: await this.learnSupported(clusters) }, frame.version);
  }

  /** What both clusters support, asked once per connection. */
  private async learnSupported(clusters: Record<ClusterName, ClusterConnection>): Promise<Record<string, string[]>> {
    if (!this.supported) {
      const [origin, target] = await Promise.all([clusters.origin.send(Opcode.OPTIONS, Buffer.alloc(0)), clusters.target.send(Opcode.OPTIONS, Buffer.alloc(0))]);
      this.supported = supportedByBoth(supportedOf(origin), supportedOf(target));
    }
    return this.supported;
  }

  private async startupHandshake(frame: Frame, options: Readonly<Record<string, string>>): Promise<void> {
    if (options['COMPRESSION'] !== undefined) {
      return this.protocolError(frame, `compression (${options['COMPRESSION']}) is not supported by the proxy`);
    }
    const clusters = await this.clustersOrFail(frame);
    if (!clusters) return;
    await this.learnSupported(clusters);
    const { DRIVER_NAME: name, DRIVER_VERSION: version } = options;
    if (name !== undefined) this.driver = version === undefined ? name : `${name} ${version}`;
    const body = frame.body;
    this.startupBody = body;
    const [origin, target] = await Promise.all([
      this.handshakeStep('origin', Opcode.STARTUP, body),
      this.handshakeStep('target', Opcode.STARTUP, body),
    ]);
    const answers: Record<ClusterName, Response> = { origin, target };
    for (const name of ['origin', 'target'] as const) {
      if (answers[name].type === 'ERROR') return this.reply(frame.stream, answers[name]);
    }

    // The client's credentials go to one cluster; the proxy authenticates to the other itself.
    const clientCluster = this.ctx.config.proxy.clientCredentials;
    const proxyCluster = other(clientCluster);
    if (answers[proxyCluster].type === 'AUTHENTICATE') {
      const failure = await this.authenticateAsProxy(proxyCluster);
      if (failure) return this.reply(frame.stream, failure);
    }
    const clientAnswer = answers[clientCluster];
    if (clientAnswer.type === 'AUTHENTICATE') {
      this.phase = 'authenticating';
      this.authenticating = clientCluster;
      return this.reply(frame.stream, clientAnswer);
    }
    this.phase = 'ready';
    this.reply(frame.stream, { type: 'READY' });
  }

  private async handshakeStep(cluster: ClusterName, opcode: number, body: Buffer): Promise<Response> {
    const frame = await this.clusters![cluster].send(opcode, body);
    return decodeResponse(frame).message;
  }

  /** Logs in to `cluster` with the configured credentials; returns the error to give the client, if any. */
  private async authenticateAsProxy(cluster: ClusterName): Promise<Response | undefined> {
    const token = this.proxyToken(cluster);
    if (token === undefined) {
      return { type: 'ERROR', code: ErrorCode.BAD_CREDENTIALS, message: `${cluster} requires authentication, but ${cluster.toUpperCase()}_USERNAME is not set on the proxy` };
    }
    const answer = await this.handshakeStep(cluster, Opcode.AUTH_RESPONSE, token);
    if (answer.type === 'AUTH_SUCCESS') return undefined;
    if (answer.type === 'ERROR') return { ...answer, message: `${cluster}: ${answer.message}` };
    return { type: 'ERROR', code: ErrorCode.BAD_CREDENTIALS, message: `${cluster} answered ${answer.type} to PLAIN credentials` };
  }

  /** The AUTH_RESPONSE body of the proxy's own credentials for `cluster`, if it has any. */
  private proxyToken(cluster: ClusterName): Buffer | undefined {
    const { username, password } = this.ctx.config[cluster];
    if (username === undefined) return undefined;
    return encodeRequestBody({ type: 'AUTH_RESPONSE', token: plainToken(username, password ?? '') }, this.version);
  }

  private async authResponse(frame: Frame): Promise<void> {
    const answer = await this.handshakeStep(this.authenticating!, Opcode.AUTH_RESPONSE, frame.body);
    if (answer.type === 'AUTH_SUCCESS') {
      this.phase = 'ready';
      this.clientToken = frame.body; // to open target again as this client, should it restart
    }
    this.reply(frame.stream, answer);
  }

  // ── requests ───────────────────────────────────────────────────────────────────────────

  private async query(frame: Frame, envelope: Envelope<Request>, message: QueryMessage): Promise<void> {
    const info = this.ctx.classify(message.query);
    const where = route(info, this.ctx.live.readMode);
    if (where.kind === 'virtual') return this.virtualTable(frame, where.table);
    const request = { opcode: frame.opcode, flags: frame.flags, kind: kindOf(info), consistency: message.params.consistency };
    if (where.kind === 'primary') return this.forwardRead(frame, { ...request, body: () => frame.body }, where.shadow);
    if (info.kind !== 'use' && this.refusedUnlogged(frame)) return;

    const query = this.ctx.config.proxy.replaceNowUuid && (info.nonIdempotent.now || info.nonIdempotent.uuid) ? replaceNowAndUuid(message.query) : message.query;
    const params = this.withTimestamp(info, message.params);
    const body = query === message.query && params === message.params ? frame.body : encodeRequestBody({ type: 'QUERY', query, params }, this.version, envelope.customPayload);
    const receivedAt = Date.now();
    const recorded: RecordedStatement = { statement: query, values: params.values ?? [], names: params.names };
    await this.forwardToBoth(frame, { ...request, body: () => body }, info.kind, (outcomes) => this.afterStatement(receivedAt, info, params, recorded, { opcode: frame.opcode, flags: frame.flags, body }, outcomes));
  }

  private async prepare(frame: Frame, query: string): Promise<void> {
    const { query: prepared, injected } = this.ctx.config.proxy.replaceNowUuid ? bindNowAndUuid(query) : { query, injected: [] };
    const body = injected.length === 0 ? frame.body : encodeRequestBody({ type: 'PREPARE', query: prepared }, this.version);
    const outcomes = await this.callBoth({ opcode: frame.opcode, flags: frame.flags, body: () => body, kind: 'other', consistency: 0 }, 'prepare');
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

  private async execute(frame: Frame, envelope: Envelope<Request>, message: ExecuteMessage): Promise<void> {
    const statement = this.ctx.prepared.get(message.id);
    if (statement === undefined) return this.unprepared(frame, message.id);
    const info = statement.info;
    const params = this.withTimestamp(info, withInjectedParams(message.params, statement));
    const body = (cluster: ClusterName): Buffer =>
      statement.ids[cluster].equals(message.id) && params === message.params
        ? frame.body
        : encodeRequestBody({ type: 'EXECUTE', id: statement.ids[cluster], params }, this.version, envelope.customPayload);
    const request: ClusterRequest = { opcode: frame.opcode, flags: frame.flags, body, kind: kindOf(info), consistency: params.consistency, prepared: [statement] };
    const where = route(info, this.ctx.live.readMode);
    if (where.kind !== 'both') return this.forwardRead(frame, request, where.kind === 'primary' && where.shadow);
    if (info.kind !== 'use' && this.refusedUnlogged(frame)) return;

    const receivedAt = Date.now();
    const recorded: RecordedStatement = { statement: statement.query, prepared: statement, values: params.values ?? [], names: params.names };
    // Origin's body is built after the calls: a statement origin had lost is prepared there again under a new id.
    await this.forwardToBoth(frame, request, info.kind, (outcomes) => this.afterStatement(receivedAt, info, params, recorded, { opcode: frame.opcode, flags: frame.flags, body: body('origin') }, outcomes));
  }

  /** After a statement both clusters ran: follow a USE; anything that may have changed data is the log's. */
  private afterStatement(receivedAt: number, info: StatementInfo, params: QueryParameters, statement: RecordedStatement, request: LoggedRequest, outcomes: Outcomes): MutationRecord | undefined {
    if (info.kind === 'use') this.noteKeyspace(outcomes);
    else if (info.kind !== 'read') return this.record(receivedAt, info, params, statement, request, outcomes);
    return undefined;
  }

  private async batch(frame: Frame, envelope: Envelope<Request>, message: BatchMessage): Promise<void> {
    if (this.refusedUnlogged(frame)) return;
    const children: { statement: BatchStatement; info: StatementInfo; prepared?: PreparedStatement }[] = [];
    for (const statement of message.statements) {
      if (statement.kind === 'prepared') {
        const prepared = this.ctx.prepared.get(statement.id);
        if (prepared === undefined) return this.unprepared(frame, statement.id);
        const values = prepared.injected.length === 0 ? statement.values : withInjected(statement.values, prepared.injected);
        children.push({ statement: { ...statement, values }, info: prepared.info, prepared });
      } else {
        const query = this.ctx.config.proxy.replaceNowUuid ? replaceNowAndUuid(statement.query) : statement.query;
        children.push({ statement: { ...statement, query }, info: this.ctx.classify(statement.query) });
      }
    }
    const ownTimestamp = children.some((c) => c.info.usesTimestamp);
    const timestamp = message.timestamp ?? (ownTimestamp ? undefined : this.ctx.clock.next());
    const body = (cluster: ClusterName): Buffer =>
      encodeRequestBody(
        {
          ...message,
          ...(timestamp === undefined ? {} : { timestamp }),
          statements: children.map((c) => (c.statement.kind === 'prepared' ? { ...c.statement, id: c.prepared!.ids[cluster] } : c.statement)),
        },
        this.version,
        envelope.customPayload,
      );
    const prepared = children.flatMap((c) => (c.prepared ? [c.prepared] : []));
    const receivedAt = Date.now();
    const request: ClusterRequest = { opcode: frame.opcode, flags: frame.flags, body, kind: 'write', consistency: message.consistency, batch: true, prepared };
    await this.forwardToBoth(frame, request, 'batch', (outcomes) =>
      mutationRecord({
        ctx: this.ctx,
        session: this,
        receivedAt,
        kind: 'batch',
        consistency: message.consistency,
        serialConsistency: message.serialConsistency,
        writeTimestamp: timestamp,
        infos: children.map((c) => c.info),
        statements: children.map((c) => ({
          statement: c.statement.kind === 'query' ? c.statement.query : c.prepared!.query,
          prepared: c.prepared,
          values: c.statement.values,
          names: c.statement.names,
        })),
        request: { version: this.version, opcode: frame.opcode, flags: frame.flags, body: body('origin') },
        outcomes,
      }),
    );
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

  /** Adds the proxy's write timestamp to a write that brings none, so both clusters apply the same one. */
  private withTimestamp(info: StatementInfo, params: QueryParameters): QueryParameters {
    if (info.kind !== 'write' || info.usesTimestamp || params.timestamp !== undefined) return params;
    return { ...params, timestamp: this.ctx.clock.next() };
  }

  private noteKeyspace(outcomes: Outcomes): void {
    const answer = outcomes[this.ctx.live.primary];
    if (!answer.ok) return;
    const response = decodeResponse(answer.frame).message;
    if (response.type === 'RESULT' && response.result.kind === 'set_keyspace') this.keyspace = response.result.keyspace;
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
  private async forwardToBoth(frame: Frame, request: ClusterRequest, kind: string, toLog?: (outcomes: Outcomes) => MutationRecord | undefined): Promise<void> {
    const outcomes = await this.callBoth(request, kind);
    const answer = chooseResponse(outcomes, this.ctx.live.primary, this.ctx.config.proxy.targetFailurePolicy);
    const mutation = toLog?.(outcomes);
    const logged = mutation === undefined ? undefined : this.ctx.sink.record(mutation);
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

  private async callBoth(request: ClusterRequest, kind: string): Promise<Outcomes> {
    const [origin, target] = await Promise.all([this.call('origin', request, kind), this.call('target', request, kind)]);
    return { origin, target };
  }

  private async forwardRead(frame: Frame, request: ClusterRequest, shadow: boolean): Promise<void> {
    const primary = this.ctx.live.primary;
    const secondary = shadow ? this.call(other(primary), request, 'shadow-read') : undefined;
    const outcome = await this.call(primary, request, 'read');
    this.answer(frame.stream, outcome);
    if (secondary) this.ctx.dualReads.compare(outcome, await secondary, this.version, primary);
  }

  /** One request on one cluster, as an outcome: errors, timeouts and lost connections included. */
  private async call(cluster: ClusterName, request: ClusterRequest, kind: string): Promise<Outcome> {
    const started = performance.now();
    const { metrics } = this.ctx;
    metrics.inflight.inc();
    try {
      for (const statement of request.prepared ?? []) if (statement.ids[cluster] === NOT_PREPARED) await this.prepareOn(cluster, statement);
      let frame = await this.send(cluster, request, request.body(cluster));
      if (frame.opcode === Opcode.ERROR && request.prepared && (await this.reprepared(cluster, frame, request.prepared))) {
        frame = await this.send(cluster, request, request.body(cluster));
      }
      const latencyMs = performance.now() - started;
      metrics.observeRequest(kind, cluster, latencyMs / 1000);
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
      return { ok: false, frame, errorCode: timedOut ? (request.kind === 'write' ? ErrorCode.WRITE_TIMEOUT : ErrorCode.READ_TIMEOUT) : ErrorCode.SERVER_ERROR, message: error.message, latencyMs, timedOut };
    } finally {
      metrics.inflight.dec();
    }
  }

  private async send(cluster: ClusterName, request: ClusterRequest, body: Buffer): Promise<Frame> {
    const connection = this.clusters![cluster];
    const response = connection.send(request.opcode, body, request.flags);
    if (connection.congested) {
      // Backpressure: stop reading this client until the cluster has taken what we sent.
      this.socket.pause();
      connection.onDrain(() => {
        if (!Object.values(this.clusters!).some((c) => c.congested)) this.socket.resume();
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
    this.ctx.logger.info({ session: this.id, cluster, query: statement.query }, 'statement re-prepared after the cluster lost it');
    return true;
  }

  /** Prepares a statement on one cluster, keeping the proxy's mapping; false if the cluster refused it. */
  private async prepareOn(cluster: ClusterName, statement: PreparedStatement): Promise<boolean> {
    const answer = await this.clusters![cluster].send(Opcode.PREPARE, encodeRequestBody({ type: 'PREPARE', query: statement.query }, this.version));
    if (answer.opcode === Opcode.ERROR) return false;
    statement.ids[cluster] = preparedOf(answer).id;
    return true;
  }

  // ── the virtual topology ──────────────────────────────────────────────────────────────

  /** system.local and system.peers describe the proxies, not the clusters; peers_v2 does not exist. */
  private async virtualTable(frame: Frame, table: 'local' | 'peers' | 'peers_v2'): Promise<void> {
    if (table === 'peers_v2') return this.replyError(frame.stream, ErrorCode.INVALID, 'unconfigured table peers_v2');
    const primary = this.ctx.live.primary;
    const request: ClusterRequest = { opcode: frame.opcode, flags: frame.flags, body: () => frame.body, kind: 'read', consistency: 0 };
    const outcome = await this.call(primary, request, 'system');
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
    const body = encodeRequestBody({ type: 'QUERY', query: 'SELECT * FROM system.local', params: { consistency: 1, skipMetadata: false } }, this.version);
    const response = decodeResponse(await this.clusters![cluster].send(Opcode.QUERY, body)).message;
    const template = new Map<string, Buffer | null>();
    if (response.type === 'RESULT' && response.result.kind === 'rows' && response.result.metadata.columns) {
      const row = response.result.rows[0] ?? [];
      response.result.metadata.columns.forEach((column, i) => template.set(column.name, row[i] ?? null));
    }
    return template;
  }

  private onClusterEvent(cluster: ClusterName, frame: Frame): void {
    // Schema changes come from origin only (target would repeat them); topology and status
    // events would describe the clusters, which drivers never see, so they are dropped.
    if (cluster !== 'origin' || this.phase !== 'ready') return;
    const { message } = decodeResponse(frame);
    if (message.type === 'EVENT' && message.event.type === 'SCHEMA_CHANGE' && this.registeredEvents.has('SCHEMA_CHANGE')) this.write(encodeFrame(frame));
  }

  // ── output ─────────────────────────────────────────────────────────────────────────────

  private record(receivedAt: number, info: StatementInfo, params: QueryParameters, statement: RecordedStatement, request: LoggedRequest, outcomes: Outcomes): MutationRecord {
    return mutationRecord({
      ctx: this.ctx,
      session: this,
      receivedAt,
      kind: info.kind === 'write' ? (info.mutation ?? 'update') : info.kind === 'ddl' ? 'ddl' : 'other',
      consistency: params.consistency,
      serialConsistency: params.serialConsistency,
      writeTimestamp: params.timestamp,
      infos: [info],
      statements: [statement],
      request: { version: this.version, ...request },
      outcomes,
    });
  }

  /** Sends a cluster's answer (or a synthesized error) to the client on the client's stream. */
  private answer(stream: number, outcome: Outcome): void {
    this.write(encodeFrame({ ...outcome.frame, stream }));
  }

  private reply(stream: number, response: Response, version = this.version || 4): void {
    this.write(encodeResponse(version, stream, response));
  }

  private replyError(stream: number, code: number, message: string, version = this.version || 4): void {
    this.reply(stream, { type: 'ERROR', code, message }, version);
  }

  private protocolError(frame: Frame, message: string): void {
    this.replyError(frame.stream, ErrorCode.PROTOCOL_ERROR, message, frame.version);
  }

  private write(bytes: Buffer): void {
    if (this.phase === 'closed') return;
    if (!this.writeToClient(bytes)) this.setClusterReading(false);
  }

  /** Backpressure the other way: a client slow to read its answers stops the clusters' answers. */
  private setClusterReading(reading: boolean): void {
    if (this.clusters) for (const connection of Object.values(this.clusters)) connection.setReading(reading);
  }
}

/** EXECUTE parameters with the proxy's generated values where the statement had now() or uuid(). */
function withInjectedParams(params: QueryParameters, statement: PreparedStatement): QueryParameters {
  if (statement.injected.length === 0) return params;
  const names = params.names === undefined ? {} : { names: withInjectedNames(params.names, statement) };
  return { ...params, values: withInjected(params.values ?? [], statement.injected), ...names };
}

function withInjectedNames(names: readonly string[], statement: PreparedStatement): string[] {
  const out = [...names];
  for (const { index } of statement.injected) out.splice(index, 0, statement.variables.columns[index]?.name ?? '');
  return out;
}

/** The version to frame a reply in: the client's if the proxy speaks it, else v4, which drivers that downgrade read. */
function replyVersion(version: number | undefined): number {
  return version !== undefined && PROXY_VERSIONS.includes(version as 3 | 4) ? version : 4;
}

function kindOf(info: StatementInfo): RequestKind {
  return info.kind === 'read' ? 'read' : info.kind === 'write' ? 'write' : 'other';
}

function supportedOf(frame: Frame): Record<string, readonly string[]> {
  const { message } = decodeResponse(frame);
  return message.type === 'SUPPORTED' ? message.options : {};
}

function preparedOf(frame: Frame): Extract<Extract<Response, { type: 'RESULT' }>['result'], { kind: 'prepared' }> {
  const { message } = decodeResponse(frame);
  if (message.type !== 'RESULT' || message.result.kind !== 'prepared') throw new Error(`expected a PREPARED result, got ${message.type}`);
  return message.result;
}
