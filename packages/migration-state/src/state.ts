import type { ClusterName, ReadMode } from '@cutover/config';
import type { DifferingRow, Scope } from './commands.js';
import { newCollection, nextRound, withCollectionFact, type CollectionState } from './collection-state.js';
import { isCollectionFact, isFact, type Event, type EventEnvelope, type Fact } from './events.js';
import { named, namedRecord, withNamed } from './named.js';

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
  /** The last full verification of the current round (`cutover verify`): a re-migration drops it. */
  readonly verified?: LastVerification;
  /** The last verification of the partitions written since a time (`cutover verify --changed-since`). */
  readonly rechecked?: LastVerification & { readonly since: number };
  /**
   * The last shared full verification begun: its ranges as they are compared, until its result
   * is recorded. Killed before, it is resumed by the next `cutover verify` of the table.
   */
  readonly verification?: SharedVerification;
}

/** What the last full (or incremental) verification of a table found. */
export interface LastVerification {
  /** When it began, and when its result was recorded, ms since the epoch. */
  readonly startedAt: number;
  readonly recordedAt: number;
  readonly rows: number;
  /** Rows that still differed at its end; with `complete` false, at least so many. */
  readonly differences: number;
  readonly complete: boolean;
  /** The rows it found differing (the first MAX_RECORDED_ROWS), each marked repaired or not. */
  readonly differingRows: readonly DifferingRow[];
}

/** A full verification shared by its workers: its token ranges, and those compared so far. */
export interface SharedVerification {
  readonly id: string;
  /** Its result is recorded (RecordVerification): it is over. */
  readonly recorded: boolean;
  readonly startedAt: number;
  readonly issuer: string;
  readonly ranges: number;
  /** By range: what its comparison found, and who compared it. */
  readonly done: Readonly<Record<number, { readonly rows: number; readonly targetRows: number; readonly differences: number; readonly complete: boolean; readonly failure: string | null; readonly by: string }>>;
}

/**
 * How long the planner of a copy round has to queue its work (WorkQueued): past it, another
 * planner's claim takes the round over. Measured between the claims' own times in the log, so
 * every reader agrees on who plans a round.
 */
export const PLAN_LEASE_MS = 120_000;

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
  /** Who planned the round (the issuer of its first TablePlanned), and when (ms since the epoch). */
  readonly planner?: { readonly issuer: string; readonly at: number };
  /** Target truncated for the round, as its re-migration asked. */
  readonly truncated?: boolean;
  /** Every chunk of the round is on the work topic. */
  readonly queued?: boolean;
  /** By chunk number: where it is staged, its rows, and the size and SHA-256 of its CSV. */
  readonly unloaded: Readonly<Record<number, { readonly s3Key: string; readonly rows: number; readonly bytes: number; readonly sha256: string }>>;
  /** By chunk number: rows written to target, and those target refused (listed in the bad-rows file in S3). */
  readonly loaded: Readonly<Record<number, { readonly rows: number; readonly badRows: number; readonly badRowsKey: string | null }>>;
  /** By chunk number: whether the range matched on both clusters when checked after loading. */
  readonly checked: Readonly<Record<number, boolean>>;
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
  tables: namedRecord<TableState>([]),
  collections: namedRecord<CollectionState>([]),
};

/** Tables in the order they are to be copied: by priority, then as they were listed. */
export function tableOrder(state: MigrationState): string[] {
  return Object.values(state.tables)
    .sort((a, b) => a.priority - b.priority || a.position - b.position)
    .map((t) => t.name);
}

/** Applies one event. Pure: returns a new state and never changes the one it is given. */
export function evolve(state: MigrationState, envelope: EventEnvelope): MigrationState {
  return isFact(envelope.event) ? withFact(state, envelope.event, envelope) : withEvent(state, envelope.event, envelope);
}

/**
 * The audit trail: who did what, when and why, refusals included; with `facts`, what the
 * migrators did too. It is the event log itself, read for people, so it is derived from the
 * events rather than kept in the state.
 */
export function auditTrail(events: Iterable<EventEnvelope>, options: { readonly facts?: boolean } = {}): AuditEntry[] {
  const trail: AuditEntry[] = [];
  for (const envelope of events) {
    // The migrators' progress, thousands of chunks, is not who decided what (unless asked for); a collection read again from scratch is.
    if (options.facts !== true && isFact(envelope.event) && envelope.event.type !== 'ChangeStreamLost') continue;
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

function withEvent(state: MigrationState, event: Event, { migrationId, at }: Pick<EventEnvelope, 'migrationId' | 'at'>): MigrationState {
  switch (event.type) {
    case 'MigrationStarted':
      return {
        ...state,
        migrationId,
        status: 'running',
        paused: false,
        tables: namedRecord(event.tables.map((name, position) => [name, { name, priority: 0, position, paused: false, remigrations: 0 }])),
        collections: namedRecord(event.collections.map((name, position) => [name, newCollection(name, position, event.into === undefined ? undefined : named(event.into, name))])),
      };
    case 'PriorityChanged':
      return withTable(state, event.table, (table) => ({ ...table, priority: event.priority }));
    case 'RemigrationRequested':
      return withTable(state, event.table, (table) => {
        // Verifications and the copy of the earlier round say nothing of the new one.
        const { verified: _verified, rechecked: _rechecked, verification: _verification, copy: _copy, ...rest } = table;
        return { ...rest, remigrations: table.remigrations + 1, truncate: event.truncate, force: event.force };
      });
    case 'Paused':
    case 'Resumed':
      return withPause(state, event.scope, event.type === 'Paused');
    case 'PrimaryChanged':
      return { ...state, primary: event.cluster };
    case 'ReadModeChanged':
      return { ...state, readMode: event.mode };
    case 'MigrationCompleted':
      return { ...state, status: 'completed' };
    case 'TableVerified': {
      const table = named(state.tables, event.table);
      if (table === undefined) return state;
      const { startedAt, rows, differences, complete, differingRows = [] } = event;
      const result = { startedAt, recordedAt: at, rows, differences, complete, differingRows };
      const ended = table.verification !== undefined && table.verification.id === event.verificationId ? { ...table, verification: { ...table.verification, recorded: true } } : table;
      // Verifications may end out of order (several run at once): the one that began last counts.
      // One of what changed since a log position rather than a time tells the gate nothing.
      const last = event.scope === 'changed' ? table.rechecked : table.verified;
      const counts = (last === undefined || last.startedAt <= startedAt) && (event.scope !== 'changed' || event.since !== undefined);
      if (!counts) return { ...state, tables: withNamed(state.tables, event.table, ended) };
      const recorded = event.scope === 'changed' ? { rechecked: { ...result, since: event.since! } } : { verified: result };
      return { ...state, tables: withNamed(state.tables, event.table, { ...ended, ...recorded }) };
    }
    case 'CollectionPriorityChanged':
      return withCollection(state, event.collection, (c) => ({ ...c, priority: event.priority }));
    case 'CollectionRemigrationRequested':
      return withCollection(state, event.collection, (c) => nextRound(c, event.truncate));
    case 'CollectionVerified': {
      const { startedAt, documents, differences, differingDocuments } = event;
      return withCollection(state, event.collection, (c) => (event.round !== c.round || (c.verified !== undefined && c.verified.startedAt > startedAt) ? c : { ...c, verified: { startedAt, recordedAt: at, documents, differences, differingDocuments } }));
    }
    case 'CommandRejected':
      return state;
    default:
      return state; // facts: see withFact
  }
}

/** A migrator's fact about the current copy round of a table; one about another round or an unknown table changes nothing. */
function withFact(state: MigrationState, fact: Fact, envelope: Pick<EventEnvelope, 'issuer' | 'at'>): MigrationState {
  if (isCollectionFact(fact)) {
    return withCollection(state, fact.collection, (collection) => withCollectionFact(collection, fact, envelope));
  }
  const table = named(state.tables, fact.table);
  if (table === undefined || fact.round !== table.remigrations) return state;
  const set = (copy: TableCopy): MigrationState => ({ ...state, tables: withNamed(state.tables, fact.table, { ...table, copy }) });
  const copy = table.copy?.round === fact.round ? table.copy : undefined;
  if (fact.type === 'VerificationStarted') {
    // One begun later takes the place of the last (cutover verify --restart); a fact logged twice changes nothing.
    if (table.verification !== undefined && (table.verification.startedAt > envelope.at || table.verification.id === fact.verificationId)) return state;
    const verification = { id: fact.verificationId, recorded: false, startedAt: envelope.at, issuer: envelope.issuer, ranges: fact.ranges, done: {} };
    return { ...state, tables: withNamed(state.tables, fact.table, { ...table, verification }) };
  }
  if (fact.type === 'RangeVerified') {
    const verification = table.verification;
    if (verification?.id !== fact.verificationId || verification.recorded) return state;
    const { rows, targetRows, differences, complete, failure } = fact;
    const done = { ...verification.done, [fact.range]: { rows, targetRows, differences, complete, failure, by: envelope.issuer } };
    return { ...state, tables: withNamed(state.tables, fact.table, { ...table, verification: { ...verification, done } }) };
  }
  const claim = { issuer: envelope.issuer, at: envelope.at };
  const planner = copy?.planner ?? claim;
  if (fact.type === 'TablePlanned') {
    if (copy === undefined) {
      const { round, chunks, estimatedBytes, maxBadRows, maxBadRowsPercent, counter } = fact;
      return set({ round, chunks, estimatedBytes, maxBadRows, maxBadRowsPercent, counter, planner, unloaded: {}, loaded: {}, checked: {} });
    }
    // The first plan of a round is the round's: planners that found it due at once all claim it.
    // A later claim takes the planning over, plan unchanged, only from a planner that has not
    // queued the work within its lease (it died, or hangs).
    const lapsed = copy.queued !== true && copy.refused === undefined && envelope.at - planner.at > PLAN_LEASE_MS;
    return lapsed ? set({ ...copy, planner: claim }) : state;
  }
  if (fact.type === 'TableRefused') {
    return set({ round: fact.round, chunks: 0, estimatedBytes: 0, maxBadRows: null, maxBadRowsPercent: null, counter: false, refused: fact.reason, planner, unloaded: {}, loaded: {}, checked: {} });
  }
  if (copy === undefined) return state;
  switch (fact.type) {
    case 'TableTruncated':
      return set({ ...copy, truncated: true });
    case 'WorkQueued':
      return set({ ...copy, queued: true });
    case 'ChunkUnloaded':
      return set({ ...copy, unloaded: { ...copy.unloaded, [fact.chunk]: { s3Key: fact.s3Key, rows: fact.rows, bytes: fact.bytes, sha256: fact.sha256 } } });
    case 'ChunkLoaded':
      return set({ ...copy, loaded: { ...copy.loaded, [fact.chunk]: { rows: fact.rows, badRows: fact.badRows, badRowsKey: fact.badRowsKey } } });
    case 'ChunkChecked':
      return set({ ...copy, checked: { ...copy.checked, [fact.chunk]: fact.matches } });
  }
}

/** The state with the table named `name` changed; a name the migration has no table of changes nothing. */
function withTable(state: MigrationState, name: string, change: (t: TableState) => TableState): MigrationState {
  const table = named(state.tables, name);
  return table === undefined ? state : { ...state, tables: withNamed(state.tables, name, change(table)) };
}

/** The state with the collection named `name` changed; a name the migration has no collection of changes nothing. */
function withCollection(state: MigrationState, name: string, change: (c: CollectionState) => CollectionState): MigrationState {
  const collection = named(state.collections, name);
  return collection === undefined ? state : { ...state, collections: withNamed(state.collections, name, change(collection)) };
}

function withPause(state: MigrationState, scope: Scope, paused: boolean): MigrationState {
  switch (scope.kind) {
    case 'all':
      return { ...state, paused };
    case 'table':
      return withTable(state, scope.name, (t) => ({ ...t, paused }));
    case 'collection':
      return withCollection(state, scope.name, (c) => ({ ...c, paused }));
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
      return `primary is now ${event.cluster}${forced(event.overriding)}`;
    case 'ReadModeChanged':
      return `read mode is now ${event.mode}`;
    case 'MigrationCompleted':
      return `migration completed${forced(event.overriding)}`;
    case 'TableVerified':
      return `verified ${event.scope === 'changed' ? `the partitions of ${event.table} written since ${event.since === undefined ? 'a log position' : new Date(event.since).toISOString()}` : event.table}: ${event.rows} rows compared, ${event.complete ? '' : 'at least '}${event.differences} differing${event.repairedRows > 0 ? ` after ${event.repairedRows} were repaired` : ''}`;
    case 'CommandRejected':
      return `${event.commandType} rejected: ${event.rejection}`;
    case 'TablePlanned':
    case 'ChunkUnloaded':
    case 'ChunkLoaded':
    case 'ChunkChecked':
    case 'TableRefused':
    case 'TableTruncated':
    case 'WorkQueued':
    case 'VerificationStarted':
    case 'RangeVerified':
      return `${event.type} ${event.table}`; // not in the audit trail
    case 'CollectionPriorityChanged':
      return `priority of collection ${event.collection} set to ${event.priority}`;
    case 'CollectionRemigrationRequested':
      return `re-migrate collection ${event.collection}${event.truncate ? ' (truncating target first)' : ''}`;
    case 'CollectionVerified':
      return `verified collection ${event.collection}: ${event.documents} documents compared, ${event.differences} differing${event.badDocuments > 0 ? ` (${event.badDocuments} bad documents left out)` : ''}`;
    case 'ChangeStreamLost':
      return `the change stream of ${event.collection} cannot resume (${event.reason}): it is read again whole, in round ${event.round + 1}`;
    case 'CollectionPlanned':
    case 'RangeRead':
    case 'ChangesRead':
    case 'DocumentsLoaded':
    case 'CollectionSwept':
      return `${event.type} ${event.collection}`; // not in the audit trail
  }
}

function forced(overriding: string | undefined): string {
  return overriding === undefined ? '' : ` (forced past the commit gate, which waited for: ${overriding})`;
}

/** The state a log describes: every event from the first, folded. */
export function replay(events: Iterable<EventEnvelope>, from: MigrationState = initialState): MigrationState {
  let state = from;
  for (const event of events) state = evolve(state, event);
  return state;
}

