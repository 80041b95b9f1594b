import { parseArgs } from 'node:util';
import type { Config } from '@cutover/config';
import { topicNames, type StoredRecord } from '@cutover/event-log';
import { redactPasswords, type LoggedMutation, type LoggedOutcome, type LoggedValue } from '@cutover/mutation-log';
import type { Output } from '../output.js';
import { UsageError } from '../usage.js';
import { mutationsBetween, parseBound } from './mutation-window.js';

export const LOG_USAGE = `cutover log read [--table keyspace.table] [--from when] [--to when] [--follow] [--json]

  Every mutation the proxies logged (records of any format version), one a line, in log order
  within each partition: when the proxy received it, table, kind, statement (passwords hidden),
  partition key, values, write timestamp (µs) and what origin and target answered.
  --table ks.table   only that table's mutations (a batch: any of its statements)
  --from, --to       both ends included; either a time, by when the proxy received the mutation:
                     ISO-8601 (2026-11-28T14:00:00Z) or ms since the epoch; or a log position
                     <partition>:<offset> (as --json's source shows), which reads that partition only
  --follow           go on with mutations as they are logged, until interrupted (not with --to)
  --json             JSON lines: eventId, receivedAt, table, kind, statement, partitionKey, values
                     (name, type, value rendered), writeTimestamp (a string), origin, target, ...`;

/** `cutover log read …`: exit 1 when a record could not be read (each is named on stderr). */
export async function logCommand(argv: string[], config: Config, io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { table: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, follow: { type: 'boolean' }, json: { type: 'boolean' } },
  });
  if (positionals.length !== 1 || positionals[0] !== 'read') throw new UsageError(positionals.length === 0 ? LOG_USAGE : `unknown log command "${positionals.join(' ')}"\n\n${LOG_USAGE}`);
  const from = values.from === undefined ? undefined : parseBound('--from', values.from, LOG_USAGE);
  const to = values.to === undefined ? undefined : parseBound('--to', values.to, LOG_USAGE);
  const follow = values.follow === true;
  if (follow && to !== undefined) throw new UsageError(`--follow goes on without end: it takes no --to\n\n${LOG_USAGE}`);
  const partitions = [from, to].flatMap((b) => (b?.kind === 'position' ? [b.partition] : []));
  if (new Set(partitions).size > 1) throw new UsageError(`--from and --to name different partitions (${partitions.join(' and ')}); offsets are per partition`);
  const table = values.table;
  if (table !== undefined && !/^[^.]+\.[^.]+$/.test(table)) throw new UsageError(`--table takes keyspace.table, not "${table}"`);

  const topic = topicNames(config.kafka.topicPrefix).mutations;
  const stop = new AbortController();
  const interrupt = (): void => stop.abort();
  if (follow) process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
  let unreadable = 0;
  try {
    const mutations = mutationsBetween(config, { from, to, follow, signal: stop.signal }, (record, error) => {
      unreadable++;
      io.err(`unreadable record ${where(record)}: [${error.code}] ${error.message}`);
    });
    for await (const m of mutations) {
      if (table !== undefined && !touches(m, table)) continue;
      io.out(values.json === true ? JSON.stringify(asJson(m)) : asLine(m));
    }
  } catch (error) {
    io.err(`error: cannot read ${topic}: ${(error as Error).message}`);
    return 1;
  } finally {
    process.off('SIGINT', interrupt).off('SIGTERM', interrupt);
  }
  return unreadable > 0 ? 1 : 0;
}

function where(record: StoredRecord): string {
  return `${record.topic} ${record.partition}:${record.offset}`;
}

function tableOf(keyspace: string | null, table: string | null): string | null {
  return table === null ? null : `${keyspace ?? '?'}.${table}`;
}

/** Names as written unquoted fold to lower case, so `Shop.Orders` finds shop.orders too. */
function touches(m: LoggedMutation, wanted: string): boolean {
  const names = [tableOf(m.keyspace, m.table), ...m.children.map((c) => tableOf(c.keyspace, c.table))];
  return names.some((name) => name === wanted || name === wanted.toLowerCase());
}

function valueJson(v: LoggedValue): { name: string | null; type: string | null; value: string } {
  return { name: v.name, type: v.type, value: v.rendered };
}

function asJson(m: LoggedMutation): Record<string, unknown> {
  return {
    eventId: m.eventId,
    receivedAt: new Date(m.receivedAt).toISOString(),
    table: tableOf(m.keyspace, m.table),
    kind: m.kind,
    statement: redactPasswords(m.statement),
    preparedId: m.preparedId,
    partitionKey: m.partitionKey?.map(valueJson) ?? null,
    values: m.values.map(valueJson),
    children: m.children.map((c) => ({ statement: redactPasswords(c.statement), table: tableOf(c.keyspace, c.table), values: c.values.map(valueJson) })),
    writeTimestamp: m.writeTimestamp?.toString() ?? null,
    consistency: m.consistency,
    serialConsistency: m.serialConsistency,
    nonIdempotent: m.nonIdempotent,
    origin: m.origin,
    target: m.target,
    proxyId: m.proxyId,
    connectionId: m.connectionId,
    clientAddress: m.clientAddress,
    driver: m.driver,
    format: m.format,
    source: m.source,
  };
}

function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function outcome(cluster: string, o: LoggedOutcome): string {
  if (o.ok) return `${cluster} ok`;
  if (o.timedOut) return `${cluster} timed out`;
  const code = o.errorCode === null ? '' : ` 0x${o.errorCode.toString(16).padStart(4, '0')}`;
  return `${cluster} failed${code}${o.errorMessage === null ? '' : ` (${shorten(o.errorMessage, 60)})`}`;
}

function values(list: readonly LoggedValue[]): string {
  return list.map((v) => `${v.name ?? '?'}=${shorten(v.rendered, 40)}`).join(', ');
}

/** One line a person reads: the statement and long values shortened; --json has them whole. */
function asLine(m: LoggedMutation): string {
  const bound = m.children.length > 0 ? m.children.map((c) => values(c.values)).join(' | ') : values(m.values);
  return [
    new Date(m.receivedAt).toISOString(),
    tableOf(m.keyspace, m.table) ?? '-',
    m.kind,
    shorten(redactPasswords(m.statement), 100),
    m.partitionKey === null ? '' : `key (${m.partitionKey.map((v) => shorten(v.rendered, 40)).join(', ')})`,
    bound === '' ? '' : `values ${bound}`,
    m.writeTimestamp === null ? '' : `ts ${m.writeTimestamp}`,
    `${outcome('origin', m.origin)}, ${outcome('target', m.target)}`,
  ]
    .filter((part) => part !== '')
    .join('  ');
}
