export type EventLogErrorCode = 'NOT_WIRE_FORMAT' | 'UNKNOWN_SCHEMA' | 'WRONG_SUBJECT' | 'INVALID_RECORD' | 'BAD_CATALOGUE';

/** A record that cannot be written or read, with a stable code: what goes to the dead-letter topic as the reason. */
export class EventLogError extends Error {
  constructor(
    readonly code: EventLogErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EventLogError';
  }
}
