/**
 * Commands: what an operator (or a service) asks of the migration. They travel as `Update`
 * records on the control topic, are decided against the state, and never change it directly.
 */
export type ClusterName = 'origin' | 'target';
export type ReadMode = 'primary-only' | 'dual-async';

/** What a pause or resume applies to. Tables are `keyspace.table`, collections `database.collection`. */
export type Scope = { readonly kind: 'all' } | { readonly kind: 'table'; readonly name: string } | { readonly kind: 'collection'; readonly name: string };

export type Command =
  | { readonly type: 'StartMigration'; readonly tables: readonly string[]; readonly collections: readonly string[] }
  /** Lower priorities are copied first; equal priorities keep the order the migration was started with. */
  | { readonly type: 'SetPriority'; readonly table: string; readonly priority: number }
  /** `force`: copy it again even where copying is not idempotent (a counter table). */
  | { readonly type: 'Remigrate'; readonly table: string; readonly truncate: boolean; readonly force: boolean }
  | { readonly type: 'Pause'; readonly scope: Scope }
  | { readonly type: 'Resume'; readonly scope: Scope }
  /** `force`: past the commit gate (to target: see `commitGate`); the envelope's reason must say why. */
  | { readonly type: 'SetPrimary'; readonly cluster: ClusterName; readonly force?: boolean }
  | { readonly type: 'SetReadMode'; readonly mode: ReadMode }
  | { readonly type: 'CompleteMigration'; readonly force?: boolean }
  /**
   * What a full verification of a table found (`cutover verify`). Recorded as a command, on the
   * control topic, so that the commands after it are decided knowing it (the commit gate), in the
   * one order every reader sees.
   */
  | ({ readonly type: 'RecordVerification' } & Verification);

/** A full verification of a table: rows compared on both clusters, and those that still differ at its end (after its repair, if it repaired). */
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
}

/** Who asked, when and why: kept with every command and every event it causes, for the audit. */
export interface CommandEnvelope {
  readonly commandId: string;
  readonly migrationId: string;
  /** ms since the epoch. */
  readonly issuedAt: number;
  readonly issuer: string;
  readonly reason?: string;
  readonly command: Command;
}
