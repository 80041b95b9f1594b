import { parseArgs } from 'node:util';
import type { Config } from '@cutover/config';
import type { LoggedMutation } from '@cutover/mutation-log';
import { applyMutation, notReplayable } from '@cutover/proxy';
import { cassandraClient } from '@cutover/stack';
import { copyPlan, forEachConcurrently, logGaps, planSchema, rangePages, readSchema, renameKeyspace, splitRing, stagedPages, tokenGroups, type CopyPlan, type LogGap } from '@cutover/table-migrator';
import type cassandra from 'cassandra-driver';
import { splitQualifiedName } from '@cutover/migration-state';
import type { Output } from '../output.js';
import { UsageError } from '../usage.js';
import { partitionKeyOf } from './changed-partitions.js';
import { openControlPlane } from './control.js';
import { mutationsBetween, parseBound, type Bound } from './mutation-window.js';
import { keyText, shownKey } from './row-keys.js';

export const REPLAY_USAGE = `cutover replay mutations --into keyspace [--tables ks.t,...] [--from when] [--to when] [--json]

  Replays the logged mutations of the tables (default: the migration's; one keyspace at a time),
  in log order, with their own write timestamps, into a new scratch keyspace on target (their
  tables created there as origin has them), then reads the tables whole on origin: every cell
  origin has from a write in the window (writetimes from --from to --to) must have come back
  from the log, with its value and writetime. A cell that did not is a gap in the log (or a
  write made around the proxy), named with its key. Mutations that cannot be replayed faithfully (counter updates, list appends, lightweight transactions) and those origin
  refused are counted, not applied. --from, --to: a time (ISO-8601, ms since the epoch) or a
  log position <partition>:<offset>; default: the whole log. Exit 0 when the log is complete for
  the window, 1 when a cell is missing.`;

/** What a replay did with the logged mutations it read. */
interface Replayed {
  applied: number;
  /** Not applied, by why. */
  readonly skipped: Map<string, number>;
  /** µs: the write timestamps of the mutations applied, lowest and highest. */
  writetimes: { from: bigint; to: bigint } | undefined;
  /** By table: the partitions written (those the log names: not an unprepared statement's). */
  readonly partitions: Map<string, Map<string, readonly Buffer[]>>;
  unreadable: number;
}

/** `cutover replay mutations …` */
export async function replayCommand(argv: string[], config: Config, io: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { into: { type: 'string' }, tables: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } } });
  if (positionals.length !== 1 || positionals[0] !== 'mutations') throw new UsageError(REPLAY_USAGE);
  const into = values.into;
  if (into === undefined || into === '') throw new UsageError(`replay needs --into, a keyspace for the replayed tables\n\n${REPLAY_USAGE}`);
  const from = values.from === undefined ? undefined : parseBound('--from', values.from, REPLAY_USAGE);
  const to = values.to === undefined ? undefined : parseBound('--to', values.to, REPLAY_USAGE);
  let tables = values.tables?.split(',').filter((t) => t !== '') ?? [];
  if (tables.length === 0) {
    const { plane, close } = await openControlPlane(config);
    try {
      tables = Object.keys((await plane.history()).state.tables);
    } finally {
      await close();
    }
  }
  if (tables.length === 0) throw new UsageError('no tables to replay: name them (--tables ks.t,...), or start a migration with tables');
  const keyspaces = new Set(tables.map((t) => splitQualifiedName(t)[0]));
  if (keyspaces.size > 1) throw new UsageError(`replay the tables of one keyspace at a time (into one scratch keyspace), not of ${[...keyspaces].join(', ')}`);
  const [keyspace] = [...keyspaces] as [string];
  if (into === keyspace) throw new UsageError(`--into must be a new keyspace, not ${keyspace}, the one replayed`);

  const [origin, target] = [cassandraClient(config.origin), cassandraClient(config.target)];
  try {
    if ((await readSchema(target, [into])).keyspaces.has(into)) {
      io.err(`keyspace ${into} exists on target: replay into a new keyspace (drop this one first if it is an earlier replay's)`);
      return 1;
    }
    const source = (await readSchema(origin, [keyspace])).keyspaces.get(keyspace);
    const missing = tables.filter((t) => source?.tables.get(splitQualifiedName(t)[1]) === undefined);
    if (source === undefined || missing.length > 0) {
      io.err(`not on origin: ${missing.join(', ')}`);
      return 1;
    }
    const scratch = renameKeyspace(source, into);
    const { statements } = planSchema({ keyspaces: new Map([[into, scratch]]) }, { keyspaces: new Map() }, tables.map((t) => `${into}.${splitQualifiedName(t)[1]}`));
    for (const statement of statements) await target.execute(statement);

    const replayed = await replay(config, target, { from, to }, new Set(tables), into);
    for (const [why, count] of replayed.skipped) io.err(`${count} mutation(s) not replayed: ${why}`);
    if (replayed.unreadable > 0) io.err(`${replayed.unreadable} record(s) of the mutation log could not be read (cutover log read names them)`);
    const window = {
      from: from?.kind === 'time' ? BigInt(from.ms) * 1000n : (replayed.writetimes?.from ?? 0n),
      to: to?.kind === 'time' ? BigInt(to.ms) * 1000n + 999n : (replayed.writetimes?.to ?? 0n),
    };
    let gaps = 0;
    for (const name of tables) {
      const table = source.tables.get(splitQualifiedName(name)[1])!;
      const plans = { origin: copyPlan(table, new Set(source.types.keys())), scratch: copyPlan(scratch.tables.get(table.name)!, new Set(scratch.types.keys())) };
      const found = await compare(origin, target, plans, window);
      gaps += found.gaps.length;
      const shown = found.gaps.map((g) => ({ key: shownKey(table, g.keyValues), column: g.column, writetime: String(g.writetime) }));
      const partitions = replayed.partitions.get(name)?.size ?? 0;
      if (values.json === true) {
        io.out(JSON.stringify({ table: name, into: `${into}.${table.name}`, applied: replayed.applied, skipped: Object.fromEntries(replayed.skipped), partitions, rowsCompared: found.rows, window: { from: String(window.from), to: String(window.to) }, complete: shown.length === 0, gaps: shown }));
        continue;
      }
      const outcome = shown.length === 0 ? 'every cell origin has from the window came back from the log' : `${shown.length} cell(s) origin has from the window are not in the log`;
      io.out(`${name}: ${partitions} partition(s) written in the window, replayed into ${into}.${table.name}; ${found.rows} rows of origin compared: ${outcome}`);
      for (const g of shown) io.out(`  ${keyText(g.key)}: ${g.column} (writetime ${g.writetime})`);
    }
    return gaps > 0 ? 1 : 0;
  } finally {
    await Promise.all([origin.shutdown(), target.shutdown()]);
  }
}

/** Applies the window's mutations of the tables, in log order, into the scratch keyspace. */
async function replay(config: Config, target: cassandra.Client, window: { from: Bound | undefined; to: Bound | undefined }, tables: ReadonlySet<string>, into: string): Promise<Replayed> {
  const replayed: Replayed = { applied: 0, skipped: new Map(), writetimes: undefined, partitions: new Map(), unreadable: 0 };
  const skip = (why: string): void => void replayed.skipped.set(why, (replayed.skipped.get(why) ?? 0) + 1);
  for await (const m of mutationsBetween(config, window, () => replayed.unreadable++)) {
    const statements = (m.children.length > 0 ? m.children : [m]).filter((s) => tables.has(`${s.keyspace ?? ''}.${s.table ?? ''}`));
    if (statements.length === 0) continue;
    if (!m.origin.ok) {
      skip('origin refused them');
      continue;
    }
    const why = m.kind === 'DDL' ? 'schema changes are not replayed' : notReplayable(m);
    if (why !== undefined) {
      skip(why);
      continue;
    }
    const mutation: LoggedMutation = m.children.length > 0 ? { ...m, children: statements as LoggedMutation['children'] } : m;
    await applyMutation(target, mutation, into);
    replayed.applied++;
    if (m.writeTimestamp !== null) {
      const w = m.writeTimestamp;
      replayed.writetimes = replayed.writetimes === undefined ? { from: w, to: w } : { from: w < replayed.writetimes.from ? w : replayed.writetimes.from, to: w > replayed.writetimes.to ? w : replayed.writetimes.to };
    }
    for (const s of statements) {
      const key = partitionKeyOf(s);
      const table = `${s.keyspace ?? ''}.${s.table ?? ''}`;
      if (key !== undefined) (replayed.partitions.get(table) ?? replayed.partitions.set(table, new Map()).get(table)!).set(key.map((k) => k.toString('hex')).join('.'), key);
    }
  }
  return replayed;
}

/**
 * Reads the whole table on origin and its scratch copy, range by range, side by side in token
 * order, and names what origin has from the window that the replay lacks. Origin is read whole:
 * a gap in the log leaves no trace of the partitions it wrote.
 */
async function compare(origin: cassandra.Client, target: cassandra.Client, plans: { origin: CopyPlan; scratch: CopyPlan }, window: { from: bigint; to: bigint }): Promise<{ rows: number; gaps: LogGap[] }> {
  const gaps: LogGap[] = [];
  let rows = 0;
  await forEachConcurrently(splitRing(32), 4, async (range) => {
    const groups = tokenGroups(stagedPages(plans.origin, rangePages(origin, plans.origin, range)), stagedPages(plans.scratch, rangePages(target, plans.scratch, range)));
    for await (const [there, replayed] of groups) {
      rows += there.length;
      gaps.push(...logGaps(plans.origin, there, replayed, window));
    }
  });
  return { rows, gaps };
}
