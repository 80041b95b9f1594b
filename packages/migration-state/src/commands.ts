import type { ClusterName, ReadMode } from '@cutover/config';

/**
 * Commands: what an operator (or a service) asks of the migration. They travel as `Update`
 * records on the control topic, are decided against the state, and never change it directly.
 */

/** What a pause or resume applies to. Tables are `keyspace.table`, collections `database.collection`. */
export type Scope = { readonly kind: 'all' } | { readonly kind: 'table'; readonly name: string } | { readonly kind: 'collection'; readonly name: string };

export type Command =
  /** `into`: where a collection goes on target (keyspace.table), when not to its own names. */
  | { readonly type: 'StartMigration'; readonly tables: readonly string[]; readonly collections: readonly string[]; readonly into?: Readonly<Record<string, string>> }
  /** Lower priorities are copied first; equal priorities keep the order the migration was started with. */
  | { readonly type: 'SetPriority'; readonly table: string; readonly priority: number }
  /** `force`: copy it again even where copying is not idempotent (a counter table). */
  | { readonly type: 'Remigrate'; readonly table: string; readonly truncate: boolean; readonly force: boolean }
  | { readonly type: 'Pause'; readonly scope: Scope }
  | { readonly type: 'Resume'; readonly scope: Scope }
  /** `force`: past the commit gate (to target: see `commitGate`); the envelope's reason must say why. */
  | ({ readonly type: 'SetPrimary'; readonly cluster: ClusterName; readonly force?: boolean } & Observed)
  | { readonly type: 'SetReadMode'; readonly mode: ReadMode }
  | ({ readonly type: 'CompleteMigration'; readonly force?: boolean } & Observed)
  /**
   * What a full verification of a table found (`cutover verify`). Recorded as a command, on the
   * control topic, so that the commands after it are decided knowing it (the commit gate), in the
   * one order every reader sees.
   */
  | ({ readonly type: 'RecordVerification' } & Verification)
  /** Lower priorities are snapshot first; equal priorities keep the order the migration was started with. */
  | { readonly type: 'SetCollectionPriority'; readonly collection: string; readonly priority: number }
  /** Reads the collection again whole, in a new snapshot round; `truncate`: its table on target is emptied first. */
  | { readonly type: 'RemigrateCollection'; readonly collection: string; readonly truncate: boolean }
  /** What a verification of a collection found (`cutover verify database.collection`). */
  | ({ readonly type: 'RecordCollectionVerification' } & CollectionVerification);

/** How a document differs between MongoDB and target. */
export type DocumentDifference = 'missing-on-target' | 'extra-on-target' | 'values';

/**
 * A verification of a collection: every document read on MongoDB and on target, each compared
 * by its Data API form; a difference was looked at again before it counted (changes in flight).
 */
export interface CollectionVerification {
  readonly collection: string;
  /** The collection's snapshot round when it began. */
  readonly round: number;
  readonly startedAt: number;
  readonly documents: number;
  readonly targetDocuments: number;
  /** MongoDB documents with no Data API form: not on target, by design (they are in the bad-documents files). */
  readonly badDocuments: number;
  readonly differences: number;
  /** The first MAX_RECORDED_ROWS differing documents: `_id` as canonical extended JSON (extra on target: its key). */
  readonly differingDocuments: readonly { readonly id: string; readonly kind: DocumentDifference }[];
}

/**
 * What the issuer of a command through the commit gate saw outside the logs, recorded with the
 * command so that deciding it again gives the same verdict.
 */
export interface Observed {
  /** Mutations target failed that the healers have not applied to it yet (the heals topic's lag); absent: not looked at. */
  readonly pendingHeals?: number;
}

/**
 * How a row differs between the clusters: there on origin only (`missing-on-target`), on target
 * only (`extra-on-target`), a cell's value (or whether there is one: `values`), or the same
 * values written at other times (a writetime, or whether a cell has a TTL: `writetime`).
 */
export type DifferenceKind = 'missing-on-target' | 'extra-on-target' | 'values' | 'writetime';

/** A row a verification found differing: its primary key as CQL writes it, how, and whether its repair made it agree. */
export interface DifferingRow {
  readonly key: string;
  readonly kind: DifferenceKind;
  readonly repaired: boolean;
}

/** Differing rows a verification records at most; `differences` counts them all. */
export const MAX_RECORDED_ROWS = 1000;

/**
 * A verification of a table: rows compared on both clusters, and those that still differ at its
 * end (after its repair, if it repaired). `full`: every row; `changed`: the partitions the
 * mutation log says were written since `since`.
 */
export interface Verification {
  readonly table: string;
  /** The table's copy round when the verification began: one of an earlier round says nothing of this one. */
  readonly round: number;
  /** When the comparison began, ms since the epoch. */
  readonly startedAt: number;
  readonly rows: number;
  readonly targetRows: number;
  readonly differences: number;
  /** Rows a repair wrote origin's version of (0: no repair). */
  readonly repairedRows: number;
  /** False when a range differed so much that its comparison stopped looking: `differences` is a lower bound. */
  readonly complete: boolean;
  /** Absent in records of Update v3: full. */
  readonly scope?: 'full' | 'changed';
  /** Of a `changed` verification: the start of the window it compared, ms since the epoch (absent: a log position, not a time). */
  readonly since?: number;
  /** The shared verification (VerificationStarted) this one ends, when it was one. */
  readonly verificationId?: string;
  /** The rows found differing (the first MAX_RECORDED_ROWS), each marked repaired or not. Absent in Update v3 records. */
  readonly differingRows?: readonly DifferingRow[];
}

/** Who asked, when and why: kept with every command and every event it causes, for the audit. */
export interface CommandEnvelope {
  readonly commandId: string;
  readonly migrationId: string;
  /** ms since the epoch. */
  readonly issuedAt: number;
  readonly issuer: string;
  readonly reason?: string;
  /**
   * How many records of the migration-events topic there were when it was issued: it is decided
   * knowing the facts among them (the migrators' progress, running verifications), and no later
   * ones, so every reader decides it alike. Absent (Update v3 and earlier): no facts.
   */
  readonly factsThrough?: number;
  readonly command: Command;
}
