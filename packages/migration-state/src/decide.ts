import type { Command, CommandEnvelope, Scope } from './commands.js';
import type { Event, EventEnvelope } from './events.js';
import { describeScope, type MigrationState } from './state.js';

const TABLE_NAME = /^[^.\s]+\.[^.\s]+$/;

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

/** The events of an accepted command, or the reason it is refused. */
function decision({ command, migrationId }: CommandEnvelope, state: MigrationState): Event[] | string {
  if (command.type === 'StartMigration') return start(command, state);
  if (state.migrationId !== undefined && migrationId !== state.migrationId) {
    return `this log's migration is ${state.migrationId}, not ${migrationId}`;
  }
  switch (command.type) {
    case 'SetPrimary':
      return command.cluster === state.primary ? `${command.cluster} is already the primary` : [{ type: 'PrimaryChanged', cluster: command.cluster }];
    case 'SetReadMode':
      return command.mode === state.readMode ? `the read mode is already ${command.mode}` : [{ type: 'ReadModeChanged', mode: command.mode }];
  }
  if (state.status !== 'running') return `no migration is running (it is ${state.status})`;
  switch (command.type) {
    case 'SetPriority':
      if (!Number.isSafeInteger(command.priority)) return `priority must be a whole number, not ${command.priority}`;
      return state.tables[command.table] === undefined ? unknownTable(command.table, state) : [{ type: 'PriorityChanged', table: command.table, priority: command.priority }];
    case 'Remigrate':
      return state.tables[command.table] === undefined ? unknownTable(command.table, state) : [{ type: 'RemigrationRequested', table: command.table, truncate: command.truncate, force: command.force }];
    case 'Pause':
    case 'Resume':
      return pauseOrResume(command.type, command.scope, state);
    case 'CompleteMigration':
      return state.primary === 'target' ? [{ type: 'MigrationCompleted' }] : 'switch the primary to target before completing the migration';
  }
}

function start(command: Extract<Command, { type: 'StartMigration' }>, state: MigrationState): Event[] | string {
  if (state.status !== 'idle') return `migration ${state.migrationId} is ${state.status}; a log holds one migration`;
  if (command.tables.length + command.collections.length === 0) return 'name at least one table or collection';
  const badTable = command.tables.find((t) => !TABLE_NAME.test(t));
  if (badTable !== undefined) return `"${badTable}" is not keyspace.table`;
  const badCollection = command.collections.find((c) => !TABLE_NAME.test(c));
  if (badCollection !== undefined) return `"${badCollection}" is not database.collection`;
  const duplicate = [...command.tables, ...command.collections].find((name, i, all) => all.indexOf(name) !== i);
  if (duplicate !== undefined) return `${duplicate} is listed twice`;
  return [{ type: 'MigrationStarted', tables: command.tables, collections: command.collections }];
}

function pauseOrResume(type: 'Pause' | 'Resume', scope: Scope, state: MigrationState): Event[] | string {
  const pausing = type === 'Pause';
  let paused: boolean;
  if (scope.kind === 'all') {
    paused = state.paused;
  } else {
    const target = scope.kind === 'table' ? state.tables[scope.name] : state.collections[scope.name];
    if (target === undefined) return scope.kind === 'table' ? unknownTable(scope.name, state) : `unknown collection ${scope.name}`;
    paused = target.paused;
  }
  if (paused === pausing) return `${describeScope(scope)} is already ${pausing ? 'paused' : 'running'}`;
  return [{ type: pausing ? 'Paused' : 'Resumed', scope }];
}

function unknownTable(table: string, state: MigrationState): string {
  return `unknown table ${table}; the migration has ${Object.keys(state.tables).join(', ') || 'no tables'}`;
}
