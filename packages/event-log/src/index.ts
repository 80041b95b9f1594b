export { SCHEMAS_DIR, SchemaCatalogue, type SchemaVersion, type Subject } from './catalogue.js';
export { deadLetter } from './dead-letter.js';
export { EventLogError, type EventLogErrorCode } from './errors.js';
export { decodeRecord, encodeRecord, type DecodedRecord } from './wire.js';
export type { EventLog, LogRecord, StoredRecord, Subscription } from './event-log.js';
export { KafkaEventLog, type KafkaConnection } from './kafka-log.js';
export { kafkajsLogs, type LogSink } from './kafkajs-logs.js';
export { MemoryEventLog } from './memory-log.js';
export { createTopics, describeTopics, topicCatalogue, topicDrift, type TopicSpec, type TopicState } from './topics.js';
