import type { LogRecord, StoredRecord } from './event-log.js';

/**
 * A record a consumer could not use, as the dead-letter topic keeps it: the original bytes,
 * keyed by the topic they came from, with the reason and where they were.
 */
export function deadLetter(record: StoredRecord, reason: string): LogRecord {
  return {
    key: Buffer.from(record.topic),
    value: record.value,
    headers: { 'cutover-error': reason, 'cutover-source': `${record.topic}/${record.partition}/${record.offset}` },
  };
}
