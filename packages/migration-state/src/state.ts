import type { ClusterName, ReadMode, Scope } from './commands.js';
import { isFact, type Event, type EventEnvelope, type Fact } from './events.js';

export interface TableState {
  readonly name: string;
  readonly priority: number;
  /** Where it was listed when the migration started: the tie-break between equal priorities. */
  readonly position: number;
  readonly paused: boolean;
  /** How often it was asked to be copied again; the migrator redoes its chunks each time. */
  readonly remigrations: number;
  /** Whether target is truncated before the current round is copied (the last re-migration asked for it). */
  readonly truncate?: boolean;
  /** Whether the last re-migration asked to copy again even where that is not idempotent (a counter table). */
  readonly force?: boolean;
  /** The current copy round, once the migrator has planned it. */
  readonly copy?: TableCopy;
}

/** How far one copy round of a table has got, from the migrator's facts. */
export interface TableCopy {
  /** The round: facts of an earlier one (before a re-migration) no longer count. */
  readonly round: number;
  readonly chunks: number;
  readonly estimatedBytes: number;
  readonly maxBadRows: number | null;
  readonly maxBadRowsPercent: number | null;
  readonly counter: boolean;
  /** Why the migrator would not copy this round, when it would not. */
  readonly refused?: string;
  /** By chunk number: where it is staged, its rows, and the size and SHA-256 of its CSV. */
  readonly unloaded: Readonly<Record<number, { readonly s3Key: string; readonly rows: number; readonly bytes: number; readonly sha256: string }>>;
  /** By chunk number: rows written to target, and those target refused (listed in the bad-rows file in S3). */
  readonly loaded: Readonly<Record<number, { readonly rows: number; readonly badRows: number; readonly badRowsKey: string | null }>>;
  /** By chunk number: whether the range matched on both clusters when checked after loading. */
  readonly checked: Readonly<Record<number, boolean>>;
}

export interface CollectionState {
  readonly name: string;
  readonly paused: boolean;
}

/** One line of the audit trail: who did what, when and why, and whether it was accepted. */
export interface AuditEntry {
  readonly at: number;
  readonly commandId: string;
  readonly issuer: string;
  readonly reason?: string;
  readonly event: Event['type'];
  readonly detail: string;
}

export interface MigrationState {
  readonly migrationId?: string;
  readonly status: 'idle' | 'running' | 'completed';
  readonly primary: ClusterName;
  readonly readMode: ReadMode;
  /** Everything paused at once (a table or collection can also be paused on its own). */
  readonly paused: boolean;
  readonly tables: Readonly<Record<string, TableState>>;
  readonly collections: Readonly<Record<string, CollectionState>>;
}

export const initialState: MigrationState = {
  status: 'idle',
  primary: 'origin',
  readMode: 'primary-only',
  paused: false,
  tables: {},
  collections: {},
};

/** Tables in the order they are to be copied: by priority, then as they were listed. */
export function tableOrder(state: MigrationState): string[] {
  return Object.values(state.tables)
    .sort((a, b) => a.priority - b.priority || a.position - b.position)
    .map((t) => t.name);
}

/** Applies one event. Pure: returns a new state and never changes the one it is given. */
export function evolve(state: MigrationState, envelope: EventEnvelope): MigrationState {
  return withEvent(state, envelope.event, envelope.migrationId);
}

/**
 * The audit trail: who did what, when and why, refusals included. It is the event log itself,
 * read for people, so it is derived from the events rather than kept in the state.
 */
export function auditTrail(events: Iterable<EventEnvelope>): AuditEntry[] {
  const trail: AuditEntry[] = [];
  for (const envelope of events) {
    if (isFact(envelope.event)) continue; // the migrators' progress, thousands of chunks: not who decided what
    trail.push({
      at: envelope.at,
      commandId: envelope.commandId,
      issuer: envelope.issuer,
      ...(envelope.reason === undefined ? {} : { reason: envelope.reason }),
      event: envelope.event.type,
      detail: describe(envelope.event),
    });
  }
  return trail;
}

function withEvent(state: MigrationState, event: Event, migrationId: string): MigrationState {
  switch (event.type) {
    case 'MigrationStarted':
      return {
        ...state,
        migrationId,
        status: 'running',
        paused: false,
        tables: Object.fromEntries(event.tables.map((name, position) => [name, { name, priority: 0, position, paused: false, remigrations: 0 }])),
        collections: Object.fromEntries(event.collections.map((name) => [name, { name, paused: false }])),
      };
    case 'PriorityChanged':
      return { ...state, tables: { ...state.tables, [event.table]: { ...state.tables[event.table]!, priority: event.priority } } };
    case 'RemigrationRequested': {
      const table = state.tables[event.table]!;
      return { ...state, tables: { ...state.tables, [event.table]: { ...table, remigrations: table.remigrations + 1, truncate: event.truncate, force: event.force } } };
    }
    case 'Paused':
    case 'Resumed':
      return withPause(state, event.scope, event.type === 'Paused');
    case 'PrimaryChanged':
      return { ...state, primary: event.cluster };
    case 'ReadModeChanged':
      return { ...state, readMode: event.mode };
    case 'MigrationCompleted':
      return { ...state, status: 'completed' };
    case 'CommandRejected':
      return state;
    case 'TablePlanned':
    case 'ChunkUnloaded':
    case 'ChunkLoaded':
    case 'ChunkChecked':
    case 'TableRefused':
      return withFact(state, event);
  }
}

/** A migrator's fact about the current copy round of a table; one about another round or an unknown table changes nothing. */
function withFact(state: MigrationState, fact: Fact): MigrationState {
  const table = state.tables[fact.table];
  if (table === undefined || fact.round !== table.remigrations) return state;
  const set = (copy: TableCopy): MigrationState => ({ ...state, tables: { ...state.tables, [fact.table]: { ...table, copy } } });
  if (fact.type === 'TablePlanned') {
    const { round, chunks, estimatedBytes, maxBadRows, maxBadRowsPercent, counter } = fact;
    return set({ round, chunks, estimatedBytes, maxBadRows, maxBadRowsPercent, counter, unloaded: {}, loaded: {}, checked: {} });
  }
  if (fact.type === 'TableRefused') {
    return set({ round: fact.round, chunks: 0, estimatedBytes: 0, maxBadRows: null, maxBadRowsPercent: null, counter: false, refused: fact.reason, unloaded: {}, loaded: {}, checked: {} });
  }
  const copy = table.copy;
  if (copy === undefined) return state;
  switch (fact.type) {
    case 'ChunkUnloaded':
      return set({ ...copy, unloaded: { ...copy.unloaded, [fact.chunk]: { s3Key: fact.s3Key, rows: fact.rows, bytes: fact.bytes, sha256: fact.sha256 } } });
    case 'ChunkLoaded':
      return set({ ...copy, loaded: { ...copy.loaded, [fact.chunk]: { rows: fact.rows, badRows: fact.badRows, badRowsKey: fact.badRowsKey } } });
    case 'ChunkChecked':
      return set({ ...copy, checked: { ...copy.checked, [fact.chunk]: fact.matches } });
  }
}

function withPause(state: MigrationState, scope: Scope, paused: boolean): MigrationState {
  switch (scope.kind) {
    case 'all':
      return { ...state, paused };
    case 'table':
      return { ...state, tables: { ...state.tables, [scope.name]: { ...state.tables[scope.name]!, paused } } };
    case 'collection':
      return { ...state, collections: { ...state.collections, [scope.name]: { ...state.collections[scope.name]!, paused } } };
  }
}

export function describeScope(scope: Scope): string {
  return scope.kind === 'all' ? 'everything' : `${scope.kind} ${scope.name}`;
}

function describe(event: Event): string {
  switch (event.type) {
    case 'MigrationStarted':
      return `started: tables ${event.tables.join(', ') || '-'}; collections ${event.collections.join(', ') || '-'}`;
    case 'PriorityChanged':
      return `priority of ${event.table} set to ${event.priority}`;
    case 'RemigrationRequested':
      return `re-migrate ${event.table}${event.truncate ? ' (truncating target first)' : ''}${event.force ? ' (forced)' : ''}`;
    case 'Paused':
      return `paused ${describeScope(event.scope)}`;
    case 'Resumed':
      return `resumed ${describeScope(event.scope)}`;
    case 'PrimaryChanged':
      return `primary is now ${event.cluster}`;
    case 'ReadModeChanged':
      return `read mode is now ${event.mode}`;
    case 'MigrationCompleted':
      return 'migration completed';
    case 'CommandRejected':
      return `${event.commandType} rejected: ${event.rejection}`;
    case 'TablePlanned':
    case 'ChunkUnloaded':
    case 'ChunkLoaded':
    case 'ChunkChecked':
    case 'TableRefused':
      return `${event.type} ${event.table}`; // not in the audit trail
  }
}

/** The state a log describes: every event from the first, folded. */
export function replay(events: Iterable<EventEnvelope>, from: MigrationState = initialState): MigrationState {
  let state = from;
  for (const event of events) state = evolve(state, event);
  return state;
}

