import type { LogRecord, StoredRecord } from './event-log.js';

/**
 * A record a consumer could not use, as the dead-letter topic keeps it: the original bytes,
 * keyed by the topic they came from, with the reason and where they were.
 */
export function deadLetter(record: StoredRecord, reason: string): LogRecord {
  return letter(record.topic, record.value, reason, `${record.topic}/${record.partition}/${record.offset}`);
}

/** A record the log refused to take for good, as the dead-letter topic keeps it: it never had an offset. */
export function refusedLetter(topic: string, record: LogRecord, reason: string): LogRecord {
  return letter(topic, record.value, reason, `${topic}/${record.partition ?? 'by key'}/not written`);
}

function letter(topic: string, value: Buffer, reason: string, source: string): LogRecord {
  return { key: Buffer.from(topic), value, headers: { 'cutover-error': reason, 'cutover-source': source } };
}
