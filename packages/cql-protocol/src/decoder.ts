import { ProtocolError } from './errors.js';
import { DEFAULT_MAX_BODY_LENGTH, headerLength, readHeader, type Frame, type HeaderFields } from './frame.js';

const EMPTY = Buffer.alloc(0);
const MAX_HEADER_LENGTH = 9;

export interface FrameDecoderOptions {
  /** Largest body accepted; longer frames are refused from their header alone. */
  readonly maxBodyLength?: number;
}

/**
 * Cuts a byte stream into frames, whatever the chunking. Chunks are kept as they arrive and a
 * body is returned as a slice of its chunk when it lies in one, or copied once when it spans several.
 *
 * Errors are thrown as soon as a header is complete, before any of its body is buffered:
 * - FRAME_TOO_LARGE for a body longer than the maximum: that body is then skipped as it arrives
 *   and decoding resumes after it, so the caller may answer with an ERROR and carry on;
 * - FRAME_TOO_LARGE for a negative length and UNSUPPORTED_VERSION for version 0:
 *   frame boundaries are lost, so every later push throws the same error.
 * Any other version is framed (v1-2 with the 8-byte header, anything later with the 9-byte one,
 * DSE's 0x41 and 0x42 included) and left to the caller, who answers a version it does not speak
 * with the error that makes drivers retry a lower one.
 * Frames completed before the bad header in the same push are not lost: the next push returns them
 * first (push an empty buffer to collect them).
 */
export class FrameDecoder {
  private readonly maxBodyLength: number;
  private chunks: Buffer[] = [];
  /** Index of the first chunk still holding unread bytes, and the read position inside it. */
  private first = 0;
  private offset = 0;
  /** Unread bytes across all chunks. */
  private size = 0;
  private header: HeaderFields | undefined;
  private skipping = 0;
  private failure: ProtocolError | undefined;
  /** Frames completed before an error was thrown, handed out by the next push. */
  private carried: Frame[] | undefined;
  private readonly scratch = Buffer.alloc(MAX_HEADER_LENGTH);

  constructor(options: FrameDecoderOptions = {}) {
    this.maxBodyLength = options.maxBodyLength ?? DEFAULT_MAX_BODY_LENGTH;
  }

  /** Bytes received and not yet returned as frames (skipped bodies excluded). */
  get buffered(): number {
    return this.size + (this.header === undefined ? 0 : headerLength(this.header.version));
  }

  push(chunk: Buffer): Frame[] {
    const frames = this.carried ?? [];
    this.carried = undefined;
    if (this.failure !== undefined) {
      if (frames.length > 0) return frames;
      throw this.failure;
    }
    const data = this.skip(chunk);
    if (data.length > 0) {
      this.chunks.push(data);
      this.size += data.length;
    }
    try {
      for (let frame = this.next(); frame !== undefined; frame = this.next()) frames.push(frame);
    } catch (error) {
      this.carried = frames;
      throw error;
    }
    return frames;
  }

  private skip(chunk: Buffer): Buffer {
    if (this.skipping === 0) return chunk;
    const n = Math.min(this.skipping, chunk.length);
    this.skipping -= n;
    return n === 0 ? chunk : chunk.subarray(n);
  }

  private next(): Frame | undefined {
    const header = this.header ?? this.nextHeader();
    if (header === undefined || this.size < header.bodyLength) return undefined;
    this.header = undefined;
    const { version, isResponse, flags, stream, opcode, bodyLength } = header;
    return { version, isResponse, flags, stream, opcode, body: this.take(bodyLength) };
  }

  private nextHeader(): HeaderFields | undefined {
    if (this.size === 0) return undefined;
    const chunk = this.chunks[this.first] as Buffer;
    const length = headerLength(chunk.readUInt8(this.offset) & 0x7f);
    if (this.size < length) return undefined;
    const header = chunk.length - this.offset >= length ? readHeader(chunk, this.offset) : readHeader(this.gather(length), 0);
    this.consume(length);
    const { version, stream, bodyLength } = header;
    if (version < 1) {
      throw this.fail(new ProtocolError('UNSUPPORTED_VERSION', `frame of unknown protocol version ${version}`, { stream, version }));
    }
    if (bodyLength < 0) {
      throw this.fail(new ProtocolError('FRAME_TOO_LARGE', `frame announces a negative body length (${bodyLength})`, { stream, version }));
    }
    if (bodyLength > this.maxBodyLength) {
      // Drop what already arrived of the body and the rest as it comes, like the server does.
      const buffered = Math.min(bodyLength, this.size);
      this.consume(buffered);
      this.skipping = bodyLength - buffered;
      throw new ProtocolError('FRAME_TOO_LARGE', `frame body of ${bodyLength} bytes exceeds the maximum of ${this.maxBodyLength}`, { stream, version });
    }
    this.header = header;
    return header;
  }

  private fail(error: ProtocolError): ProtocolError {
    this.failure = error;
    this.chunks = [];
    this.first = 0;
    this.offset = 0;
    this.size = 0;
    return error;
  }

  /** Copies the next `n` (header) bytes out of several chunks into the scratch buffer. */
  private gather(n: number): Buffer {
    let copied = 0;
    let index = this.first;
    let offset = this.offset;
    while (copied < n) {
      const chunk = this.chunks[index] as Buffer;
      const end = Math.min(chunk.length, offset + n - copied);
      copied += chunk.copy(this.scratch, copied, offset, end);
      index++;
      offset = 0;
    }
    return this.scratch;
  }

  /** Removes the next `n` bytes, returning them as a slice when they lie in one chunk. */
  private take(n: number): Buffer {
    if (n === 0) return EMPTY;
    const chunk = this.chunks[this.first] as Buffer;
    if (chunk.length - this.offset >= n) {
      const body = chunk.subarray(this.offset, this.offset + n);
      this.consume(n);
      return body;
    }
    const body = Buffer.allocUnsafe(n);
    let copied = 0;
    while (copied < n) {
      const current = this.chunks[this.first] as Buffer;
      const end = Math.min(current.length, this.offset + n - copied);
      copied += current.copy(body, copied, this.offset, end);
      this.consume(end - this.offset);
    }
    return body;
  }

  private consume(n: number): void {
    this.size -= n;
    let left = n;
    while (left > 0) {
      const chunk = this.chunks[this.first] as Buffer;
      const available = chunk.length - this.offset;
      if (left < available) {
        this.offset += left;
        return;
      }
      left -= available;
      this.first++;
      this.offset = 0;
    }
    if (this.first === this.chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (this.first >= 64) {
      // Let go of consumed chunks now and then rather than shifting the array on every frame.
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }
}
