import { CLUSTER_NAMES, type ClusterName } from '@cutover/config';
import { ErrorCode, Opcode, encodeRequestBody, type Response } from '@cutover/cql-protocol';
import type { ProxyContext } from './context.js';
import type { DualForwarder } from './dual-forwarder.js';
import { other } from './outcome.js';
import type { SessionHandshake } from './rejoin.js';
import { plainToken, supportedByBoth } from './replies.js';

export type HandshakePhase = 'new' | 'authenticating' | 'ready';

/**
 * A client's handshake, mirrored to both clusters: OPTIONS, STARTUP, then the client's
 * credentials to every cluster that asks for them (PROXY_CLIENT_CREDENTIALS=both), so each
 * cluster grants the client what it grants that user and nothing more. With `origin` or
 * `target`, the other cluster is logged in to with the proxy's own credentials instead.
 * Each step returns the answer for the client; the session sends it.
 */
export class Handshake {
  phase: HandshakePhase = 'new';
  /** The client's driver, as its STARTUP named it. */
  driver?: string;
  private supported?: Record<string, string[]>;
  private startupBody?: Buffer;
  /** The clusters waiting for the client's next AUTH_RESPONSE. */
  private awaiting: ClusterName[] = [];
  /** The client's accepted AUTH_RESPONSE body, to open target again as this client. */
  private clientToken?: Buffer;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly clusters: DualForwarder,
  ) {}

  get ready(): boolean {
    return this.phase === 'ready';
  }

  /** SUPPORTED: what both clusters support, asked once per connection. */
  async options(): Promise<Response> {
    if (!this.supported) {
      const [origin, target] = await Promise.all(CLUSTER_NAMES.map((cluster) => this.clusters.ask(cluster, Opcode.OPTIONS, Buffer.alloc(0))));
      this.supported = supportedByBoth(supportedOf(origin!), supportedOf(target!));
    }
    return { type: 'SUPPORTED', options: this.supported };
  }

  /**
   * The client's STARTUP, to both clusters: its options but COMPRESSION, which is the client's
   * own with the proxy; the clusters get PROXY_CLUSTER_COMPRESSION instead.
   */
  async startup(options: Readonly<Record<string, string>>): Promise<Response> {
    await this.options();
    const { DRIVER_NAME: name, DRIVER_VERSION: version, COMPRESSION: _client, ...rest } = options;
    if (name !== undefined) this.driver = version === undefined ? name : `${name} ${version}`;
    const compression = this.ctx.config.proxy.clusterCompression;
    const clusterOptions = { ...rest, ...(name === undefined ? {} : { DRIVER_NAME: name }), ...(version === undefined ? {} : { DRIVER_VERSION: version }), ...(compression === 'none' ? {} : { COMPRESSION: compression }) };
    const body = encodeRequestBody({ type: 'STARTUP', options: clusterOptions }, this.clusters.version);
    this.startupBody = body;
    const [origin, target] = await Promise.all(CLUSTER_NAMES.map((cluster) => this.clusters.ask(cluster, Opcode.STARTUP, body)));
    const answers: Record<ClusterName, Response> = { origin: origin!, target: target! };
    for (const cluster of CLUSTER_NAMES) if (answers[cluster].type === 'ERROR') return answers[cluster];

    const mode = this.ctx.config.proxy.clientCredentials;
    if (mode === 'both') {
      this.awaiting = CLUSTER_NAMES.filter((cluster) => answers[cluster].type === 'AUTHENTICATE');
    } else {
      if (answers[other(mode)].type === 'AUTHENTICATE') {
        const failure = await this.authenticateAsProxy(other(mode));
        if (failure) return failure;
      }
      this.awaiting = answers[mode].type === 'AUTHENTICATE' ? [mode] : [];
    }
    const asking = this.awaiting[0];
    if (asking === undefined) {
      this.phase = 'ready';
      return { type: 'READY' };
    }
    this.phase = 'authenticating';
    return answers[asking];
  }

  /** The client's credentials, to every cluster that asked for them: ready once all accept. */
  async authResponse(token: Buffer): Promise<Response> {
    const awaiting = this.awaiting;
    const answers = await Promise.all(awaiting.map((cluster) => this.clusters.ask(cluster, Opcode.AUTH_RESPONSE, token)));
    const refused = answers.findIndex((answer) => answer.type === 'ERROR');
    if (refused >= 0) {
      const answer = answers[refused] as Extract<Response, { type: 'ERROR' }>;
      return awaiting.length === 1 ? answer : { ...answer, message: `${awaiting[refused]}: ${answer.message}` };
    }
    const challenged = answers.findIndex((answer) => answer.type === 'AUTH_CHALLENGE');
    if (challenged >= 0) {
      // A challenge is answered by the client; two clusters' challenges cannot both be.
      if (awaiting.length > 1) {
        return { type: 'ERROR', code: ErrorCode.BAD_CREDENTIALS, message: 'both clusters asked for a further authentication step, which one client cannot answer for both: set PROXY_CLIENT_CREDENTIALS to origin or target' };
      }
      return answers[challenged]!;
    }
    this.phase = 'ready';
    this.clientToken = token;
    return answers[0] ?? { type: 'AUTH_SUCCESS', token: null };
  }

  /** What it takes to open target again as this session, in `keyspace`. */
  rejoining(keyspace: string | undefined): SessionHandshake {
    const token = this.ctx.config.proxy.clientCredentials === 'origin' ? this.proxyToken('target') : this.clientToken;
    return { version: this.clusters.versionOf('target'), startup: this.startupBody!, token, keyspace };
  }

  /** Logs in to `cluster` with the configured credentials; returns the error to give the client, if any. */
  private async authenticateAsProxy(cluster: ClusterName): Promise<Response | undefined> {
    const token = this.proxyToken(cluster);
    if (token === undefined) {
      return { type: 'ERROR', code: ErrorCode.BAD_CREDENTIALS, message: `${cluster} requires authentication, but ${cluster.toUpperCase()}_USERNAME is not set on the proxy` };
    }
    const answer = await this.clusters.ask(cluster, Opcode.AUTH_RESPONSE, token);
    if (answer.type === 'AUTH_SUCCESS') return undefined;
    if (answer.type === 'ERROR') return { ...answer, message: `${cluster}: ${answer.message}` };
    return { type: 'ERROR', code: ErrorCode.BAD_CREDENTIALS, message: `${cluster} answered ${answer.type} to PLAIN credentials` };
  }

  /** The AUTH_RESPONSE body of the proxy's own credentials for `cluster`, if it has any. */
  private proxyToken(cluster: ClusterName): Buffer | undefined {
    const { username, password } = this.ctx.config[cluster];
    if (username === undefined) return undefined;
    return encodeRequestBody({ type: 'AUTH_RESPONSE', token: plainToken(username, password ?? '') }, this.clusters.version);
  }
}

function supportedOf(response: Response): Record<string, readonly string[]> {
  return response.type === 'SUPPORTED' ? response.options : {};
}
