import { parseArgs } from 'node:util';
import type { Config } from '@cutover/config';
import { renderValue } from '@cutover/cql-protocol';
import { parseTypeText } from '@cutover/mutation-log';
import { cassandraClient } from '@cutover/stack';
import { MigratorError, copyPlan, readSchema, splitName, verifyTable, type DifferenceKind, type RowDifference, type TableSchema, type TableVerification } from '@cutover/table-migrator';
import cliProgress from 'cli-progress';
import type { Output } from '../output.js';
import { UsageError } from '../usage.js';
import { openControlPlane } from './control.js';

export const VERIFY_USAGE = `cutover verify [keyspace.table ...] [--json] [--ranges N]

  Compares origin and target now, every row of each table (default: every table of the
  migration): each value's bytes, each cell's writetime and whether it has a TTL. Each row is
  read once on each cluster; a row that differs is looked at again (twice, a second apart) and
  counts only if it differs each time, so writes in flight through the proxy are no false alarm.
  Prints each differing row with its primary key and what differs: missing on target, extra on
  target, values, writetime (the same values written at other times, or with a TTL on one side
  only). Exit 0 when every table agrees, 1 when any differs or cannot be compared.
  --json      one JSON object per table: table, rowsCompared, rows {origin, target}, ranges,
              rangesMatching, matches, complete, differences [{key, kind}]
  --ranges N  token ranges each table is compared in, 4 at a time (32)`;

/** A differing row as printed: its primary key rendered column by column, and what differs. */
interface ShownDifference {
  readonly key: Record<string, string>;
  readonly kind: DifferenceKind;
}

/** `cutover verify …` */
export async function verifyCommand(argv: string[], config: Config, io: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' }, ranges: { type: 'string' } } });
  const ranges = values.ranges === undefined ? 32 : Number(values.ranges);
  if (!Number.isSafeInteger(ranges) || ranges < 1 || ranges > 65_536) throw new UsageError(`--ranges takes a whole number from 1 to 65536, not "${values.ranges}"\n\n${VERIFY_USAGE}`);
  for (const name of positionals) if (!/^[^.]+\.[^.]+$/.test(name)) throw new UsageError(`verify takes keyspace.table names, not "${name}"\n\n${VERIFY_USAGE}`);
  const names = positionals.length > 0 ? positionals : await migrationTables(config);
  if (names.length === 0) {
    io.err('no tables to verify: name them (cutover verify keyspace.table ...), or start a migration with tables');
    return 1;
  }
  const origin = cassandraClient(config.origin);
  const target = cassandraClient(config.target);
  const bar = new cliProgress.SingleBar({ format: '{table} [{bar}] {value}/{total} ranges | ETA {eta_formatted}', stream: process.stderr, noTTYOutput: false, hideCursor: true }, cliProgress.Presets.shades_classic);
  let failed = 0;
  try {
    const schema = await readSchema(origin, [...new Set(names.map((n) => splitName(n).keyspace))]);
    for (const name of names) {
      const { keyspace, name: tableName } = splitName(name);
      const table = schema.keyspaces.get(keyspace)?.tables.get(tableName);
      if (table === undefined) {
        io.err(`${name}: no such table on origin`);
        failed++;
        continue;
      }
      let verification: TableVerification;
      try {
        bar.start(ranges, 0, { table: name });
        verification = await verifyTable(origin, target, copyPlan(table, new Set(schema.keyspaces.get(keyspace)!.types.keys())), { ranges, onRange: (done) => bar.update(done) });
      } catch (error) {
        io.err(`${name}: cannot be compared: ${(error as Error).message}`);
        failed++;
        continue;
      } finally {
        bar.stop();
      }
      const shown = verification.differences.map((d) => shownDifference(table, d));
      if (shown.length > 0 || !verification.complete) failed++;
      if (values.json === true) io.out(JSON.stringify(asJson(name, verification, shown)));
      else for (const line of asLines(name, verification, shown)) io.out(line);
    }
  } catch (error) {
    if (error instanceof MigratorError) throw error;
    io.err(`error: ${(error as Error).message}`);
    return 1;
  } finally {
    await Promise.all([origin.shutdown(), target.shutdown()]);
  }
  return failed > 0 ? 1 : 0;
}

/** The tables of the migration the control log holds. */
async function migrationTables(config: Config): Promise<string[]> {
  const { plane, close } = await openControlPlane(config);
  try {
    return Object.keys((await plane.history()).state.tables);
  } finally {
    await close();
  }
}

/** Each primary key column by name, its value rendered as CQL writes it (a static row's clustering columns left out). */
function shownDifference(table: TableSchema, difference: RowDifference): ShownDifference {
  const keyColumns = table.columns.filter((c) => c.kind === 'partition_key' || c.kind === 'clustering');
  const key: Record<string, string> = {};
  keyColumns.forEach((column, i) => {
    const bytes = difference.keyValues[i] ?? null;
    if (bytes === null) return;
    const type = parseTypeText(column.type);
    key[column.name] = type === undefined ? `0x${bytes.toString('hex')}` : renderValue(bytes, type, 4);
  });
  return { key, kind: difference.kind };
}

function asJson(name: string, v: TableVerification, differences: readonly ShownDifference[]): Record<string, unknown> {
  return { table: name, rowsCompared: v.rows.origin, rows: v.rows, ranges: v.ranges, rangesMatching: v.rangesMatching, matches: differences.length === 0 && v.complete, complete: v.complete, differences };
}

const KIND_TEXT: Record<DifferenceKind, string> = { 'missing-on-target': 'missing on target', 'extra-on-target': 'extra on target', values: 'values differ', writetime: 'writetimes differ' };

function asLines(name: string, v: TableVerification, differences: readonly ShownDifference[]): string[] {
  const compared = `${v.rows.origin.toLocaleString('en')} rows on origin, ${v.rows.target.toLocaleString('en')} on target`;
  if (differences.length === 0) return [`${name}: origin and target agree (${compared})`];
  const count = `${v.complete ? '' : 'at least '}${differences.length.toLocaleString('en')}`;
  const lines = [`${name}: ${count} rows differ (${compared}; ${v.ranges - v.rangesMatching} of ${v.ranges} token ranges differ)`];
  const width = Math.max(...differences.map((d) => KIND_TEXT[d.kind].length));
  for (const d of differences) lines.push(`  ${KIND_TEXT[d.kind].padEnd(width)}  ${Object.entries(d.key).map(([column, value]) => `${column}=${value}`).join(', ')}`);
  if (!v.complete) lines.push(`  (a range had more than 10,000 differing rows: its comparison stopped there; copy the table again, or compare it in more ranges)`);
  return lines;
}
