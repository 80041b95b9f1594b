import { CutoverError, type CutoverErrorOptions } from '@cutover/errors';

/**
 * CORRUPT_SEGMENT: a v5 segment whose checksum does not match, or whose payload cannot be what the
 * spec allows; the connection's bytes can no longer be trusted.
 */
export type ProtocolErrorCode = 'CORRUPT_SEGMENT' | 'FRAME_TOO_LARGE' | 'MALFORMED_BODY' | 'UNKNOWN_OPCODE' | 'UNSUPPORTED_VERSION';

/** Where in the connection a protocol error happened, so the caller can answer on the right stream. */
export interface ProtocolErrorLocation {
  readonly stream?: number;
  readonly version?: number;
}

/**
 * Every failure of the codec: a frame or message that does not follow the native protocol spec,
 * or a message that cannot be put on the wire. `stream` and `version` come from the frame header
 * when it is known, so a server can answer with an ERROR on the stream that caused it.
 */
export class ProtocolError extends CutoverError<ProtocolErrorCode> {
  readonly stream?: number;
  readonly version?: number;

  constructor(code: ProtocolErrorCode, message: string, location?: ProtocolErrorLocation, options?: CutoverErrorOptions) {
    super(code, message, options);
    if (location?.stream !== undefined) this.stream = location.stream;
    if (location?.version !== undefined) this.version = location.version;
  }

  /** The same error tied to a frame; the low-level readers cannot know which frame they read. */
  at(stream: number, version: number): ProtocolError {
    if (this.stream !== undefined && this.version !== undefined) return this;
    return new ProtocolError(this.code, this.message, { stream: this.stream ?? stream, version: this.version ?? version }, this.cause === undefined ? undefined : { cause: this.cause });
  }
}
