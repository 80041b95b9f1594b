/**
 * Drivers that negotiate COMPRESSION in STARTUP send compressed bodies the proxy must read and
 * answer in kind, so the codec speaks both algorithms Cassandra offers. The block codecs come
 * from native libraries; what lives here is the protocol's own wrapping and, because the sizes
 * come from the peer, the checks that keep a lying length from allocating or decoding garbage.
 */
import { compressSync as lz4Compress, uncompressSync as lz4Uncompress } from 'lz4-napi';
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy';
import { ProtocolError } from './errors.js';
import { DEFAULT_MAX_BODY_LENGTH, type Frame } from './frame.js';
import { FrameFlag } from './opcodes.js';

/** The STARTUP COMPRESSION values of protocol v4 and earlier; v5 segments use LZ4 only. */
export type CompressionAlgorithm = 'lz4' | 'snappy';

const EMPTY = Buffer.alloc(0);

/**
 * How far each format can expand its input: an LZ4 sequence adds at most 255 bytes per byte read,
 * a Snappy copy at most 64 bytes per 3. A length beyond that is a lie, refused before allocating.
 */
const MAX_RATIO: Readonly<Record<CompressionAlgorithm, number>> = { lz4: 255, snappy: 22 };
const RATIO_SLACK = 64;

/**
 * A v4 (or v3) frame body compressed: LZ4 as a 4-byte big-endian uncompressed length followed by
 * an LZ4 block, Snappy as one raw Snappy block.
 */
export function compressBody(algorithm: CompressionAlgorithm, body: Buffer): Buffer {
  switch (checkAlgorithm(algorithm)) {
    case 'lz4': {
      // The library prefixes the length little-endian; the protocol wants it big-endian.
      const out = lz4Compress(body);
      out.writeUInt32BE(body.length, 0);
      return out;
    }
    case 'snappy':
      return snappyCompress(body);
  }
}

/**
 * The body `compressBody` was given. Throws MALFORMED_BODY when the bytes do not decompress, or
 * decompress to another length than they announce, and FRAME_TOO_LARGE, before decompressing,
 * when they announce more than `maxLength` bytes.
 */
export function decompressBody(algorithm: CompressionAlgorithm, body: Buffer, maxLength = DEFAULT_MAX_BODY_LENGTH): Buffer {
  switch (checkAlgorithm(algorithm)) {
    case 'lz4': {
      if (body.length < 4) throw new ProtocolError('MALFORMED_BODY', `an LZ4 body of ${body.length} bytes lacks its 4-byte length`);
      const length = body.readUInt32BE(0);
      checkLength(length, maxLength, 'LZ4');
      checkRatio(length, body.length - 4, 'lz4');
      return length === 0 ? EMPTY : lz4Block(body.subarray(4), length);
    }
    case 'snappy': {
      const length = snappyLength(body);
      checkLength(length, maxLength, 'Snappy');
      checkRatio(length, body.length, 'snappy');
      let out: Buffer;
      try {
        out = snappyUncompress(body, { asBuffer: true }) as Buffer;
      } catch (error) {
        throw new ProtocolError('MALFORMED_BODY', `the Snappy body does not decompress: ${(error as Error).message}`);
      }
      if (out.length !== length) {
        throw new ProtocolError('MALFORMED_BODY', `the Snappy body decompresses to ${out.length} bytes, not the ${length} it announces`);
      }
      return out;
    }
  }
}

/**
 * The frame with its body compressed and the COMPRESSION flag set, for a connection that
 * negotiated `algorithm`. An empty body is left as it is, flag clear, as drivers do. v5 has no
 * compressed envelopes: its segments are compressed instead (see encodeSegments).
 */
export function compressFrame(frame: Frame, algorithm: CompressionAlgorithm): Frame {
  if (frame.version >= 5) {
    throw new ProtocolError('UNSUPPORTED_VERSION', `v${frame.version} compresses segments, not single envelopes`, frame);
  }
  if (frame.body.length === 0 || (frame.flags & FrameFlag.COMPRESSION) !== 0) return frame;
  return { ...frame, flags: frame.flags | FrameFlag.COMPRESSION, body: compressBody(algorithm, frame.body) };
}

/**
 * The frame with its body decompressed and the COMPRESSION flag cleared; a frame without the flag
 * is returned as it is, and so is any v5 envelope, where the spec says the flag is ignored.
 * Errors carry the frame's stream, so the caller can answer on it.
 */
export function decompressFrame(frame: Frame, algorithm: CompressionAlgorithm, maxLength = DEFAULT_MAX_BODY_LENGTH): Frame {
  if ((frame.flags & FrameFlag.COMPRESSION) === 0 || frame.version >= 5) return frame;
  try {
    return { ...frame, flags: frame.flags & ~FrameFlag.COMPRESSION, body: decompressBody(algorithm, frame.body, maxLength) };
  } catch (error) {
    throw error instanceof ProtocolError ? error.at(frame.stream, frame.version) : error;
  }
}

/** A raw LZ4 block (no length prefix) compressed, as v5 segments carry it. */
export function lz4CompressBlock(data: Buffer): Buffer {
  return lz4Compress(data).subarray(4);
}

/** A raw LZ4 block decompressed to exactly `length` bytes, or MALFORMED_BODY. */
export function lz4Block(block: Buffer, length: number): Buffer {
  checkRatio(length, block.length, 'lz4');
  const input = Buffer.allocUnsafe(block.length + 4);
  input.writeUInt32LE(length, 0);
  block.copy(input, 4);
  let out: Buffer;
  try {
    out = lz4Uncompress(input);
  } catch (error) {
    throw new ProtocolError('MALFORMED_BODY', `the LZ4 block does not decompress to ${length} bytes: ${(error as Error).message}`);
  }
  // The library stops at the end of the input: a block shorter than announced is no error to it.
  if (out.length !== length) {
    throw new ProtocolError('MALFORMED_BODY', `the LZ4 block decompresses to ${out.length} bytes, not the ${length} announced`);
  }
  return out;
}

function checkAlgorithm(algorithm: string): CompressionAlgorithm {
  if (algorithm !== 'lz4' && algorithm !== 'snappy') {
    throw new ProtocolError('MALFORMED_BODY', `unknown compression "${algorithm}"; expected lz4 or snappy`);
  }
  return algorithm;
}

function checkLength(length: number, maxLength: number, what: string): void {
  if (length > maxLength) {
    throw new ProtocolError('FRAME_TOO_LARGE', `the ${what} body announces ${length} bytes, more than the maximum of ${maxLength}`);
  }
}

function checkRatio(length: number, compressedLength: number, algorithm: CompressionAlgorithm): void {
  if (length > compressedLength * MAX_RATIO[algorithm] + RATIO_SLACK) {
    throw new ProtocolError('MALFORMED_BODY', `${compressedLength} bytes of ${algorithm} cannot decompress to the ${length} bytes they announce`);
  }
}

/** The uncompressed length a raw Snappy block starts with: a little-endian base-128 varint of at most 32 bits. */
function snappyLength(body: Buffer): number {
  let length = 0;
  for (let i = 0; i < 5; i++) {
    if (i >= body.length) break;
    const byte = body.readUInt8(i);
    length += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) {
      if (length > 0xffffffff) break;
      return length;
    }
  }
  throw new ProtocolError('MALFORMED_BODY', 'the Snappy body does not start with a valid length');
}
