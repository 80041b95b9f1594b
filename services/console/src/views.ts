import { auditTrail, collectionOrder, collectionProgress, tableOrder, tableProgress, type AuditEntry, type CollectionState, type EventEnvelope, type MigrationState, type TableState } from '@cutover/migration-state';
import { etaSeconds, type RateMeter } from './rate-meter.js';

/**
 * What the API answers, from the state alone: the migration, each table and collection with
 * its progress bar's numbers, and pages of the audit. Pure, so the page and the tests read the
 * same thing.
 */

export interface Overview {
  readonly migrationId: string | null;
  readonly status: MigrationState['status'];
  readonly primary: MigrationState['primary'];
  readonly readMode: MigrationState['readMode'];
  readonly paused: boolean;
  /** What `set-primary target` and `complete` wait for; empty: the gate is open. */
  readonly commitGate: { readonly open: boolean; readonly waitingFor: readonly string[] };
  readonly tables: number;
  readonly collections: number;
}

export function overview(state: MigrationState, gate: readonly string[]): Overview {
  return {
    migrationId: state.migrationId ?? null,
    status: state.status,
    primary: state.primary,
    readMode: state.readMode,
    paused: state.paused,
    commitGate: { open: state.status === 'running' && gate.length === 0, waitingFor: gate },
    tables: Object.keys(state.tables).length,
    collections: Object.keys(state.collections).length,
  };
}

/** Each chunk of a table's round: how far it got. */
export type ChunkState = 'waiting' | 'unloaded' | 'loaded' | 'matched' | 'mismatched';

export interface TableView {
  readonly name: string;
  readonly priority: number;
  readonly paused: boolean;
  readonly round: number;
  readonly phase: ReturnType<typeof tableProgress>['phase'];
  readonly rows: { readonly loaded: number; readonly estimated: number };
  readonly bytes: { readonly unloaded: number; readonly estimated: number };
  /** Rows loaded a second, over the last 30 s. */
  readonly rate: number;
  readonly etaSeconds: number | null;
  readonly chunks: { readonly total: number; readonly unloaded: number; readonly loaded: number; readonly checked: number; readonly mismatched: readonly number[]; readonly map: readonly ChunkState[] };
  readonly verified: { readonly at: number; readonly rows: number; readonly differences: number; readonly complete: boolean } | null;
  readonly badRows: { readonly count: number; readonly files: readonly string[] };
  readonly failure: string | null;
}

export function tableView(table: TableState, rates: RateMeter, now: number): TableView {
  const p = tableProgress(table);
  const rate = rates.sample(`table ${table.name}`, p.rowsLoaded, now);
  const copy = table.copy?.round === table.remigrations ? table.copy : undefined;
  const map = Array.from({ length: p.chunks }, (_, chunk): ChunkState => {
    const checked = copy?.checked[chunk];
    if (checked !== undefined) return checked ? 'matched' : 'mismatched';
    return copy?.loaded[chunk] !== undefined ? 'loaded' : copy?.unloaded[chunk] !== undefined ? 'unloaded' : 'waiting';
  });
  const done = p.phase === 'verified' || p.phase === 'mismatched' || p.phase === 'copied';
  return {
    name: table.name,
    priority: table.priority,
    paused: table.paused,
    round: table.remigrations,
    phase: p.phase,
    rows: { loaded: p.rowsLoaded, estimated: p.estimatedRows },
    bytes: { unloaded: p.bytesUnloaded, estimated: p.estimatedBytes },
    rate,
    etaSeconds: done ? 0 : p.estimatedRows === 0 ? null : (etaSeconds(p.rowsLoaded, p.estimatedRows, rate) ?? null),
    chunks: { total: p.chunks, unloaded: p.chunksUnloaded, loaded: p.chunksLoaded, checked: p.chunksChecked, mismatched: p.mismatchedChunks, map },
    verified: table.verified === undefined ? null : { at: table.verified.recordedAt, rows: table.verified.rows, differences: table.verified.differences, complete: table.verified.complete },
    badRows: { count: p.badRows, files: p.badRowsFiles },
    failure: p.failure ?? null,
  };
}

export interface CollectionView {
  readonly name: string;
  readonly target: string | null;
  readonly priority: number;
  readonly paused: boolean;
  readonly round: number;
  readonly phase: ReturnType<typeof collectionProgress>['phase'];
  readonly documents: { readonly read: number; readonly estimated: number; readonly loaded: number; readonly deletes: number };
  readonly bytes: { readonly read: number; readonly estimated: number };
  readonly ranges: { readonly total: number; readonly read: number };
  readonly changes: { readonly read: number; readonly lagSeconds: number };
  /** Documents read a second, over the last 30 s. */
  readonly rate: number;
  readonly etaSeconds: number | null;
  readonly verified: { readonly at: number; readonly documents: number; readonly differences: number } | null;
  readonly badDocuments: { readonly count: number; readonly files: readonly string[] };
  /** Why change streams were lost, one per round they ended. */
  readonly lost: readonly string[];
  readonly failure: string | null;
}

export function collectionView(collection: CollectionState, rates: RateMeter, now: number): CollectionView {
  const p = collectionProgress(collection);
  const rate = rates.sample(`collection ${collection.name}`, p.documentsRead, now);
  // A new round forgets the last one's verification.
  const verified = collection.verified;
  return {
    name: collection.name,
    target: p.target ?? collection.into ?? null,
    priority: collection.priority,
    paused: collection.paused,
    round: collection.round,
    phase: p.phase,
    documents: { read: p.documentsRead, estimated: p.estimatedDocuments, loaded: p.documentsLoaded, deletes: p.deletesLoaded },
    bytes: { read: p.bytesRead, estimated: p.estimatedBytes },
    ranges: { total: p.ranges, read: p.rangesRead },
    changes: { read: p.changesRead, lagSeconds: p.changeLagSeconds },
    rate,
    etaSeconds: p.phase === 'following' ? 0 : p.estimatedDocuments === 0 ? null : (etaSeconds(p.documentsRead, p.estimatedDocuments, rate) ?? null),
    verified: verified === undefined ? null : { at: verified.recordedAt, documents: verified.documents, differences: verified.differences },
    badDocuments: { count: p.badDocuments, files: p.badDocumentsFiles },
    lost: collection.lost,
    failure: p.failure ?? null,
  };
}

export function tableViews(state: MigrationState, rates: RateMeter, now: number): TableView[] {
  return tableOrder(state).map((name) => tableView(state.tables[name]!, rates, now));
}

export function collectionViews(state: MigrationState, rates: RateMeter, now: number): CollectionView[] {
  return collectionOrder(state.collections).map((c) => collectionView(c, rates, now));
}

export interface AuditQuery {
  /** Entries about this table or collection only. */
  readonly subject?: string;
  /** The migrators' facts too (chunks loaded, ranges read, …), not only who decided what. */
  readonly facts?: boolean;
  /** Entries from this one on, newest first. */
  readonly offset: number;
  readonly limit: number;
}

export interface AuditPage {
  readonly total: number;
  readonly offset: number;
  readonly entries: readonly AuditEntry[];
}

/** A page of the audit trail, newest first. */
export function auditPage(trail: readonly EventEnvelope[], query: AuditQuery): AuditPage {
  const subject = query.subject;
  const about = subject === undefined ? trail : trail.filter((e) => mentions(e, subject));
  const entries = auditTrail(about, { facts: query.facts === true }).reverse();
  return { total: entries.length, offset: query.offset, entries: entries.slice(query.offset, query.offset + query.limit) };
}

/** Whether the event is about `subject` (a table or collection), by any of its fields. */
function mentions(envelope: EventEnvelope, subject: string): boolean {
  const event = envelope.event as unknown as Record<string, unknown>;
  return Object.values(event).some((value) => value === subject || (Array.isArray(value) && value.includes(subject)) || (typeof value === 'object' && value !== null && 'name' in value && (value as { name: unknown }).name === subject));
}
