import type { Command, CommandEnvelope, Observed, Scope } from './commands.js';
import type { Event, EventEnvelope } from './events.js';
import { QUALIFIED_NAME, named } from './named.js';
import { describeScope, type LastVerification, type MigrationState } from './state.js';

/**
 * Decides a command against the state: the events it causes, or a single CommandRejected
 * saying why not. Pure and deterministic, so a command decided twice gives the same events
 * (with the same ids) and the log can be audited by deciding it again.
 */
export function decide(envelope: CommandEnvelope, state: MigrationState): EventEnvelope[] {
  const outcome = decision(envelope, state);
  const events = typeof outcome === 'string' ? [{ type: 'CommandRejected', commandType: envelope.command.type, rejection: outcome } satisfies Event] : outcome;
  return events.map((event, n) => ({
    eventId: `${envelope.commandId}/${n}`,
    migrationId: envelope.migrationId,
    commandId: envelope.commandId,
    at: envelope.issuedAt,
    issuer: envelope.issuer,
    ...(envelope.reason === undefined ? {} : { reason: envelope.reason }),
    event,
  }));
}

/**
 * What reads moving to target, and completing the migration, wait for while a migration runs,
 * each named: every table verified (its last full verification, of its current copy round, left
 * no difference, and a clean verification of what changed since it began, begun once it ended,
 * followed it: rows the full one had compared may have been written since), no
 * verification running, no heal pending (as the command's issuer `observed` it), and every
 * collection verified. Empty: the gate is open.
 */
export function commitGate(state: MigrationState, observed: Observed = {}): string[] {
  if (state.status !== 'running') return [];
  const waits: string[] = [];
  for (const table of Object.values(state.tables)) {
    const { verified, rechecked, verification: running } = table;
    if (running !== undefined && !running.recorded) waits.push(`a verification of ${table.name} is running (begun ${iso(running.startedAt)} by ${running.issuer}, ${Object.keys(running.done).length} of ${running.ranges} ranges compared): let it end, or run cutover verify ${table.name} to resume it`);
    if (verified === undefined) waits.push(`${table.name} is not verified`);
    else if (differing(verified) !== undefined) waits.push(`${table.name} had ${differing(verified)} at its last verification`);
    else if (rechecked === undefined || rechecked.since > verified.startedAt || rechecked.startedAt < verified.recordedAt) waits.push(`what changed in ${table.name} since its verification began is not verified: cutover verify --changed-since ${iso(verified.startedAt)} ${table.name}`);
    else if (differing(rechecked) !== undefined) waits.push(`${table.name} had ${differing(rechecked)} among the partitions written since ${iso(rechecked.since)}`);
  }
  if ((observed.pendingHeals ?? 0) > 0) waits.push(`${observed.pendingHeals} mutation(s) target failed are not healed yet (the heals topic's lag)`);
  for (const collection of Object.values(state.collections)) {
    const { verified } = collection;
    if (verified === undefined) waits.push(`collection ${collection.name} is not verified: cutover verify ${collection.name}`);
    else if (verified.differences > 0) waits.push(`collection ${collection.name} had ${verified.differences} differing document${verified.differences === 1 ? '' : 's'} at its last verification`);
  }
  return waits;
}

/** How many rows a verification found differing, for people; undefined when none. */
function differing({ differences, complete }: LastVerification): string | undefined {
  if (differences === 0 && complete) return undefined;
  return `${complete ? '' : 'at least '}${differences} differing row${differences === 1 ? '' : 's'}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The events of an accepted command, or the reason it is refused. */
function decision({ command, migrationId, reason }: CommandEnvelope, state: MigrationState): Event[] | string {
  if (command.type === 'StartMigration') return start(command, state);
  if (state.migrationId !== undefined && migrationId !== state.migrationId) {
    return `this log's migration is ${state.migrationId}, not ${migrationId}`;
  }
  switch (command.type) {
    case 'SetPrimary': {
      if (command.cluster === state.primary) return `${command.cluster} is already the primary`;
      // Back to origin is always allowed: it is the way out.
      const gate = command.cluster === 'target' ? passGate(command, reason, state) : {};
      return typeof gate === 'string' ? gate : [{ type: 'PrimaryChanged', cluster: command.cluster, ...gate }];
    }
    case 'SetReadMode':
      return command.mode === state.readMode ? `the read mode is already ${command.mode}` : [{ type: 'ReadModeChanged', mode: command.mode }];
  }
  if (state.status !== 'running') return `no migration is running (it is ${state.status})`;
  switch (command.type) {
    case 'SetPriority':
      if (!Number.isSafeInteger(command.priority)) return `priority must be a whole number, not ${command.priority}`;
      return named(state.tables, command.table) === undefined ? unknownTable(command.table, state) : [{ type: 'PriorityChanged', table: command.table, priority: command.priority }];
    case 'Remigrate':
      return named(state.tables, command.table) === undefined ? unknownTable(command.table, state) : [{ type: 'RemigrationRequested', table: command.table, truncate: command.truncate, force: command.force }];
    case 'Pause':
    case 'Resume':
      return pauseOrResume(command.type, command.scope, state);
    case 'RecordVerification': {
      const table = named(state.tables, command.table);
      if (table === undefined) return unknownTable(command.table, state);
      if (command.round !== table.remigrations) return `the verification compared round ${command.round} of ${command.table}, which is at round ${table.remigrations} now (re-migrated since): it says nothing of this round`;
      const shared = table.verification;
      if (command.verificationId !== undefined && (shared?.id !== command.verificationId || shared.recorded)) {
        return `verification ${command.verificationId} of ${command.table} is not under way: ${shared?.id === command.verificationId ? 'its result was recorded already' : shared === undefined ? 'it never began' : `verification ${shared.id} took its place`}`;
      }
      const { type: _command, ...verification } = command;
      return [{ type: 'TableVerified', ...verification }];
    }
    case 'SetCollectionPriority':
      if (!Number.isSafeInteger(command.priority)) return `priority must be a whole number, not ${command.priority}`;
      return named(state.collections, command.collection) === undefined ? unknownCollection(command.collection, state) : [{ type: 'CollectionPriorityChanged', collection: command.collection, priority: command.priority }];
    case 'RemigrateCollection':
      return named(state.collections, command.collection) === undefined ? unknownCollection(command.collection, state) : [{ type: 'CollectionRemigrationRequested', collection: command.collection, truncate: command.truncate }];
    case 'RecordCollectionVerification': {
      const collection = named(state.collections, command.collection);
      if (collection === undefined) return unknownCollection(command.collection, state);
      if (command.round !== collection.round) return `the verification compared round ${command.round} of ${command.collection}, which is at round ${collection.round} now: it says nothing of this round`;
      const { type: _command, ...verification } = command;
      return [{ type: 'CollectionVerified', ...verification }];
    }
    case 'CompleteMigration': {
      if (state.primary !== 'target') return 'switch the primary to target before completing the migration';
      const gate = passGate(command, reason, state);
      return typeof gate === 'string' ? gate : [{ type: 'MigrationCompleted', ...gate }];
    }
  }
}

/** Through the commit gate: open, or forced with a reason (what it waited for then goes in the event); else why not. */
function passGate(command: Observed & { readonly force?: boolean }, reason: string | undefined, state: MigrationState): { overriding?: string } | string {
  const waits = commitGate(state, command);
  if (waits.length === 0) return {};
  if (command.force !== true) return `the commit gate is closed: ${waits.join('; ')}. Verify the tables (cutover verify), or force it with a reason`;
  if (reason === undefined || reason.trim() === '') return 'forcing a command past the commit gate needs a reason, for the audit';
  return { overriding: waits.join('; ') };
}

function start(command: Extract<Command, { type: 'StartMigration' }>, state: MigrationState): Event[] | string {
  if (state.status !== 'idle') return `migration ${state.migrationId} is ${state.status}; a log holds one migration`;
  if (command.tables.length + command.collections.length === 0) return 'name at least one table or collection';
  const badTable = command.tables.find((t) => !QUALIFIED_NAME.test(t));
  if (badTable !== undefined) return `"${badTable}" is not keyspace.table`;
  const badCollection = command.collections.find((c) => !QUALIFIED_NAME.test(c));
  if (badCollection !== undefined) return `"${badCollection}" is not database.collection`;
  const duplicate = [...command.tables, ...command.collections].find((name, i, all) => all.indexOf(name) !== i);
  if (duplicate !== undefined) return `${duplicate} is listed twice`;
  const into = Object.entries(command.into ?? {});
  const stray = into.find(([collection]) => !command.collections.includes(collection));
  if (stray !== undefined) return `--into names ${stray[0]}, which is not a collection of the migration`;
  const badTarget = into.find(([, target]) => !QUALIFIED_NAME.test(target));
  if (badTarget !== undefined) return `"${badTarget[1]}" (where ${badTarget[0]} goes) is not keyspace.table`;
  const shared = into.find(([, target], i) => into.findIndex(([, other]) => other === target) !== i);
  if (shared !== undefined) return `two collections go to ${shared[1]}`;
  return [{ type: 'MigrationStarted', tables: command.tables, collections: command.collections, ...(into.length === 0 ? {} : { into: Object.fromEntries(into) }) }];
}

function pauseOrResume(type: 'Pause' | 'Resume', scope: Scope, state: MigrationState): Event[] | string {
  const pausing = type === 'Pause';
  let paused: boolean;
  if (scope.kind === 'all') {
    paused = state.paused;
  } else {
    const target = scope.kind === 'table' ? named(state.tables, scope.name) : named(state.collections, scope.name);
    if (target === undefined) return scope.kind === 'table' ? unknownTable(scope.name, state) : unknownCollection(scope.name, state);
    paused = target.paused;
  }
  if (paused === pausing) return `${describeScope(scope)} is already ${pausing ? 'paused' : 'running'}`;
  return [{ type: pausing ? 'Paused' : 'Resumed', scope }];
}

function unknownCollection(collection: string, state: MigrationState): string {
  return `unknown collection ${collection}; the migration has ${Object.keys(state.collections).join(', ') || 'no collections'}`;
}

function unknownTable(table: string, state: MigrationState): string {
  return `unknown table ${table}; the migration has ${Object.keys(state.tables).join(', ') || 'no tables'}`;
}
