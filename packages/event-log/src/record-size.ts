import type { LogRecord } from './event-log.js';

/** A record batch's own bytes: what the broker counts against `message.max.bytes` besides its records. */
export const BATCH_OVERHEAD = 61;

/**
 * What `maxRecordBytes` leaves for a record's framing (length, attributes, deltas, and the
 * varints before the key, the value and each header): enough for 40 headers.
 */
export const RECORD_MARGIN = 512;

const FRAMING = 5 + 1 + 10 + 5 + 5 + 5 + 5;
const PER_HEADER = 5 + 5;

/** The bytes `maxRecordBytes` is measured in: key, value, header names and values. */
export function payloadBytes(record: LogRecord): number {
  let bytes = (record.key?.length ?? 0) + record.value.length;
  for (const [name, value] of Object.entries(record.headers ?? {})) bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}

/** At least what the record takes inside a record batch (every varint counted at its widest). */
export function encodedBytes(record: LogRecord): number {
  return payloadBytes(record) + FRAMING + PER_HEADER * Object.keys(record.headers ?? {}).length;
}
