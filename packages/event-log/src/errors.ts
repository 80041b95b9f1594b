import { CutoverError, type CutoverErrorOptions } from '@cutover/errors';

export type EventLogErrorCode = 'NOT_WIRE_FORMAT' | 'UNKNOWN_SCHEMA' | 'WRONG_SUBJECT' | 'INVALID_RECORD' | 'BAD_CATALOGUE' | 'RECORDS_REFUSED' | 'TOPIC_NOT_READY';

/** A record that cannot be written or read, with a stable code: what goes to the dead-letter topic as the reason. */
export class EventLogError extends CutoverError<EventLogErrorCode> {
  constructor(code: EventLogErrorCode, message: string, options?: CutoverErrorOptions) {
    super(code, message, options);
  }
}

/** A record the log refused, by its index in the records passed to `produce`; `code` is the broker's (MESSAGE_TOO_LARGE, INVALID_RECORD, …). */
export interface RefusedRecord {
  readonly index: number;
  readonly code: string;
  readonly reason: string;
}

/**
 * Some records of a `produce` call were refused for a reason retrying cannot fix; every other
 * record of the call was written. The caller dead-letters the refused ones and moves on.
 */
export class RecordsRefused extends EventLogError {
  constructor(readonly refused: readonly RefusedRecord[]) {
    super('RECORDS_REFUSED', `${refused.length} record(s) refused: ${refused.map((r) => `#${r.index} ${r.code} (${r.reason})`).join('; ')}`);
  }
}
