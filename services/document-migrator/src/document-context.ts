import type { ControlPlane } from '@cutover/control-plane';
import type { EventLog } from '@cutover/event-log';
import type { MigrationState } from '@cutover/migration-state';
import type { Staging } from '@cutover/table-migrator';
import type cassandra from 'cassandra-driver';
import type { MongoClient } from 'mongodb';
import type { Logger } from 'pino';
import type { DocumentMetrics } from './document-metrics.js';

/** What the readers and loaders of the document migrator share: MongoDB, target, the staging bucket and the logs. */
export interface DocumentContext {
  readonly mongo: MongoClient;
  readonly target: cassandra.Client;
  /** Where bad-documents files go. */
  readonly staging: Staging;
  readonly log: EventLog;
  readonly control: ControlPlane;
  /** The migration's state, rebuilt whole from the logs as they grow. */
  readonly live: { readonly state: MigrationState };
  /** The documents topic (cutover.documents). */
  readonly documentsTopic: string;
  /** The readers topic (cutover.document-readers): never written, its partitions say which process reads which collection. */
  readonly readersTopic: string;
  /** Where events that cannot be read go, with the reason (cutover.dead-letters). */
  readonly deadLetterTopic: string;
  readonly logger: Logger;
  /** Where this process counts what it did (Prometheus), when it does. */
  readonly metrics?: DocumentMetrics;
  /** Bad documents a collection's round tolerates before it fails; none by default. */
  readonly errorBudget?: { readonly maxBadDocuments: number | null; readonly maxBadDocumentsPercent: number | null };
}
