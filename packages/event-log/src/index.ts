export { SCHEMAS_DIR, SchemaCatalogue, type SchemaVersion, type Subject } from './catalogue.js';
export { EventLogError, type EventLogErrorCode } from './errors.js';
export { decodeRecord, encodeRecord, type DecodedRecord } from './wire.js';
