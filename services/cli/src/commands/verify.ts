import { parseArgs } from 'node:util';
import type { Config } from '@cutover/config';
import type { ControlPlane } from '@cutover/control-plane';
import { renderValue } from '@cutover/cql-protocol';
import { parseTypeText } from '@cutover/mutation-log';
import { cassandraClient } from '@cutover/stack';
import { MigratorError, copyPlan, readSchema, repairTable, splitName, verifyTable, type CopyPlan, type DifferenceKind, type RowDifference, type TableSchema, type TableVerification } from '@cutover/table-migrator';
import type cassandra from 'cassandra-driver';
import cliProgress from 'cli-progress';
import type { Output } from '../output.js';
import { UsageError } from '../usage.js';
import { defaultIssuer, openControlPlane } from './control.js';

export const VERIFY_USAGE = `cutover verify [keyspace.table ...] [--repair] [--json] [--ranges N]

  Compares origin and target now, every row of each table (default: every table of the
  migration): each value's bytes, each cell's writetime and whether it has a TTL. Each row is
  read once on each cluster; a row that differs is looked at again (twice, a second apart) and
  counts only if it differs each time, so writes in flight through the proxy are no false alarm.
  Prints each differing row with its primary key and what differs: missing on target, extra on
  target, values, writetime (the same values written at other times, or with a TTL on one side
  only). Exit 0 when every table agrees, 1 when any differs or cannot be compared.
  --repair    writes origin's version of each differing row to target, with origin's writetimes
              and TTLs, and deletes what target alone has with tombstones at the writetimes it
              had: a write newer than the one compared is never undone. Then compares the
              ranges that differed again; the exit code tells how that ended.
  --json      one JSON object per table: table, rowsCompared, rows {origin, target}, ranges,
              rangesMatching, matches, complete, differences [{key, kind}]; with --repair,
              repair {rows, writes, failed [{key, reason}], differences [{key, kind}] (after)}
  --ranges N  token ranges each table is compared in, 4 at a time (32)`;

/** A differing row as printed: its primary key rendered column by column, and what differs. */
interface ShownDifference {
  readonly key: Record<string, string>;
  readonly kind: DifferenceKind;
}

/** One table's outcome, as printed. */
interface TableOutcome {
  readonly name: string;
  readonly verification: TableVerification;
  readonly differences: readonly ShownDifference[];
  readonly repair?: {
    readonly rows: number;
    readonly writes: number;
    readonly failed: readonly { readonly key: Record<string, string>; readonly reason: string }[];
    /** The ranges that differed, compared again after the repair. */
    readonly after: TableVerification;
    readonly differencesAfter: readonly ShownDifference[];
  };
}

/** `cutover verify …` */
export async function verifyCommand(argv: string[], config: Config, io: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' }, repair: { type: 'boolean' }, ranges: { type: 'string' } } });
  const ranges = values.ranges === undefined ? 32 : Number(values.ranges);
  if (!Number.isSafeInteger(ranges) || ranges < 1 || ranges > 65_536) throw new UsageError(`--ranges takes a whole number from 1 to 65536, not "${values.ranges}"\n\n${VERIFY_USAGE}`);
  for (const name of positionals) if (!/^[^.]+\.[^.]+$/.test(name)) throw new UsageError(`verify takes keyspace.table names, not "${name}"\n\n${VERIFY_USAGE}`);
  const { plane, close } = await openControlPlane(config);
  const [origin, target] = [cassandraClient(config.origin), cassandraClient(config.target)];
  try {
    const { state } = await plane.history();
    const names = positionals.length > 0 ? positionals : Object.keys(state.tables);
    if (names.length === 0) {
      io.err('no tables to verify: name them (cutover verify keyspace.table ...), or start a migration with tables');
      return 1;
    }
    const schema = await readSchema(origin, [...new Set(names.map((n) => splitName(n).keyspace))]);
    let failed = 0;
    for (const name of names) {
      const { keyspace, name: tableName } = splitName(name);
      const table = schema.keyspaces.get(keyspace)?.tables.get(tableName);
      if (table === undefined) {
        io.err(`${name}: no such table on origin`);
        failed++;
        continue;
      }
      const plan = copyPlan(table, new Set(schema.keyspaces.get(keyspace)!.types.keys()));
      const startedAt = Date.now();
      let outcome: TableOutcome;
      try {
        outcome = await verifyOne(origin, target, name, table, plan, { ranges, repair: values.repair === true });
      } catch (error) {
        io.err(`${name}: cannot be compared${values.repair === true ? ' or repaired' : ''}: ${(error as Error).message}`);
        failed++;
        continue;
      }
      const final = outcome.repair?.after ?? outcome.verification;
      if (final.differences.length > 0 || !final.complete || (outcome.repair?.failed.length ?? 0) > 0) failed++;
      if (values.json === true) io.out(JSON.stringify(asJson(outcome)));
      else for (const line of asLines(outcome)) io.out(line);
      const round = state.tables[name]?.remigrations;
      if (round !== undefined && state.migrationId !== undefined) await record(plane, state.migrationId, { table: name, round, startedAt, outcome }, io);
    }
    return failed > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof MigratorError) throw error;
    io.err(`error: ${(error as Error).message}`);
    return 1;
  } finally {
    await Promise.all([origin.shutdown(), target.shutdown(), close()]);
  }
}

/**
 * Records a table's verification in the migration (RecordVerification), where `cutover state`,
 * the audit and the commit gate see it; a verification of a round since re-migrated is refused.
 */
async function record(plane: ControlPlane, migrationId: string, verification: { table: string; round: number; startedAt: number; outcome: TableOutcome }, io: Output): Promise<void> {
  const { table, round, startedAt, outcome } = verification;
  const final = outcome.repair?.after;
  const { verification: v } = outcome;
  const command = {
    type: 'RecordVerification',
    table,
    round,
    startedAt,
    rows: v.rows.origin,
    targetRows: v.rows.target,
    // After a repair, what still differs: the repair compared the ranges that had differed again.
    differences: final === undefined ? v.differences.length : final.differences.length,
    repairedRows: outcome.repair?.rows ?? 0,
    complete: v.complete && (final?.complete ?? true),
  } as const;
  const [verdict] = await plane.issue(command, { migrationId, issuer: defaultIssuer(), reason: 'cutover verify' });
  if (verdict?.event.type === 'CommandRejected') io.err(`${table}: not recorded in the migration: ${verdict.event.rejection}`);
}

async function verifyOne(origin: cassandra.Client, target: cassandra.Client, name: string, table: TableSchema, plan: CopyPlan, options: { ranges: number; repair: boolean }): Promise<TableOutcome> {
  const verification = await withBar(name, options.ranges, (onRange) => verifyTable(origin, target, plan, { ranges: options.ranges, onRange }));
  const shown = (v: TableVerification): ShownDifference[] => v.differences.map((d) => shownDifference(table, d));
  if (!options.repair || verification.differences.length === 0) return { name, verification, differences: shown(verification) };
  if (plan.counter) throw new Error('a counter table is not repaired: an increment has no writetime that makes writing it again safe');
  const repair = await repairTable(target, plan, verification.differences);
  const again = verification.differingRanges;
  const after = await withBar(`${name} (again)`, again.length, (onRange) => verifyTable(origin, target, plan, { ranges: again, onRange }));
  const failed = repair.failed.map((f) => ({ key: shownKey(table, f.difference.keyValues), reason: f.reason }));
  return { name, verification, differences: shown(verification), repair: { rows: repair.rows, writes: repair.writes, failed, after, differencesAfter: shown(after) } };
}

/** Runs `work` with a progress bar of its ranges on a terminal's stderr. */
async function withBar<T>(label: string, total: number, work: (onRange: (done: number) => void) => Promise<T>): Promise<T> {
  const bar = new cliProgress.SingleBar({ format: '{table} [{bar}] {value}/{total} ranges | ETA {eta_formatted}', stream: process.stderr, noTTYOutput: false, hideCursor: true }, cliProgress.Presets.shades_classic);
  bar.start(total, 0, { table: label });
  try {
    return await work((done) => bar.update(done));
  } finally {
    bar.stop();
  }
}

/** Each primary key column by name, its value rendered as CQL writes it (a static row's clustering columns left out). */
function shownKey(table: TableSchema, keyValues: RowDifference['keyValues']): Record<string, string> {
  const keyColumns = table.columns.filter((c) => c.kind === 'partition_key' || c.kind === 'clustering');
  const key: Record<string, string> = {};
  keyColumns.forEach((column, i) => {
    const bytes = keyValues[i] ?? null;
    if (bytes === null) return;
    const type = parseTypeText(column.type);
    key[column.name] = type === undefined ? `0x${bytes.toString('hex')}` : renderValue(bytes, type, 4);
  });
  return key;
}

function shownDifference(table: TableSchema, difference: RowDifference): ShownDifference {
  return { key: shownKey(table, difference.keyValues), kind: difference.kind };
}

function asJson({ name, verification: v, differences, repair }: TableOutcome): Record<string, unknown> {
  const json: Record<string, unknown> = { table: name, rowsCompared: v.rows.origin, rows: v.rows, ranges: v.ranges, rangesMatching: v.rangesMatching, matches: differences.length === 0 && v.complete, complete: v.complete, differences };
  if (repair !== undefined) json['repair'] = { rows: repair.rows, writes: repair.writes, failed: repair.failed, differences: repair.differencesAfter, complete: repair.after.complete };
  return json;
}

const KIND_TEXT: Record<DifferenceKind, string> = { 'missing-on-target': 'missing on target', 'extra-on-target': 'extra on target', values: 'values differ', writetime: 'writetimes differ' };

function differenceLines(differences: readonly ShownDifference[]): string[] {
  const width = Math.max(...differences.map((d) => KIND_TEXT[d.kind].length));
  return differences.map((d) => `  ${KIND_TEXT[d.kind].padEnd(width)}  ${keyText(d.key)}`);
}

function keyText(key: Record<string, string>): string {
  return Object.entries(key)
    .map(([column, value]) => `${column}=${value}`)
    .join(', ');
}

function asLines({ name, verification: v, differences, repair }: TableOutcome): string[] {
  const compared = `${v.rows.origin.toLocaleString('en')} rows on origin, ${v.rows.target.toLocaleString('en')} on target`;
  if (differences.length === 0) return [`${name}: origin and target agree (${compared})`];
  const count = (n: number, complete: boolean): string => `${complete ? '' : 'at least '}${n.toLocaleString('en')} row${n === 1 ? '' : 's'}`;
  const differ = (n: number): string => (n === 1 ? 'differs' : 'differ');
  const lines = [`${name}: ${count(differences.length, v.complete)} ${differ(differences.length)} (${compared}; ${v.ranges - v.rangesMatching} of ${v.ranges} token ranges differ)`, ...differenceLines(differences)];
  if (!v.complete) lines.push('  (a range had more than 10,000 differing rows: its comparison stopped there; copy the table again, or compare it in more ranges)');
  if (repair === undefined) return lines;
  lines.push(`${name}: wrote origin's version of ${count(repair.rows, true)} to target (${repair.writes.toLocaleString('en')} writes)`);
  for (const f of repair.failed) lines.push(`  target refused the repair of ${keyText(f.key)}: ${f.reason}`);
  const after = repair.differencesAfter;
  if (after.length === 0) lines.push(`${name}: compared again, origin and target agree`);
  else lines.push(`${name}: compared again, ${count(after.length, repair.after.complete)} still ${differ(after.length)} (target has a newer write, or it changed since)`, ...differenceLines(after));
  return lines;
}
