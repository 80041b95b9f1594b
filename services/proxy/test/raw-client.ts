import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { FrameDecoder, decodeResponse, encodeRequest, type Frame, type Response } from '@cutover/cql-protocol';

/** A raw connection that speaks frames, for sending what no driver would. */
export class RawClient {
  readonly socket: Socket;
  private readonly decoder = new FrameDecoder();
  private readonly frames: Frame[] = [];
  private waiting?: () => void;
  readonly closed: Promise<void>;

  constructor(port: number) {
    this.socket = connect({ host: '127.0.0.1', port });
    this.socket.on('data', (chunk: Buffer) => {
      this.frames.push(...this.decoder.push(chunk));
      this.waiting?.();
    });
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve()));
    this.socket.on('close', () => this.waiting?.());
    this.socket.on('error', () => undefined);
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next response, decoded, or undefined if the proxy closed the connection instead. */
  async next(): Promise<Response | undefined> {
    const frame = await this.nextFrame();
    return frame === undefined ? undefined : decodeResponse(frame).message;
  }

  async nextFrame(): Promise<Frame | undefined> {
    while (this.frames.length === 0) {
      if (this.socket.destroyed || this.socket.readableEnded) return undefined;
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
    return this.frames.shift()!;
  }

  async handshake(): Promise<void> {
    this.send(encodeRequest(4, 0, { type: 'STARTUP', options: { CQL_VERSION: '3.0.0' } }));
    assert.deepEqual(await this.next(), { type: 'READY' });
  }

  end(): void {
    this.socket.end();
  }
}
