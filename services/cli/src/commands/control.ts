import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { CLUSTER_NAMES, READ_MODES, type Config } from '@cutover/config';
import { ControlPlane, controlTopicSpecs, controlTopics } from '@cutover/control-plane';
import { KafkaEventLog, createTopics, type EventLog } from '@cutover/event-log';
import { auditTrail, collectionOrder, collectionProgress, commitGate, tableOrder, tableProgress, type Command, type LastVerification, type Scope, type TableState } from '@cutover/migration-state';
import { cassandraClient, kafkaClient } from '@cutover/stack';
import { pendingHeals } from '@cutover/proxy';
import { syncSchema } from '@cutover/table-migrator';
import { table, type Output } from '../output.js';
import { UsageError } from '../usage.js';
import { parseBound } from './mutation-window.js';

export const CONTROL_USAGE = `cutover control <command> [--migration id] [--issuer name] [--reason text]

  start <keyspace.table>... [--collection database.collection [--into keyspace.table]]...
                                                --into: where that collection goes on target
                                                (default: keyspace database, table collection,
                                                each adjusted to CQL's naming rules)
  set-priority <keyspace.table> <priority>      lower priorities are copied first
  set-priority --collection database.collection <priority>   lower priorities are snapshot first
  remigrate <keyspace.table> [--truncate] [--force]   --force: a counter table too (copying adds differences)
  remigrate --collection database.collection [--truncate]   read it again whole, in a new round
  pause|resume [--table keyspace.table | --collection database.collection]
  set-primary origin|target [--force]           every running proxy reads from it at once
  set-read-mode primary-only|dual-async         likewise
  complete [--force]

  The commit gate: set-primary target and complete are refused while a table of the migration
  is not verified, or differed at its last verification (cutover verify), naming each. --force,
  with a --reason, goes past it; the audit says what was overridden.

cutover state [--at when] [--json]   the migration's state, rebuilt from the control log; with
                           --at (ISO-8601 or ms since the epoch), as it was then
cutover audit [--verify]   who did what, when and why; --verify decides every command again and
                           checks that the recorded verdicts are exactly those (exit 1 if not)`;

/** Who issues a command when not told: the user running the CLI. */
export function defaultIssuer(): string {
  return process.env['USER'] ?? userInfo().username;
}

/** A new migration's id: when it began, to the second (`migration-20261129-101500`). */
export function newMigrationId(now = new Date()): string {
  return `migration-${now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}`;
}

/** The control plane on the configured Kafka, its topics created if they are missing. */
export async function openControlPlane(config: Config): Promise<{ plane: ControlPlane; log: EventLog; close: () => Promise<void> }> {
  const kafka = kafkaClient(config);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopics(admin, controlTopicSpecs(config.kafka.topicPrefix));
  } finally {
    await admin.disconnect();
  }
  const log = new KafkaEventLog(config.kafka);
  return { plane: new ControlPlane(log, controlTopics(config.kafka.topicPrefix)), log, close: () => log.close() };
}

/** Each `--into` names where the `--collection` before it goes. */
function intoOf(tokens: readonly { kind: string; name?: string; value?: string | undefined }[]): Record<string, string> {
  // A Map, so that any collection name (`__proto__` too) is a key like the others.
  const into = new Map<string, string>();
  let collection: string | undefined;
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    if (token.name === 'collection') collection = token.value;
    if (token.name === 'into') {
      if (collection === undefined) throw new UsageError('--into names where the --collection before it goes: put it after one');
      into.set(collection, token.value!);
    }
  }
  return Object.fromEntries(into);
}

function isOneOf<T extends string>(choices: readonly T[], value: string | undefined): value is T {
  return (choices as readonly (string | undefined)[]).includes(value);
}

function parseCommand(verb: string | undefined, args: string[], values: { truncate?: boolean; force?: boolean; table?: string; collection?: string[] }, into: Record<string, string>): Command {
  const [first, second] = args;
  const scope = (): Scope => (values.table !== undefined ? { kind: 'table', name: values.table } : values.collection?.[0] !== undefined ? { kind: 'collection', name: values.collection[0] } : { kind: 'all' });
  const need = (n: number): void => {
    if (args.length !== n) throw new UsageError(`control ${verb} takes ${n} argument(s), got ${args.length}\n\n${CONTROL_USAGE}`);
  };
  switch (verb) {
    case 'start':
      return { type: 'StartMigration', tables: args, collections: values.collection ?? [], ...(Object.keys(into).length === 0 ? {} : { into }) };
    case 'set-priority':
      if (values.collection?.[0] !== undefined) {
        need(1);
        if (!/^-?\d+$/.test(first!)) throw new UsageError(`priority must be a whole number, not "${first}"`);
        return { type: 'SetCollectionPriority', collection: values.collection[0], priority: Number(first) };
      }
      need(2);
      if (!/^-?\d+$/.test(second!)) throw new UsageError(`priority must be a whole number, not "${second}"`);
      return { type: 'SetPriority', table: first!, priority: Number(second) };
    case 'remigrate':
      if (values.collection?.[0] !== undefined) {
        need(0);
        return { type: 'RemigrateCollection', collection: values.collection[0], truncate: values.truncate === true };
      }
      need(1);
      return { type: 'Remigrate', table: first!, truncate: values.truncate === true, force: values.force === true };
    case 'pause':
    case 'resume':
      need(0);
      return { type: verb === 'pause' ? 'Pause' : 'Resume', scope: scope() };
    case 'set-primary':
      need(1);
      if (!isOneOf(CLUSTER_NAMES, first)) throw new UsageError(`set-primary takes ${CLUSTER_NAMES.join(' or ')}, not "${first}"`);
      return { type: 'SetPrimary', cluster: first, ...(values.force === true ? { force: true } : {}) };
    case 'set-read-mode':
      need(1);
      if (!isOneOf(READ_MODES, first)) throw new UsageError(`set-read-mode takes ${READ_MODES.join(' or ')}, not "${first}"`);
      return { type: 'SetReadMode', mode: first };
    case 'complete':
      need(0);
      return { type: 'CompleteMigration', ...(values.force === true ? { force: true } : {}) };
    default:
      throw new UsageError(verb === undefined ? CONTROL_USAGE : `unknown control command "${verb}"\n\n${CONTROL_USAGE}`);
  }
}

/** `cutover control …`: issues a command and prints its verdict; exit 1 when it was rejected. */
export async function controlCommand(argv: string[], config: Config, io: Output): Promise<number> {
  const { values, positionals, tokens } = parseArgs({
    args: argv,
    allowPositionals: true,
    tokens: true,
    options: {
      migration: { type: 'string' },
      issuer: { type: 'string' },
      reason: { type: 'string' },
      truncate: { type: 'boolean' },
      force: { type: 'boolean' },
      table: { type: 'string' },
      collection: { type: 'string', multiple: true },
      into: { type: 'string', multiple: true },
    },
  });
  const [verb, ...args] = positionals;
  let command = parseCommand(verb, args, values, intoOf(tokens));
  if (command.type === 'StartMigration' && command.tables.length > 0) await prepareTarget(config, command.tables, io);
  const { plane, log, close } = await openControlPlane(config);
  try {
    const current = command.type === 'StartMigration' ? undefined : (await plane.history()).state.migrationId;
    // Through the commit gate: what it waits for outside the logs is looked at now, and goes with the command.
    if ((command.type === 'SetPrimary' && command.cluster === 'target') || command.type === 'CompleteMigration') {
      command = { ...command, pendingHeals: await pendingHeals(log, config.kafka.topicPrefix) };
    }
    const migrationId = values.migration ?? current ?? newMigrationId();
    const issuer = values.issuer ?? defaultIssuer();
    const events = await plane.issue(command, { migrationId, issuer, ...(values.reason === undefined ? {} : { reason: values.reason }) });
    let rejected = false;
    for (const { event } of events) {
      if (event.type === 'CommandRejected') {
        rejected = true;
        io.err(`rejected: ${event.rejection}`);
      } else {
        io.out(`accepted: ${event.type} (migration ${migrationId})`);
      }
    }
    return rejected ? 1 : 0;
  } finally {
    await close();
  }
}

/**
 * Before a migration starts, target gets the schema of its tables (what it lacks is created as
 * origin has it): the application writes through the proxy from the start, and a write to a
 * table target does not have would fail. A table target has and cannot take origin's data is
 * refused with every difference named (MigratorError SCHEMA_INCOMPATIBLE), and nothing starts.
 */
export async function prepareTarget(config: Config, tables: readonly string[], io: Pick<Output, 'out'>): Promise<void> {
  const [origin, target] = [cassandraClient(config.origin), cassandraClient(config.target)];
  try {
    const { statements } = await syncSchema(origin, target, tables);
    for (const statement of statements) io.out(`created on target: ${statement}`);
    if (statements.length === 0) io.out(`target already has the schema of ${tables.join(', ')}`);
  } finally {
    await Promise.all([origin.shutdown(), target.shutdown()]);
  }
}

/** `cutover state [--at when] [--json]`: the state rebuilt from the control log, now or as it was then. */
export async function stateCommand(argv: string[], config: Config, io: Output): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, at: { type: 'string' } } });
  const bound = values.at === undefined ? undefined : parseBound('--at', values.at, CONTROL_USAGE);
  if (bound?.kind === 'position') throw new UsageError('--at takes a time (ISO-8601 or ms since the epoch), not a log position');
  const at = bound?.ms;
  const { plane, log, close } = await openControlPlane(config);
  try {
    const { state, unreadable } = await plane.history(at === undefined ? {} : { at });
    // Heals pending are known now only, not as they were then.
    const gate = commitGate(state, at === undefined ? { pendingHeals: await pendingHeals(log, config.kafka.topicPrefix) } : {});
    if (values.json === true) {
      io.out(JSON.stringify({ ...state, order: tableOrder(state), commitGate: gate, unreadable }, null, 2));
      return 0;
    }
    io.out(`migration ${state.migrationId ?? '(none)'}: ${state.status}${state.paused ? ', paused' : ''}; primary ${state.primary}; reads ${state.readMode}`);
    const rows = tableOrder(state).map((name) => {
      const t = state.tables[name]!;
      const p = tableProgress(t);
      const copy = p.phase === 'waiting' ? 'waiting' : `${p.phase}: ${p.chunksLoaded}/${p.chunks} chunks, ${p.rowsLoaded} rows`;
      return [name, String(t.priority), t.paused ? 'paused' : '', t.remigrations > 0 ? `re-migrated ${t.remigrations}×` : '', copy, verifiedText(t)];
    });
    if (rows.length > 0) for (const line of table([['TABLE', 'PRIORITY', '', '', 'COPY', 'VERIFIED'], ...rows])) io.out(line);
    const collections = collectionOrder(state.collections).map((c) => {
      const p = collectionProgress(c);
      const copy = p.phase === 'waiting' ? 'waiting' : `${p.phase}: ${p.rangesRead}/${p.ranges} ranges, ${p.documentsRead}/${p.estimatedDocuments} documents read, ${p.changesRead} changes, ${p.changeLagSeconds.toFixed(1)} s behind${p.badDocuments > 0 ? `, ${p.badDocuments} bad` : ''}${p.failure === undefined ? '' : ` (${p.failure})`}`;
      const verified = c.verified === undefined ? 'no' : c.verified.differences === 0 ? `yes (${c.verified.documents} documents)` : `${c.verified.differences} differing`;
      return [c.name, p.target ?? c.into ?? '', String(c.priority), c.paused ? 'paused' : '', c.round > 0 ? `round ${c.round}` : '', copy, verified];
    });
    if (collections.length > 0) for (const line of table([['COLLECTION', 'TARGET', 'PRIORITY', '', '', 'COPY', 'VERIFIED'], ...collections])) io.out(line);
    if (state.status === 'running') io.out(gate.length === 0 ? 'commit gate: open (set-primary target and complete may go ahead)' : `commit gate: closed, waiting for: ${gate.join('; ')}`);
    if (unreadable > 0) io.out(`${unreadable} unreadable record(s) in the control log (see the dead letters)`);
    return 0;
  } finally {
    await close();
  }
}

/** A table's verifications, for the VERIFIED column: the last full one, what changed since, and one running. */
function verifiedText({ verified, rechecked, verification }: TableState): string {
  const running = verification !== undefined && !verification.recorded ? `; running: ${Object.keys(verification.done).length}/${verification.ranges} ranges` : '';
  if (verified === undefined) return `no${running}`;
  const at = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  const found = ({ differences, complete }: LastVerification): string => (differences === 0 && complete ? '' : `${complete ? '' : 'at least '}${differences} ${differences === 1 ? 'row differs' : 'rows differ'}`);
  const full = found(verified) || `yes, ${verified.rows} rows`;
  const since = rechecked === undefined || rechecked.startedAt < verified.startedAt ? '' : `; changes since ${at(rechecked.since)}: ${found(rechecked) || 'agree'}`;
  return `${full} (${at(verified.startedAt)})${since}${running}`;
}

/** `cutover audit [--verify]`: who did what, when and why, rejections included; or whether the recorded verdicts are the commands'. */
export async function auditCommand(argv: string[], config: Config, io: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { verify: { type: 'boolean' } } });
  if (positionals.length > 0) throw new UsageError(`cutover audit takes no arguments, got "${positionals.join(' ')}"`);
  const { plane, close } = await openControlPlane(config);
  try {
    if (values.verify === true) {
      const { commands, verdicts, problems } = await plane.verifyAudit();
      for (const problem of problems) io.err(problem);
      io.out(problems.length === 0 ? `audit verified: ${commands} command(s) decided again give exactly the ${verdicts} verdict(s) recorded` : `audit NOT verified: ${problems.length} difference(s) between the ${verdicts} verdict(s) recorded and what the ${commands} command(s) decide`);
      return problems.length === 0 ? 0 : 1;
    }
    const { trail } = await plane.history();
    const rows = auditTrail(trail).map((a) => [new Date(a.at).toISOString(), a.issuer, a.event === 'CommandRejected' ? 'rejected' : 'accepted', a.detail, a.reason ?? '']);
    for (const line of table([['WHEN', 'WHO', 'OUTCOME', 'WHAT', 'WHY'], ...rows])) io.out(line);
    return 0;
  } finally {
    await close();
  }
}
