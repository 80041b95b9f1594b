import { SchemaCatalogue, decodeRecord, encodeRecord, type LogRecord } from '@cutover/event-log';

const catalogue = SchemaCatalogue.load();

export type DocumentOperation = 'SNAPSHOT' | 'INSERT' | 'UPDATE' | 'REPLACE' | 'DELETE';

/** A version of a MongoDB document on the documents topic (DocumentEvent v2). */
export interface DocumentEvent {
  readonly migrationId: string;
  /** database.collection. */
  readonly collection: string;
  readonly round: number;
  readonly operation: DocumentOperation;
  /** `_id` as canonical extended JSON. */
  readonly id: string;
  /** The whole document as BSON; null for a delete. */
  readonly document: Buffer | null;
  /** MongoDB's time of this version, on the write-time scale (µs: seconds × 10^6 + increment). */
  readonly clusterTime: number;
  /** The snapshot range it was read in; null for a change. */
  readonly range: number | null;
  readonly readAt: number;
}

/** Keyed by collection and `_id`: one document's versions go to one partition, in the order read. */
export function documentRecord(event: DocumentEvent): LogRecord {
  return { key: Buffer.from(`${event.collection}/${event.id}`), value: encodeRecord(catalogue, 'DocumentEvent', event) };
}

/** Throws EventLogError for a record that is not a DocumentEvent. */
export function readDocumentEvent(value: Buffer): DocumentEvent {
  // A plain object, not avsc's record class.
  return { ...decodeRecord<DocumentEvent>(catalogue, 'DocumentEvent', value).value };
}
