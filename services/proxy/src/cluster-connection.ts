import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import type { ClusterName } from '@cutover/config';
import { ConnectionFraming, Opcode, type CompressionAlgorithm, type Frame } from '@cutover/cql-protocol';
import { coalescedWriter } from './coalesce.js';
import { ProxyError } from './errors.js';
import { StreamIdPool } from './stream-ids.js';

export interface ClusterEndpoint {
  readonly name: ClusterName;
  readonly host: string;
  readonly port: number;
  /** TLS options when the cluster speaks TLS. */
  readonly tls?: ConnectionOptions;
}

export interface ClusterConnectionOptions {
  readonly version: number;
  readonly maxFrameBytes: number;
  readonly requestTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** What the STARTUP sent on this connection asks for: the frames after it are compressed so. */
  readonly compression?: CompressionAlgorithm;
  /** Server-pushed EVENT frames (stream -1). */
  readonly onEvent: (frame: Frame) => void;
  /** The connection is gone; `error` says why when it was not closed on purpose. */
  readonly onClose: (error?: Error) => void;
}

interface Pending {
  resolve(frame: Frame): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  timedOut: boolean;
}

/**
 * One connection from the proxy to one cluster, carrying the requests of one client session.
 * The proxy owns its stream ids; a request that is not answered in time is rejected with
 * `CLUSTER_TIMEOUT` while its id stays reserved until the late answer arrives.
 */
export class ClusterConnection {
  private readonly ids = new StreamIdPool();
  private readonly pending = new Map<number, Pending>();
  private readonly framing: ConnectionFraming;
  /** The stream of the STARTUP in flight: its READY or AUTHENTICATE moves a v5 connection to segments. */
  private startupStream: number | undefined;
  private readonly heartbeat: NodeJS.Timeout;
  private lastActivity = Date.now();
  private closed = false;
  private readonly write: (bytes: Buffer) => boolean;

  private constructor(
    readonly endpoint: ClusterEndpoint,
    private readonly socket: Socket,
    private readonly options: ClusterConnectionOptions,
  ) {
    this.framing = new ConnectionFraming(options.maxFrameBytes);
    this.write = coalescedWriter(socket);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.destroy(new ProxyError('CLUSTER_UNAVAILABLE', `${endpoint.name} connection failed: ${error.message}`)));
    socket.on('close', () => this.destroy(new ProxyError('CLUSTER_UNAVAILABLE', `${endpoint.name} closed the connection`)));
    this.heartbeat = setInterval(() => this.beat(), Math.max(1000, Math.floor(options.heartbeatIntervalMs / 2)));
    this.heartbeat.unref();
  }

  static connect(endpoint: ClusterEndpoint, options: ClusterConnectionOptions): Promise<ClusterConnection> {
    return new Promise((resolve, reject) => {
      const socket: Socket = endpoint.tls
        ? connectTls({ ...endpoint.tls, host: endpoint.host, port: endpoint.port, servername: endpoint.tls.servername ?? endpoint.host })
        : connectTcp({ host: endpoint.host, port: endpoint.port });
      const ready = endpoint.tls ? 'secureConnect' : 'connect';
      const timer = setTimeout(() => fail(new ProxyError('CLUSTER_TIMEOUT', `no connection within ${options.requestTimeoutMs} ms`)), options.requestTimeoutMs);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(new ProxyError('CLUSTER_UNAVAILABLE', `cannot connect to ${endpoint.name} at ${endpoint.host}:${endpoint.port}: ${error.message}`));
      };
      socket.once('error', fail);
      socket.once(ready, () => {
        clearTimeout(timer);
        socket.off('error', fail);
        resolve(new ClusterConnection(endpoint, socket, options));
      });
    });
  }

  /** Sends a request body and resolves with the cluster's response frame. */
  send(opcode: number, body: Buffer, flags = 0): Promise<Frame> {
    if (this.closed) return Promise.reject(new ProxyError('CLUSTER_UNAVAILABLE', `${this.endpoint.name} connection is closed`));
    const stream = this.ids.acquire();
    if (stream === undefined) return Promise.reject(new ProxyError('CLUSTER_OVERLOADED', `all stream ids to ${this.endpoint.name} are in flight`));
    return new Promise<Frame>((resolve, reject) => {
      const entry: Pending = {
        resolve,
        reject,
        timedOut: false,
        timer: setTimeout(() => {
          entry.timedOut = true;
          reject(new ProxyError('CLUSTER_TIMEOUT', `${this.endpoint.name} did not answer within ${this.options.requestTimeoutMs} ms`));
        }, this.options.requestTimeoutMs),
      };
      this.pending.set(stream, entry);
      this.lastActivity = Date.now();
      this.write(this.framing.write([{ version: this.options.version, isResponse: false, flags, stream, opcode, body }]));
      if (opcode === Opcode.STARTUP) {
        this.startupStream = stream;
        this.framing.compress(this.options.compression);
      }
    });
  }

  /** True while the socket's write buffer is full: the session stops reading its client. */
  get congested(): boolean {
    return this.socket.writableNeedDrain;
  }

  onDrain(listener: () => void): void {
    this.socket.once('drain', listener);
  }

  /** Stops or restarts reading responses, when the client is slow to read its own. */
  setReading(reading: boolean): void {
    if (reading) this.socket.resume();
    else this.socket.pause();
  }

  close(): void {
    this.destroy();
  }

  private onData(chunk: Buffer): void {
    this.lastActivity = Date.now();
    let frames: Frame[];
    try {
      frames = this.framing.read(chunk);
    } catch (error) {
      this.destroy(new ProxyError('CLUSTER_PROTOCOL', `${this.endpoint.name} sent an unreadable frame: ${(error as Error).message}`));
      return;
    }
    for (const frame of frames) {
      if (frame.stream < 0) {
        if (frame.opcode === Opcode.EVENT) this.options.onEvent(frame);
        continue;
      }
      if (frame.stream === this.startupStream) {
        this.startupStream = undefined;
        if (frame.version >= 5 && (frame.opcode === Opcode.READY || frame.opcode === Opcode.AUTHENTICATE)) this.framing.startSegments();
      }
      const entry = this.pending.get(frame.stream);
      if (entry === undefined) continue; // an answer to nothing we asked: nothing to deliver it to
      this.pending.delete(frame.stream);
      this.ids.release(frame.stream);
      clearTimeout(entry.timer);
      if (!entry.timedOut) entry.resolve(frame);
    }
  }

  /** Keeps idle connections alive, and finds dead ones before a client request does. */
  private beat(): void {
    if (this.closed || Date.now() - this.lastActivity < this.options.heartbeatIntervalMs) return;
    this.send(Opcode.OPTIONS, Buffer.alloc(0)).catch((error: Error) =>
      this.destroy(new ProxyError('CLUSTER_UNAVAILABLE', `${this.endpoint.name} heartbeat failed: ${error.message}`)),
    );
  }

  private destroy(error?: ProxyError): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.socket.destroy();
    const reason = error ?? new ProxyError('CLUSTER_UNAVAILABLE', `${this.endpoint.name} connection closed`);
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      if (!entry.timedOut) entry.reject(reason);
    }
    this.pending.clear();
    this.options.onClose(error);
  }
}
