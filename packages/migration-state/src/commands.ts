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
  | { readonly type: 'SetPrimary'; readonly cluster: ClusterName }
  | { readonly type: 'SetReadMode'; readonly mode: ReadMode }
  | { readonly type: 'CompleteMigration' };

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
