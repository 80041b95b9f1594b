import type { ClusterName, ReadMode } from '@cutover/config';
import type { CollectionVerification, Command, Scope, Verification } from './commands.js';

/** Facts: what was decided. The state is nothing but these, folded. */
export type Event =
  | { readonly type: 'MigrationStarted'; readonly tables: readonly string[]; readonly collections: readonly string[]; readonly into?: Readonly<Record<string, string>> }
  | { readonly type: 'CollectionPriorityChanged'; readonly collection: string; readonly priority: number }
  | { readonly type: 'CollectionRemigrationRequested'; readonly collection: string; readonly truncate: boolean }
  | ({ readonly type: 'CollectionVerified' } & CollectionVerification)
  | { readonly type: 'PriorityChanged'; readonly table: string; readonly priority: number }
  | { readonly type: 'RemigrationRequested'; readonly table: string; readonly truncate: boolean; readonly force: boolean }
  | { readonly type: 'Paused'; readonly scope: Scope }
  | { readonly type: 'Resumed'; readonly scope: Scope }
  /** `overriding`: forced past the commit gate, which was waiting for this. */
  | { readonly type: 'PrimaryChanged'; readonly cluster: ClusterName; readonly overriding?: string }
  | { readonly type: 'ReadModeChanged'; readonly mode: ReadMode }
  | { readonly type: 'MigrationCompleted'; readonly overriding?: string }
  /** A full verification's result, recorded (RecordVerification): what the commit gate looks at. */
  | ({ readonly type: 'TableVerified' } & Verification)
  /** A command that was refused, and why: refusals are part of the audit too. */
  | { readonly type: 'CommandRejected'; readonly commandType: Command['type']; readonly rejection: string }
  | Fact;

/** What the migrators did: facts they emit themselves, not decisions of a command. */
export type Fact =
  /**
   * A planner's claim of a table's copy round, with its plan: the ring split into chunks. Round n
   * is the copy after n re-migrations. The first for a round is its plan; later ones change nothing.
   */
  | {
      readonly type: 'TablePlanned';
      readonly table: string;
      readonly round: number;
      readonly chunks: number;
      readonly estimatedBytes: number;
      /** The round's error budget: past this many bad rows (null: no count limit)… */
      readonly maxBadRows: number | null;
      /** …or this percentage of the rows loaded so far (null: no percentage limit), the round fails. */
      readonly maxBadRowsPercent: number | null;
      /** A counter table: loaded as the difference between origin's and target's counts. */
      readonly counter: boolean;
    }
  | {
      readonly type: 'ChunkUnloaded';
      readonly table: string;
      readonly round: number;
      readonly chunk: number;
      readonly s3Key: string;
      readonly rows: number;
      readonly bytes: number;
      readonly sha256: string;
      readonly unloadedAt: number;
    }
  | {
      readonly type: 'ChunkLoaded';
      readonly table: string;
      readonly round: number;
      readonly chunk: number;
      readonly rows: number;
      readonly writes: number;
      /** Rows target refused, listed with the reason in the bad-rows file `badRowsKey` (S3). */
      readonly badRows: number;
      readonly badRowsKey: string | null;
    }
  | { readonly type: 'ChunkChecked'; readonly table: string; readonly round: number; readonly chunk: number; readonly originRows: number; readonly targetRows: number; readonly matches: boolean }
  /** The migrator would not plan a round of the table, and why: the round fails. */
  | { readonly type: 'TableRefused'; readonly table: string; readonly round: number; readonly reason: string }
  /** The round's planner truncated the table on target (the re-migration asked): its work is queued only after this. */
  | { readonly type: 'TableTruncated'; readonly table: string; readonly round: number }
  /** Every chunk of the round is on the work topic. */
  | { readonly type: 'WorkQueued'; readonly table: string; readonly round: number; readonly chunks: number }
  /**
   * A full verification of the table began, shared by whoever works on it: its token ranges
   * are work items, each compared by one worker (RangeVerified). It ends when its result is
   * recorded (RecordVerification); one begun later takes its place.
   */
  | { readonly type: 'VerificationStarted'; readonly table: string; readonly round: number; readonly verificationId: string; readonly ranges: number }
  /** One token range of a shared verification compared on both clusters: rows read on each, and those that differed at every look. */
  | {
      readonly type: 'RangeVerified';
      readonly table: string;
      readonly round: number;
      readonly verificationId: string;
      readonly range: number;
      readonly rows: number;
      readonly targetRows: number;
      readonly differences: number;
      /** False when the range differed so much that its comparison stopped looking, or could not be compared. */
      readonly complete: boolean;
      /** Why the range could not be compared; null when it was. */
      readonly failure: string | null;
    }
  | CollectionFact;

/** A snapshot range of a collection: the `_id`s of one BSON type (a `$type` alias) from `from` (inclusive) to `to` (exclusive), bounds as canonical extended JSON, null where open. */
export interface IdRange {
  readonly type: string;
  readonly from: string | null;
  readonly to: string | null;
}

/**
 * What the document migrator did. Times of MongoDB's clock are on the write-time scale: µs,
 * a cluster time's seconds × 10^6 plus its increment (`versionTime`).
 */
export type CollectionFact =
  /**
   * A reader's claim of a collection's snapshot round: changes are read from `startAt` on (the
   * change stream opened first), and the collection is read in `ranges`, each after `startAt`.
   */
  | {
      readonly type: 'CollectionPlanned';
      readonly collection: string;
      readonly round: number;
      /** keyspace.table on target. */
      readonly target: string;
      readonly startAt: number;
      readonly ranges: readonly IdRange[];
      readonly estimatedDocuments: number;
      readonly estimatedBytes: number;
      readonly maxBadDocuments: number | null;
      readonly maxBadDocumentsPercent: number | null;
    }
  /** Every document of a snapshot range is on the documents topic. */
  | { readonly type: 'RangeRead'; readonly collection: string; readonly round: number; readonly range: number; readonly documents: number; readonly bytes: number }
  /** Every change up to `through` is on the documents topic; the change stream resumes after `resumeToken`. */
  | { readonly type: 'ChangesRead'; readonly collection: string; readonly round: number; readonly resumeToken: string; readonly through: number; readonly changes: number }
  /**
   * A loader wrote the round's events of one documents-topic partition from `fromOffset` to
   * `toOffset` to target: document versions written, deletes, bad documents (listed with the reason in
   * the S3 file `badDocumentsKey`), and the newest change's time among them (0: none).
   */
  | {
      readonly type: 'DocumentsLoaded';
      readonly collection: string;
      readonly round: number;
      readonly partition: number;
      readonly fromOffset: number;
      readonly toOffset: number;
      readonly documents: number;
      readonly deletes: number;
      /** The `_id`s of bad documents (canonical extended JSON). */
      readonly badDocumentIds: readonly string[];
      readonly badDocumentsKey: string | null;
      readonly latestChange: number;
    }
  /** After the snapshot of a round that follows another (without a truncate): what target held from before that MongoDB no longer has, deleted. */
  | { readonly type: 'CollectionSwept'; readonly collection: string; readonly round: number; readonly deleted: number }
  /** The change stream cannot go on from where it was (its history rolled off MongoDB's oplog): the collection is snapshot again, in a new round. */
  | { readonly type: 'ChangeStreamLost'; readonly collection: string; readonly round: number; readonly reason: string };

const FACTS: ReadonlySet<Event['type']> = new Set<Fact['type']>([
  'TablePlanned', 'ChunkUnloaded', 'ChunkLoaded', 'ChunkChecked', 'TableRefused', 'TableTruncated', 'WorkQueued', 'VerificationStarted', 'RangeVerified',
  'CollectionPlanned', 'RangeRead', 'ChangesRead', 'DocumentsLoaded', 'CollectionSwept', 'ChangeStreamLost',
]);

export function isCollectionFact(event: Event): event is CollectionFact {
  return 'collection' in event && isFact(event);
}

export function isFact(event: Event): event is Fact {
  return FACTS.has(event.type);
}

export interface EventEnvelope {
  /** `<commandId>/<n>`: stable, so a command decided twice yields the same event ids. */
  readonly eventId: string;
  readonly migrationId: string;
  readonly commandId: string;
  readonly at: number;
  readonly issuer: string;
  readonly reason?: string;
  readonly event: Event;
}
