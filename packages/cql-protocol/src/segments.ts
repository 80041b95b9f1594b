/**
 * Protocol v5 wraps its messages, now called envelopes, in checksummed segments once the STARTUP
 * exchange is over (spec section 2): several small envelopes share a segment, a large one spans
 * several. A proxy speaking v5 has to cut both the clients' and the clusters' byte streams this
 * way and write its own, so the format lives here, without sockets, next to the frame codec.
 */
import { crc32 } from 'node:zlib';
import { lz4Block, lz4CompressBlock } from './compression.js';
import { ProtocolError } from './errors.js';
import { DEFAULT_MAX_BODY_LENGTH, readHeader, type Frame, type HeaderFields } from './frame.js';

/** The largest payload one segment carries: its length field has 17 bits. */
export const MAX_SEGMENT_PAYLOAD_LENGTH = 128 * 1024 - 1;

/** v5 segments are either plain or LZ4-compressed, for the lifetime of the connection. */
export interface SegmentOptions {
  /** `lz4` once STARTUP negotiated COMPRESSION=lz4; absent for plain segments. */
  readonly compression?: 'lz4';
}

export interface SegmentDecoderOptions extends SegmentOptions {
  /** Largest envelope body accepted, as FrameDecoder's option of the same name. */
  readonly maxBodyLength?: number;
}

const ENVELOPE_HEADER_LENGTH = 9;
const CRC24_LENGTH = 3;
const CRC32_LENGTH = 4;
const PLAIN_HEADER_LENGTH = 3;
const COMPRESSED_HEADER_LENGTH = 5;
const LENGTH_BITS = 17;
const LENGTH_MASK = MAX_SEGMENT_PAYLOAD_LENGTH;
const CRC24_INIT = 0x875060;
const CRC24_POLY = 0x1974f0b;
/** Cassandra seeds the payload CRC32 with these 4 bytes, so an all-zero payload does not check as 0. */
const CRC32_SEED = crc32(Buffer.from([0xfa, 0x2d, 0x55, 0xca]));
const EMPTY = Buffer.alloc(0);

/** CRC24 of a segment header's bytes in wire order (the little-endian integer, low byte first). */
export function segmentHeaderCrc(bytes: Buffer, start = 0, end = bytes.length): number {
  let crc = CRC24_INIT;
  for (let i = start; i < end; i++) {
    crc ^= bytes.readUInt8(i) << 16;
    for (let bit = 0; bit < 8; bit++) {
      crc <<= 1;
      if ((crc & 0x1000000) !== 0) crc ^= CRC24_POLY;
    }
  }
  return crc;
}

/** CRC32 of a segment payload as the trailer carries it. */
export function segmentPayloadCrc(payload: Buffer): number {
  return crc32(payload, CRC32_SEED);
}

/**
 * Envelopes (whole v5 frames, header included, as encodeRequest and encodeResponse write them)
 * as segments: consecutive envelopes share self-contained segments up to the payload limit, and
 * an envelope over the limit is cut into a run of segments that are not self-contained. With LZ4,
 * a segment whose payload does not shrink is sent as it is, with an uncompressed length of 0.
 */
export function encodeSegments(envelopes: readonly Buffer[], options: SegmentOptions = {}): Buffer {
  const compress = checkCompression(options.compression);
  const out: Buffer[] = [];
  let batch: Buffer[] = [];
  let batchLength = 0;
  const flush = (): void => {
    if (batch.length === 0) return;
    out.push(encodeSegment(batch.length === 1 ? (batch[0] as Buffer) : Buffer.concat(batch, batchLength), true, compress));
    batch = [];
    batchLength = 0;
  };
  for (const envelope of envelopes) {
    checkEnvelope(envelope);
    if (envelope.length > MAX_SEGMENT_PAYLOAD_LENGTH) {
      flush();
      for (let at = 0; at < envelope.length; at += MAX_SEGMENT_PAYLOAD_LENGTH) {
        out.push(encodeSegment(envelope.subarray(at, at + MAX_SEGMENT_PAYLOAD_LENGTH), false, compress));
      }
      continue;
    }
    if (batchLength + envelope.length > MAX_SEGMENT_PAYLOAD_LENGTH) flush();
    batch.push(envelope);
    batchLength += envelope.length;
  }
  flush();
  return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
}

function checkCompression(compression: string | undefined): boolean {
  if (compression !== undefined && compression !== 'lz4') {
    throw new ProtocolError('MALFORMED_BODY', `v5 segments are compressed with lz4 or not at all, not with "${compression}"`);
  }
  return compression === 'lz4';
}

/** Refuses what is not one whole envelope: a body alone, or several envelopes glued together. */
function checkEnvelope(envelope: Buffer): void {
  const announced = envelope.length >= ENVELOPE_HEADER_LENGTH ? envelope.readInt32BE(5) : -1;
  if (announced !== envelope.length - ENVELOPE_HEADER_LENGTH) {
    throw new ProtocolError('MALFORMED_BODY', `${envelope.length} bytes are not one whole envelope with a 9-byte header`);
  }
}

function encodeSegment(payload: Buffer, selfContained: boolean, compress: boolean): Buffer {
  let body = payload;
  let uncompressedLength = 0;
  if (compress && payload.length > 0) {
    const block = lz4CompressBlock(payload);
    if (block.length < payload.length) {
      body = block;
      uncompressedLength = payload.length;
    }
  }
  const headerLength = compress ? COMPRESSED_HEADER_LENGTH : PLAIN_HEADER_LENGTH;
  const out = Buffer.allocUnsafe(headerLength + CRC24_LENGTH + body.length + CRC32_LENGTH);
  // Lengths and flag form one little-endian integer of 24 or 40 bits: at most 2^35, exact in a double.
  let fields = body.length;
  let flagShift = LENGTH_BITS;
  if (compress) {
    fields += uncompressedLength * 2 ** LENGTH_BITS;
    flagShift += LENGTH_BITS;
  }
  if (selfContained) fields += 2 ** flagShift;
  out.writeUIntLE(fields, 0, headerLength);
  out.writeUIntLE(segmentHeaderCrc(out, 0, headerLength), headerLength, CRC24_LENGTH);
  const payloadAt = headerLength + CRC24_LENGTH;
  body.copy(out, payloadAt);
  out.writeUInt32LE(segmentPayloadCrc(body), payloadAt + body.length);
  return out;
}

interface SegmentHeader {
  readonly payloadLength: number;
  /** 0 when the payload is stored as it is; always 0 without compression. */
  readonly uncompressedLength: number;
  readonly selfContained: boolean;
}

/**
 * Cuts a v5 byte stream into segments whatever the chunking, checks both checksums, decompresses,
 * and returns the envelopes inside as frames (bodies are slices of the segment payload, or one
 * copy for an envelope that spans several segments).
 *
 * Errors:
 * - CORRUPT_SEGMENT for a checksum mismatch, a payload that does not decompress, or envelopes that
 *   do not fit their segments (a self-contained segment ending inside an envelope, a run of
 *   segments that are not self-contained carrying anything but one envelope). Nothing later on the
 *   connection can be trusted, so every later push throws the same error;
 * - FRAME_TOO_LARGE for an envelope body over `maxBodyLength`: it is dropped and decoding goes on,
 *   so the caller may answer on its stream;
 * - UNSUPPORTED_VERSION and FRAME_TOO_LARGE, final like CORRUPT_SEGMENT, for an envelope header
 *   of a version below 3 (whose header is shorter) or announcing a negative length.
 * Envelopes completed before an error are not lost: the next push returns them first.
 */
export class SegmentDecoder {
  private readonly compressed: boolean;
  private readonly maxBodyLength: number;
  private readonly queue = new ByteQueue();
  private header: SegmentHeader | undefined;
  /** Size errors not thrown yet: one push throws one. */
  private refusals: ProtocolError[] = [];
  /** Payloads of a large envelope received so far, and their total length. */
  private parts: Buffer[] = [];
  private partsLength = 0;
  /** Bytes still to drop of a large envelope refused for its size. */
  private dropping = 0;
  private failure: ProtocolError | undefined;
  private carried: Frame[] | undefined;

  constructor(options: SegmentDecoderOptions = {}) {
    this.compressed = checkCompression(options.compression);
    this.maxBodyLength = options.maxBodyLength ?? DEFAULT_MAX_BODY_LENGTH;
  }

  /** Bytes received and not yet returned as envelopes (dropped envelopes excluded). */
  get buffered(): number {
    return this.queue.size + (this.header === undefined ? 0 : this.headerLength) + this.partsLength;
  }

  private get headerLength(): number {
    return (this.compressed ? COMPRESSED_HEADER_LENGTH : PLAIN_HEADER_LENGTH) + CRC24_LENGTH;
  }

  push(chunk: Buffer): Frame[] {
    const frames = this.carried ?? [];
    this.carried = undefined;
    if (this.failure !== undefined) {
      if (frames.length > 0) return frames;
      throw this.failure;
    }
    this.queue.push(chunk);
    try {
      while (this.refusals.length === 0) {
        const segment = this.nextSegment();
        if (segment === undefined) break;
        if (segment.selfContained) this.readEnvelopes(segment.payload, frames);
        else this.readPart(segment.payload, frames);
      }
    } catch (error) {
      if (error instanceof ProtocolError) this.fail(error);
      this.carried = frames;
      throw error;
    }
    const refused = this.refusals.shift();
    if (refused !== undefined) {
      this.carried = frames;
      throw refused;
    }
    return frames;
  }

  private fail(error: ProtocolError): void {
    this.failure = error;
    this.queue.clear();
    this.parts = [];
    this.partsLength = 0;
  }

  private nextSegment(): { readonly payload: Buffer; readonly selfContained: boolean } | undefined {
    const header = this.header ?? this.nextHeader();
    if (header === undefined || this.queue.size < header.payloadLength + CRC32_LENGTH) return undefined;
    this.header = undefined;
    const stored = this.queue.take(header.payloadLength);
    const trailer = this.queue.take(CRC32_LENGTH).readUInt32LE(0);
    const computed = segmentPayloadCrc(stored);
    if (trailer !== computed) {
      throw corrupt(`segment payload checksum mismatch: the trailer says 0x${hex32(trailer)}, the ${stored.length} bytes give 0x${hex32(computed)}`);
    }
    if (header.uncompressedLength === 0) return { payload: stored, selfContained: header.selfContained };
    let payload: Buffer;
    try {
      payload = lz4Block(stored, header.uncompressedLength);
    } catch (error) {
      throw corrupt(`segment payload: ${(error as Error).message}`);
    }
    return { payload, selfContained: header.selfContained };
  }

  private nextHeader(): SegmentHeader | undefined {
    const length = this.headerLength;
    if (this.queue.size < length) return undefined;
    const bytes = this.queue.take(length);
    const fieldsLength = length - CRC24_LENGTH;
    const received = bytes.readUIntLE(fieldsLength, CRC24_LENGTH);
    const computed = segmentHeaderCrc(bytes, 0, fieldsLength);
    if (received !== computed) {
      throw corrupt(
        `segment header checksum mismatch: header ${bytes.subarray(0, fieldsLength).toString('hex')} carries CRC24 0x${hex24(received)}, computed 0x${hex24(computed)}` +
          (this.compressed ? '' : ' (is the connection compressed?)'),
      );
    }
    const fields = bytes.readUIntLE(0, fieldsLength);
    const payloadLength = fields % 2 ** LENGTH_BITS;
    const uncompressedLength = this.compressed ? Math.floor(fields / 2 ** LENGTH_BITS) & LENGTH_MASK : 0;
    const flagShift = this.compressed ? 2 * LENGTH_BITS : LENGTH_BITS;
    const selfContained = Math.floor(fields / 2 ** flagShift) % 2 === 1;
    this.header = { payloadLength, uncompressedLength, selfContained };
    return this.header;
  }

  /** Every envelope of a self-contained payload, but those over the size limit, which are refused. */
  private readEnvelopes(payload: Buffer, frames: Frame[]): void {
    if (this.partsLength > 0 || this.dropping > 0) {
      throw corrupt('a self-contained segment arrived before the end of the large envelope being received');
    }
    let at = 0;
    while (at < payload.length) {
      if (payload.length - at < ENVELOPE_HEADER_LENGTH) {
        throw corrupt(`a self-contained segment ends inside an envelope header (${payload.length - at} bytes left)`);
      }
      const header = this.envelopeHeader(payload, at);
      const end = at + ENVELOPE_HEADER_LENGTH + header.bodyLength;
      if (end > payload.length) {
        throw corrupt(`a self-contained segment ends inside an envelope: its body has ${header.bodyLength} bytes, the segment ${payload.length - at - ENVELOPE_HEADER_LENGTH} left`);
      }
      const tooLarge = this.sizeError(header);
      if (tooLarge === undefined) frames.push(toFrame(header, payload.subarray(at + ENVELOPE_HEADER_LENGTH, end)));
      else this.refusals.push(tooLarge);
      at = end;
    }
  }

  /** One payload of a run carrying a large envelope, refused once its header shows it over the size limit. */
  private readPart(payload: Buffer, frames: Frame[]): void {
    if (this.dropping > 0) {
      if (payload.length > this.dropping) throw corrupt('a segment carries bytes past the end of the large envelope it belongs to');
      this.dropping -= payload.length;
      return;
    }
    this.parts.push(payload);
    this.partsLength += payload.length;
    if (this.partsLength < ENVELOPE_HEADER_LENGTH) return;
    const first = this.parts[0] as Buffer;
    const header = this.envelopeHeader(first.length >= ENVELOPE_HEADER_LENGTH ? first : Buffer.concat(this.parts, this.partsLength), 0);
    const total = ENVELOPE_HEADER_LENGTH + header.bodyLength;
    if (this.partsLength > total) throw corrupt('a segment carries bytes past the end of the large envelope it belongs to');
    const tooLarge = this.sizeError(header);
    if (tooLarge === undefined && this.partsLength < total) return;
    const { parts, partsLength } = this;
    this.parts = [];
    this.partsLength = 0;
    if (tooLarge !== undefined) {
      // Drop the rest as it arrives, like the server does, and let the caller answer on its stream.
      this.dropping = total - partsLength;
      this.refusals.push(tooLarge);
      return;
    }
    frames.push(toFrame(header, (parts.length === 1 ? first : Buffer.concat(parts, total)).subarray(ENVELOPE_HEADER_LENGTH)));
  }

  private envelopeHeader(bytes: Buffer, at: number): HeaderFields {
    const version = bytes.readUInt8(at) & 0x7f;
    if (version < 3) {
      // v1 and v2 headers are shorter: nothing after this can be framed as the sender meant.
      throw new ProtocolError('UNSUPPORTED_VERSION', `envelope of protocol version ${version} inside a v5 segment`, { version });
    }
    const header = readHeader(bytes, at);
    if (header.bodyLength < 0) {
      throw new ProtocolError('FRAME_TOO_LARGE', `envelope announces a negative body length (${header.bodyLength})`, header);
    }
    return header;
  }

  private sizeError(header: HeaderFields): ProtocolError | undefined {
    if (header.bodyLength <= this.maxBodyLength) return undefined;
    return new ProtocolError('FRAME_TOO_LARGE', `envelope body of ${header.bodyLength} bytes exceeds the maximum of ${this.maxBodyLength}`, header);
  }
}

function toFrame(header: HeaderFields, body: Buffer): Frame {
  const { version, isResponse, flags, stream, opcode } = header;
  return { version, isResponse, flags, stream, opcode, body };
}

function corrupt(message: string): ProtocolError {
  return new ProtocolError('CORRUPT_SEGMENT', message);
}

function hex24(value: number): string {
  return value.toString(16).padStart(6, '0');
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0');
}

/** Received chunks, kept as they arrived; bytes come out as slices when they lie in one chunk. */
class ByteQueue {
  private chunks: Buffer[] = [];
  private first = 0;
  private offset = 0;
  size = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  clear(): void {
    this.chunks = [];
    this.first = 0;
    this.offset = 0;
    this.size = 0;
  }

  /** The next `n` bytes, which must be there. */
  take(n: number): Buffer {
    if (n === 0) return EMPTY;
    const chunk = this.chunks[this.first] as Buffer;
    let out: Buffer;
    if (chunk.length - this.offset >= n) {
      out = chunk.subarray(this.offset, this.offset + n);
      this.offset += n;
    } else {
      out = Buffer.allocUnsafe(n);
      let copied = 0;
      while (copied < n) {
        const current = this.chunks[this.first] as Buffer;
        const end = Math.min(current.length, this.offset + n - copied);
        copied += current.copy(out, copied, this.offset, end);
        this.offset = end;
        if (this.offset === current.length && copied < n) this.advance();
      }
    }
    this.size -= n;
    if (this.offset === (this.chunks[this.first] as Buffer).length) this.advance();
    return out;
  }

  private advance(): void {
    this.first++;
    this.offset = 0;
    if (this.first === this.chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (this.first >= 64) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }
}
