import { CLUSTER_NAMES, READ_MODES, type ClusterName, type ReadMode } from '@cutover/config';
import { QUALIFIED_NAME, type Command } from '@cutover/migration-state';
import { ConsoleError } from './console-error.js';

/** `keyspace.table` or `database.collection`: two names, one dot. */
const QUALIFIED = QUALIFIED_NAME.source;

/** The commands the console issues, named as the CLI names them (`cutover control <command>`). */
export const COMMANDS = ['start', 'pause', 'resume', 'set-priority', 'remigrate', 'set-primary', 'set-read-mode', 'complete'] as const;
export type CommandName = (typeof COMMANDS)[number];

/** What POST /api/v1/commands takes: the command's name and its arguments, as the CLI's. */
export interface CommandRequest {
  readonly command: CommandName;
  readonly tables?: readonly string[];
  readonly collections?: readonly string[];
  readonly into?: Readonly<Record<string, string>>;
  readonly table?: string;
  readonly collection?: string;
  readonly priority?: number;
  readonly truncate?: boolean;
  readonly force?: boolean;
  readonly cluster?: ClusterName;
  readonly mode?: ReadMode;
  readonly reason?: string;
}

/** The JSON schema of a `CommandRequest`: what fastify validates a request's body against. */
export const COMMAND_REQUEST_SCHEMA = {
  type: 'object',
  required: ['command'],
  additionalProperties: false,
  properties: {
    command: { type: 'string', enum: COMMANDS, description: 'As `cutover control <command>` names it.' },
    tables: { type: 'array', items: { type: 'string', pattern: QUALIFIED }, maxItems: 1000, description: 'start: the tables (keyspace.table) to copy.' },
    collections: { type: 'array', items: { type: 'string', pattern: QUALIFIED }, maxItems: 1000, description: 'start: the collections (database.collection) to copy.' },
    into: { type: 'object', additionalProperties: { type: 'string', pattern: QUALIFIED }, description: 'start: where a collection goes on target (keyspace.table), by collection.' },
    table: { type: 'string', pattern: QUALIFIED, description: 'pause, resume, set-priority, remigrate: the table.' },
    collection: { type: 'string', pattern: QUALIFIED, description: 'pause, resume, set-priority, remigrate: the collection.' },
    priority: { type: 'integer', minimum: -1_000_000, maximum: 1_000_000, description: 'set-priority: lower goes first.' },
    truncate: { type: 'boolean', description: 'remigrate: empty the table on target first.' },
    force: { type: 'boolean', description: 'remigrate a counter table; set-primary target or complete past the commit gate (with a reason).' },
    cluster: { type: 'string', enum: CLUSTER_NAMES, description: 'set-primary: the cluster every proxy reads from.' },
    mode: { type: 'string', enum: READ_MODES, description: 'set-read-mode.' },
    reason: { type: 'string', minLength: 1, maxLength: 2000, description: 'Why: recorded in the audit. Required for truncate, force, set-primary and complete.' },
  },
} as const;

/** Fields each command takes besides `command` and `reason`. */
const TAKES: Readonly<Record<CommandName, readonly (keyof CommandRequest)[]>> = {
  start: ['tables', 'collections', 'into'],
  pause: ['table', 'collection'],
  resume: ['table', 'collection'],
  'set-priority': ['table', 'collection', 'priority'],
  remigrate: ['table', 'collection', 'truncate', 'force'],
  'set-primary': ['cluster', 'force'],
  'set-read-mode': ['mode'],
  complete: ['force'],
};

/**
 * The control command a request asks for, or a ConsoleError (BAD_REQUEST) naming the field
 * and why. What the state allows is not looked at here: the control plane decides that.
 */
export function commandOf(request: CommandRequest): Command {
  const bad = (field: string, why: string): never => {
    throw new ConsoleError('BAD_REQUEST', `body/${field} ${why}`);
  };
  for (const field of Object.keys(request) as (keyof CommandRequest)[]) {
    if (field !== 'command' && field !== 'reason' && !TAKES[request.command].includes(field)) bad(field, `is not an argument of ${request.command}`);
  }
  if (request.table !== undefined && request.collection !== undefined) bad('collection', 'cannot go with table: name one');
  const destructive = request.truncate === true || request.force === true || request.command === 'complete' || request.command === 'set-primary';
  if (destructive && (request.reason ?? '').trim() === '') bad('reason', `is required for ${request.command}${request.truncate === true ? ' with truncate' : request.force === true ? ' with force' : ''}: the audit records why`);
  const required = <K extends keyof CommandRequest>(field: K): NonNullable<CommandRequest[K]> => request[field] ?? bad(field, `is required for ${request.command}`);
  const force = request.force === true ? { force: true } : {};
  switch (request.command) {
    case 'start': {
      const collections = request.collections ?? [];
      for (const collection of Object.keys(request.into ?? {})) if (!collections.includes(collection)) bad(`into/${collection}`, 'names a collection not in collections');
      if ((request.tables ?? []).length + collections.length === 0) bad('tables', 'and collections are both empty: name something to migrate');
      return { type: 'StartMigration', tables: request.tables ?? [], collections, ...(request.into === undefined ? {} : { into: request.into }) };
    }
    case 'pause':
    case 'resume': {
      const scope = request.table !== undefined ? { kind: 'table' as const, name: request.table } : request.collection !== undefined ? { kind: 'collection' as const, name: request.collection } : { kind: 'all' as const };
      return { type: request.command === 'pause' ? 'Pause' : 'Resume', scope };
    }
    case 'set-priority':
      if (request.collection !== undefined) return { type: 'SetCollectionPriority', collection: request.collection, priority: required('priority') };
      return { type: 'SetPriority', table: required('table'), priority: required('priority') };
    case 'remigrate':
      if (request.collection !== undefined) {
        if (request.force !== undefined) bad('force', 'is for tables (counters), not collections');
        return { type: 'RemigrateCollection', collection: request.collection, truncate: request.truncate === true };
      }
      return { type: 'Remigrate', table: required('table'), truncate: request.truncate === true, force: request.force === true };
    case 'set-primary':
      return { type: 'SetPrimary', cluster: required('cluster'), ...force };
    case 'set-read-mode':
      return { type: 'SetReadMode', mode: required('mode') };
    case 'complete':
      return { type: 'CompleteMigration', ...force };
  }
}
