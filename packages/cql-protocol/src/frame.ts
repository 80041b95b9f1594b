import { ProtocolError } from './errors.js';

/** One frame as it travels on the wire, body still encoded (and possibly compressed). */
export interface Frame {
  /** Protocol version, without the direction bit. */
  readonly version: number;
  readonly isResponse: boolean;
  readonly flags: number;
  readonly stream: number;
  readonly opcode: number;
  readonly body: Buffer;
}

/** The spec's limit on a frame body (section 2.5). */
export const DEFAULT_MAX_BODY_LENGTH = 256 * 1024 * 1024;

/** Highest version whose frames start with this header; v5 uses it for its handshake. */
export const MAX_FRAME_VERSION = 5;

const RESPONSE_BIT = 0x80;

/** v1 and v2 carry the stream in one byte (8-byte header); v3 made it a [short] (9 bytes). */
export function headerLength(version: number): number {
  return version >= 3 ? 9 : 8;
}

export type FrameHeader = Omit<Frame, 'body'>;

/** Writes the header for a body of `bodyLength` bytes at the start of `target`. */
export function writeHeader(target: Buffer, header: FrameHeader, bodyLength: number): void {
  const { version, flags, stream, opcode } = header;
  if (!Number.isInteger(version) || version < 1 || version > MAX_FRAME_VERSION) {
    throw new ProtocolError('UNSUPPORTED_VERSION', `cannot write a frame of protocol version ${version}`);
  }
  const wide = version >= 3;
  const streamLimit = wide ? 0x8000 : 0x80;
  if (!Number.isInteger(stream) || stream < -streamLimit || stream >= streamLimit) {
    throw new ProtocolError('MALFORMED_BODY', `stream ${stream} does not fit a v${version} frame header`, { version });
  }
  if (!isByte(flags) || !isByte(opcode)) {
    throw new ProtocolError('MALFORMED_BODY', `flags ${flags} and opcode ${opcode} must each fit a byte`, { stream, version });
  }
  if (bodyLength > 0x7fffffff) {
    throw new ProtocolError('FRAME_TOO_LARGE', `a body of ${bodyLength} bytes does not fit a frame`, { stream, version });
  }
  target.writeUInt8(header.isResponse ? version | RESPONSE_BIT : version, 0);
  target.writeUInt8(flags, 1);
  if (wide) {
    target.writeInt16BE(stream, 2);
    target.writeUInt8(opcode, 4);
    target.writeInt32BE(bodyLength, 5);
  } else {
    target.writeInt8(stream, 2);
    target.writeUInt8(opcode, 3);
    target.writeInt32BE(bodyLength, 4);
  }
}

/** Header plus body, in one new buffer. */
export function encodeFrame(frame: Frame): Buffer {
  const length = headerLength(frame.version);
  const out = Buffer.allocUnsafe(length + frame.body.length);
  writeHeader(out, frame, frame.body.length);
  frame.body.copy(out, length);
  return out;
}

/** A decoded header and the body length it announces. */
export interface HeaderFields extends FrameHeader {
  readonly bodyLength: number;
}

/** Reads a header whose bytes are all present in `source` from `at`; no checks, see FrameDecoder. */
export function readHeader(source: Buffer, at: number): HeaderFields {
  const first = source.readUInt8(at);
  const version = first & ~RESPONSE_BIT;
  const isResponse = (first & RESPONSE_BIT) !== 0;
  const flags = source.readUInt8(at + 1);
  return version >= 3
    ? { version, isResponse, flags, stream: source.readInt16BE(at + 2), opcode: source.readUInt8(at + 4), bodyLength: source.readInt32BE(at + 5) }
    : { version, isResponse, flags, stream: source.readInt8(at + 2), opcode: source.readUInt8(at + 3), bodyLength: source.readInt32BE(at + 4) };
}

function isByte(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xff;
}
