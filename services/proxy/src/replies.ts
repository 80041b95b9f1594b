import { ErrorCode, MAX_FRAME_VERSION, Opcode, encodeFrame, encodeResponse, headerLength, type ErrorDetails, type Frame, type Response } from '@cutover/cql-protocol';

/** Protocol versions the proxy speaks with drivers and clusters. */
export const PROXY_VERSIONS = [3, 4, 5] as const;
const HIGHEST_VERSION = 5;

/** The wording Cassandra uses, which drivers look for to downgrade and retry. */
export function unsupportedVersionMessage(version: number): string {
  return `Invalid or unsupported protocol version (${version}); supported versions are (${PROXY_VERSIONS.map((v) => `${v}/v${v}`).join(', ')})`;
}

/**
 * The version to frame a reply to a frame of `version` in: its own whenever its header can be
 * written (so v5, and v1 or v2, are refused in their own header, as Cassandra does and as
 * drivers expect before they downgrade), else the highest the proxy speaks (DSE's 0x41, 0x42).
 */
export function replyVersion(version: number | undefined): number {
  return version !== undefined && version >= 1 && version <= MAX_FRAME_VERSION ? version : HIGHEST_VERSION;
}

/**
 * The answer to a frame of a version the proxy does not speak, framed in the client's own
 * header version where it can be (see replyVersion): the ERROR body is the same in every version.
 */
export function unsupportedVersionFrame(version: number, stream: number): Buffer {
  const body = errorFrame(HIGHEST_VERSION, ErrorCode.PROTOCOL_ERROR, unsupportedVersionMessage(version)).body;
  return encodeFrame({ version: replyVersion(version), isResponse: true, flags: 0, stream, opcode: Opcode.ERROR, body });
}

/** A response as a frame, to be written in the connection's framing. */
export function responseFrame(version: number, stream: number, response: Response): Frame {
  const bytes = encodeResponse(version, stream, response);
  const header = headerLength(version);
  return { version, isResponse: true, flags: bytes.readUInt8(1), stream, opcode: bytes.readUInt8(header - 5), body: bytes.subarray(header) };
}

/** An ERROR response as a frame, as if a cluster had sent it: so synthesized and relayed errors travel alike. */
export function errorFrame(version: number, code: number, message: string, details?: ErrorDetails): Frame {
  const bytes = encodeResponse(version, 0, { type: 'ERROR', code, message, ...(details === undefined ? {} : { details }) });
  return { version, isResponse: true, flags: 0, stream: 0, opcode: Opcode.ERROR, body: bytes.subarray(headerLength(version)) };
}

export type RequestKind = 'read' | 'write' | 'other';

/**
 * What the client hears when a cluster does not answer in time: the timeout error a
 * coordinator would give for that kind of request, so drivers apply their usual retry policy.
 */
export function timeoutFrame(version: number, kind: RequestKind, consistency: number, batch: boolean, message: string): Frame {
  if (kind === 'write') {
    return errorFrame(version, ErrorCode.WRITE_TIMEOUT, message, { kind: 'write_timeout', consistency, received: 0, blockFor: 1, writeType: batch ? 'BATCH' : 'SIMPLE' });
  }
  if (kind === 'read') {
    return errorFrame(version, ErrorCode.READ_TIMEOUT, message, { kind: 'read_timeout', consistency, received: 0, blockFor: 1, dataPresent: false });
  }
  return errorFrame(version, ErrorCode.SERVER_ERROR, message);
}

/**
 * SUPPORTED as the proxy offers it: only what both clusters support, only the protocol
 * versions the proxy speaks, and the compressions it offers itself: compression is per hop,
 * since the proxy reads (decompresses) every frame.
 */
export function supportedByBoth(origin: Readonly<Record<string, readonly string[]>>, target: Readonly<Record<string, readonly string[]>>): Record<string, string[]> {
  const options: Record<string, string[]> = {};
  for (const [key, values] of Object.entries(origin)) {
    const theirs = target[key];
    if (theirs !== undefined) options[key] = values.filter((v) => theirs.includes(v));
  }
  options['COMPRESSION'] = ['lz4', 'snappy'];
  options['PROTOCOL_VERSIONS'] = PROXY_VERSIONS.map((v) => `${v}/v${v}`);
  return options;
}

/** The SASL PLAIN token PasswordAuthenticator expects. */
export function plainToken(username: string, password: string): Buffer {
  return Buffer.concat([Buffer.from([0]), Buffer.from(username, 'utf8'), Buffer.from([0]), Buffer.from(password, 'utf8')]);
}
