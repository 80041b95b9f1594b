/**
 * What a connection's bytes look like changes during its handshake: frames as they are until
 * STARTUP; then compressed bodies if STARTUP asked for it (v3, v4); in v5, checksummed segments
 * (LZ4-compressed if asked) from the READY or AUTHENTICATE on, both ways. Both ends of the proxy
 * (clients, clusters) go through these steps, so they are kept here once, without sockets.
 */
import { decompressFrame, compressFrame, type CompressionAlgorithm } from './compression.js';
import { FrameDecoder } from './decoder.js';
import { ProtocolError } from './errors.js';
import { encodeFrame, type Frame } from './frame.js';
import { SegmentDecoder, encodeSegments } from './segments.js';

/** The compression a STARTUP's COMPRESSION option asks for, or Cassandra's error text for one it cannot have. */
export function startupCompression(version: number, option: string | undefined): CompressionAlgorithm | undefined {
  if (option === undefined) return undefined;
  const algorithm = option.toLowerCase();
  if (algorithm !== 'lz4' && algorithm !== 'snappy') throw new ProtocolError('MALFORMED_BODY', `Unknown compression algorithm: ${option}`);
  if (algorithm === 'snappy' && version >= 5) throw new ProtocolError('MALFORMED_BODY', 'Snappy compression is not supported in protocol V5');
  return algorithm;
}

export class ConnectionFraming {
  private decoder: FrameDecoder | SegmentDecoder;
  private compression: CompressionAlgorithm | undefined;
  private segments = false;

  constructor(private readonly maxBodyLength: number) {
    this.decoder = new FrameDecoder({ maxBodyLength });
  }

  /** True once the connection has moved to v5 segments. */
  get segmented(): boolean {
    return this.segments;
  }

  /** Bytes received and not yet returned as frames. */
  get buffered(): number {
    return this.decoder.buffered;
  }

  /** The frames completed by `chunk`, bodies decompressed. */
  read(chunk: Buffer): Frame[] {
    const frames = this.decoder.push(chunk);
    const algorithm = this.compression;
    if (algorithm === undefined || this.segments) return frames;
    return frames.map((frame) => decompressFrame(frame, algorithm, this.maxBodyLength));
  }

  /** The bytes that carry `frames`, in order; in v5, small ones share a segment. */
  write(frames: readonly Frame[]): Buffer {
    if (this.segments) return encodeSegments(frames.map(encodeFrame), this.compression === 'lz4' ? { compression: 'lz4' } : {});
    const algorithm = this.compression;
    const encoded = frames.map((frame) => encodeFrame(algorithm === undefined || frame.version >= 5 ? frame : compressFrame(frame, algorithm)));
    return encoded.length === 1 ? encoded[0]! : Buffer.concat(encoded);
  }

  /** STARTUP negotiated `algorithm`: v3 and v4 bodies are compressed from the next frame on, v5 segments once they start. */
  compress(algorithm: CompressionAlgorithm | undefined): void {
    this.compression = algorithm;
  }

  /**
   * v5 only: the READY or AUTHENTICATE has been written (or read): everything after it, both
   * ways, is segments. Bytes the old decoder still held would be lost, but a peer sends nothing
   * before it has that answer.
   */
  startSegments(): void {
    if (this.segments) return;
    this.segments = true;
    this.decoder = new SegmentDecoder({ maxBodyLength: this.maxBodyLength, ...(this.compression === 'lz4' ? { compression: 'lz4' as const } : {}) });
  }
}
