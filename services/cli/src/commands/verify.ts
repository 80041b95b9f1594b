import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import type { Config } from '@cutover/config';
import type { ControlPlane } from '@cutover/control-plane';
import { groupNames } from '@cutover/event-log';
import { MAX_RECORDED_ROWS, splitQualifiedName, type DifferingRow } from '@cutover/migration-state';
import { MigratorError, Pace, TableWorker, copyPlan, readSchema, repairTable, verifyPartitions, verifyTable, type CopyContext, type CopyPlan, type DifferenceKind, type RowDifference, type TableSchema, type TokenRange } from '@cutover/table-migrator';
import type cassandra from 'cassandra-driver';
import cliProgress from 'cli-progress';
import { commandLogger } from '../command-logger.js';
import type { Output } from '../output.js';
import { UsageError } from '../usage.js';
import { changedPartitions, type ChangedPartitions } from './changed-partitions.js';
import { defaultIssuer } from './control.js';
import { openCopy } from './copy-setup.js';
import { parseBound, type Bound } from './mutation-window.js';
import { keyText, shownKey } from './row-keys.js';
import { compareRanges } from './shared-verification.js';
import { verifyCollections } from './verify-collections.js';

export const VERIFY_USAGE = `cutover verify [keyspace.table | database.collection ...] [--changed-since when] [--repair] [--json] [--ranges N] [--restart]

  Compares origin and target now, every row of each table (default: every table of the
  migration): each value's bytes, each cell's writetime and whether it has a TTL. Each row is
  read once on each cluster; a row that differs is looked at again (twice, a second apart) and
  counts only if it differs each time, so writes in flight through the proxy are no false alarm.
  Prints each differing row with its primary key and what differs: missing on target, extra on
  target, values, writetime (the same values written at other times, or with a TTL on one side
  only). Exit 0 when every table agrees, 1 when any differs or cannot be compared.
  A migration's table is verified as the migration's shared work: its token ranges go on the
  work topic, and this process's VERIFY_WORKERS workers, those of other verifiers of the table
  and of cutover migrate tables compare them. Killed, it is resumed by the next cutover verify of
  the table, with the ranges still to compare. Its result is recorded in the migration (cutover
  state; the commit gate), as is that of --changed-since with a time.
  --changed-since when  only the partitions the mutation log says were written since then
              (a time, ISO-8601 or ms since the epoch, or <partition>:<offset>): cheap enough to
              run every few minutes. A table with a logged mutation whose partition the log
              does not name (an unprepared statement) is compared whole.
  --repair    writes origin's version of each differing row to target, with origin's writetimes
              and TTLs, and deletes what target alone has with tombstones at the writetimes it
              had: a write newer than the one compared is never undone. Then compares what
              differed again; the exit code tells how that ended.
  --json      one JSON object per table: table, rowsCompared, rows {origin, target}, scope,
              ranges and rangesMatching (or partitions), matches, complete, differences
              [{key, kind}]; with --repair, repair {rows, writes, failed [{key, reason}],
              differences [{key, kind}] (after)}
  --ranges N  token ranges a whole table is compared in (32)
  --restart   begin a new verification of a migration's table even if one is under way

  VERIFY_RATE (rows a second read from each cluster; 0, the default: no limit) spares clusters
  that also serve the application.

  A collection of the migration, once its snapshot is read: every MongoDB document's Data API
  form (its doc_json) against its row on target, by _id; rows target alone has are extra. A
  difference is looked at again (3 times, a second apart), so changes in flight are no false
  alarm. Its result is recorded in the migration (the commit gate waits for it).`;

/** A comparison of a table, or of some of its partitions. */
interface Comparison {
  readonly rows: { readonly origin: number; readonly target: number };
  readonly differences: readonly RowDifference[];
  /** False when a range differed so much that its comparison stopped looking. */
  readonly complete: boolean;
  /** What was compared, for people: "32 token ranges", "40 partitions written since …". */
  readonly scope: string;
  /** Where rows differ, for people: "3 of 32 token ranges". */
  readonly differing?: string;
  /** What was compared, for --json: `ranges` and `rangesMatching`, or `partitions`. */
  readonly counts: Readonly<Record<string, number>>;
  /** Said of the comparison, for people: ranges that could not be compared, a verification resumed. */
  readonly notes?: readonly string[];
  /** A shared verification's id and when it began (a resumed one began before this process). */
  readonly shared?: { readonly id: string; readonly startedAt: number };
  /** Compares again what differed. */
  again(): Promise<Comparison>;
}

/** A differing row as printed: its primary key rendered column by column, and what differs. */
interface ShownDifference {
  readonly key: Record<string, string>;
  readonly kind: DifferenceKind;
}

/** One table's outcome. */
interface TableOutcome {
  readonly name: string;
  readonly comparison: Comparison;
  readonly differences: readonly ShownDifference[];
  /** Whether every row was compared (not only changed partitions): what the migration records. */
  readonly whole: boolean;
  readonly repair?: {
    readonly rows: number;
    readonly writes: number;
    readonly failed: readonly { readonly key: Record<string, string>; readonly reason: string }[];
    readonly after: Comparison;
    readonly differencesAfter: readonly ShownDifference[];
  };
}

/** `cutover verify …` */
export async function verifyCommand(argv: string[], config: Config, io: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' }, repair: { type: 'boolean' }, restart: { type: 'boolean' }, ranges: { type: 'string' }, 'changed-since': { type: 'string' } } });
  const ranges = values.ranges === undefined ? 32 : Number(values.ranges);
  if (!Number.isSafeInteger(ranges) || ranges < 1 || ranges > 65_536) throw new UsageError(`--ranges takes a whole number from 1 to 65536, not "${values.ranges}"\n\n${VERIFY_USAGE}`);
  for (const name of positionals) if (!/^[^.]+\.[^.]+$/.test(name)) throw new UsageError(`verify takes keyspace.table names, not "${name}"\n\n${VERIFY_USAGE}`);
  const since = values['changed-since'] === undefined ? undefined : parseBound('--changed-since', values['changed-since'], VERIFY_USAGE);
  // Logs on stderr: stdout is the report. Only what a person must see.
  const { logger } = commandLogger(config, 'verify');
  const copy = await openCopy(config, config.kafka.topicPrefix, logger);
  const { ctx } = copy;
  const clusters: Clusters = { origin: ctx.origin, target: ctx.target, rate: config.verify.rate };
  let workers: Promise<SharedWorkers> | undefined;
  const share = (): Promise<SharedWorkers> => (workers ??= startWorkers(ctx, config));
  try {
    const { state } = await ctx.control.history();
    const isCollection = (name: string): boolean => state.status === 'running' && state.collections[name] !== undefined;
    const named = positionals.length > 0 ? positionals : [...Object.keys(state.tables), ...Object.keys(state.collections)];
    const names = named.filter((name) => !isCollection(name));
    const collections = named.filter(isCollection);
    if (names.length + collections.length === 0) {
      io.err('nothing to verify: name tables or collections (cutover verify keyspace.table ...), or start a migration');
      return 1;
    }
    if (collections.length > 0 && (values['changed-since'] !== undefined || values.repair === true)) throw new UsageError(`--changed-since and --repair are for tables: ${collections.join(', ')} ${collections.length === 1 ? 'is a collection' : 'are collections'}`);
    // What changed is read from the log up to its end now: the window such a check covers ends here.
    const startedAt = Date.now();
    const changed = since === undefined ? undefined : await changedPartitions(config, since, new Set(names));
    if ((changed?.unreadable ?? 0) > 0) io.err(`${changed!.unreadable} record(s) of the mutation log could not be read (cutover log read names them): the partitions they wrote are not compared`);
    const schema = await readSchema(ctx.origin, [...new Set(names.map((n) => splitQualifiedName(n)[0]))]);
    let failed = 0;
    for (const name of names) {
      const [keyspace, tableName] = splitQualifiedName(name);
      const table = schema.keyspaces.get(keyspace)?.tables.get(tableName);
      if (table === undefined) {
        io.err(`${name}: no such table on origin`);
        failed++;
        continue;
      }
      const plan = copyPlan(table, new Set(schema.keyspaces.get(keyspace)!.types.keys()));
      const inMigration = state.status === 'running' && state.tables[name] !== undefined;
      let outcome: TableOutcome;
      try {
        const options = { ranges, repair: values.repair === true, restart: values.restart === true, ...(inMigration ? { share } : {}), ...(changed === undefined ? {} : { changed: { since: since!, partitions: changed } }) };
        outcome = await verifyOne(clusters, name, table, plan, options);
      } catch (error) {
        io.err(`${name}: cannot be compared${values.repair === true ? ' or repaired' : ''}: ${(error as Error).message}`);
        failed++;
        continue;
      }
      const final = outcome.repair?.after ?? outcome.comparison;
      if (final.differences.length > 0 || !final.complete || (outcome.repair?.failed.length ?? 0) > 0) failed++;
      if (values.json === true) io.out(JSON.stringify(asJson(outcome)));
      else for (const line of asLines(outcome)) io.out(line);
      if (inMigration) await record(ctx.control, state.migrationId!, { table: name, round: state.tables[name]!.remigrations, startedAt, outcome, ...(since?.kind === 'time' && !outcome.whole ? { since: since.ms } : {}) }, io);
    }
    if (collections.length > 0) failed += await verifyCollections(collections, state, config, ctx.control, values.json === true, io);
    return failed > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof MigratorError) throw error;
    io.err(`error: ${(error as Error).message}`);
    return 1;
  } finally {
    await (await workers?.catch(() => undefined))?.stop();
    await copy.close();
  }
}

/** This process's share of the migration's work, for as long as it verifies: VERIFY_WORKERS workers of the table migrator's group, following the logs. */
interface SharedWorkers {
  readonly ctx: CopyContext & Required<Pick<CopyContext, 'live'>>;
  stop(): Promise<void>;
}

async function startWorkers(ctx: CopyContext, config: Config): Promise<SharedWorkers> {
  const id = `verify-${hostname()}-${process.pid}`;
  const live = await ctx.control.live(id);
  const rate = config.verify.rate;
  // VERIFY_RATE holds for the process: its workers take their turns from the same paces.
  const shared = { ...ctx, live, verifyPaces: { origin: new Pace(rate), target: new Pace(rate) } };
  // Joining together, the workers make the group rebalance once or twice rather than once each.
  const starts = Array.from({ length: config.verify.workers }, (_, i) => TableWorker.start(shared, `${id}-${i + 1}`, groupNames(config.kafka.topicPrefix).tableWorkers));
  const joined = await Promise.allSettled(starts);
  const workers = joined.flatMap((j) => (j.status === 'fulfilled' ? [j.value] : []));
  const failed = joined.find((j): j is PromiseRejectedResult => j.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(workers.map((w) => w.stop()));
    await live.close();
    throw failed.reason;
  }
  return {
    ctx: shared,
    async stop() {
      await Promise.all(workers.map((w) => w.stop()));
      await live.close();
    },
  };
}

/**
 * Records a table's verification in the migration (RecordVerification), where `cutover state`,
 * the audit and the commit gate see it; a verification of a round since re-migrated is refused.
 */
async function record(plane: ControlPlane, migrationId: string, verification: { table: string; round: number; startedAt: number; since?: number; outcome: TableOutcome }, io: Output): Promise<void> {
  const { table, round, outcome, since } = verification;
  const { comparison, repair } = outcome;
  // A shared verification began when its first verifier began it: what changed since then is what a later check must cover.
  const startedAt = comparison.shared?.startedAt ?? verification.startedAt;
  // After a repair, what still differs: what had differed was compared again.
  const final = repair?.after ?? comparison;
  const command = {
    type: 'RecordVerification',
    table,
    round,
    startedAt,
    rows: comparison.rows.origin,
    targetRows: comparison.rows.target,
    differences: final.differences.length,
    repairedRows: repair?.rows ?? 0,
    complete: comparison.complete && final.complete,
    ...(outcome.whole ? {} : { scope: 'changed' as const, ...(since === undefined ? {} : { since }) }),
    ...(comparison.shared === undefined ? {} : { verificationId: comparison.shared.id }),
    differingRows: differingRows(outcome),
  } as const;
  const [verdict] = await plane.issue(command, { migrationId, issuer: defaultIssuer(), reason: 'cutover verify' });
  if (verdict?.event.type !== 'CommandRejected') return;
  // Verifiers sharing a verification each record its result: the first one counts.
  if (verdict.event.rejection.endsWith('its result was recorded already')) io.err(`${table}: its result was recorded by another verifier of the same verification`);
  else io.err(`${table}: not recorded in the migration: ${verdict.event.rejection}`);
}

/** The rows a verification found differing, as recorded: the first MAX_RECORDED_ROWS, each marked repaired once it agreed after its repair. */
function differingRows({ differences, repair }: TableOutcome): DifferingRow[] {
  const still = new Set([...(repair?.differencesAfter ?? []), ...(repair?.failed ?? [])].map((d) => keyText(d.key)));
  return differences.slice(0, MAX_RECORDED_ROWS).map((d) => ({ key: keyText(d.key), kind: d.kind, repaired: repair !== undefined && !still.has(keyText(d.key)) }));
}

interface Clusters {
  readonly origin: cassandra.Client;
  readonly target: cassandra.Client;
  /** Rows a second read from each at most (VERIFY_RATE); 0: no limit. */
  readonly rate: number;
}

interface VerifyOneOptions {
  readonly ranges: number;
  readonly repair: boolean;
  readonly restart: boolean;
  /** Of a migration's table: compared as the migration's shared work. */
  readonly share?: () => Promise<SharedWorkers>;
  readonly changed?: { readonly since: Bound; readonly partitions: ChangedPartitions };
}

async function verifyOne(clusters: Clusters, name: string, table: TableSchema, plan: CopyPlan, options: VerifyOneOptions): Promise<TableOutcome> {
  const { changed } = options;
  const unlocated = changed?.partitions.unlocated.get(name) ?? 0;
  const whole = changed === undefined || unlocated > 0;
  const why = unlocated > 0 ? `${unlocated} mutation(s) since ${sinceText(changed!.since)} do not name their partition` : undefined;
  const comparison = whole
    ? options.share === undefined
      ? await wholeTable(clusters, name, plan, options.ranges, why)
      : await sharedTable(clusters, await options.share(), name, plan, { ranges: options.ranges, restart: options.restart, why })
    : await partitions(clusters, plan, changed.partitions.partitions.get(name) ?? [], `written since ${sinceText(changed.since)}`);
  const shown = (c: Comparison): ShownDifference[] => c.differences.map((d) => ({ key: shownKey(table, d.keyValues), kind: d.kind }));
  if (!options.repair || comparison.differences.length === 0) return { name, comparison, differences: shown(comparison), whole };
  if (plan.counter) throw new Error('a counter table is not repaired: an increment has no writetime that makes writing it again safe');
  const repair = await repairTable(clusters.target, plan, comparison.differences);
  const after = await comparison.again();
  const failed = repair.failed.map((f) => ({ key: shownKey(table, f.difference.keyValues), reason: f.reason }));
  return { name, comparison, differences: shown(comparison), whole, repair: { rows: repair.rows, writes: repair.writes, failed, after, differencesAfter: shown(after) } };
}

/** Every row of the table, in token ranges; compared again: the ranges that differed. */
async function wholeTable(clusters: Clusters, name: string, plan: CopyPlan, ranges: number | readonly TokenRange[], why?: string): Promise<Comparison> {
  const count = typeof ranges === 'number' ? ranges : ranges.length;
  const v = await withBar(name, count, (onRange) => verifyTable(clusters.origin, clusters.target, plan, { ranges, onRange, rate: clusters.rate }));
  return {
    rows: v.rows,
    differences: v.differences,
    complete: v.complete,
    scope: `${v.ranges} token ranges${why === undefined ? '' : `, the whole table: ${why}`}`,
    differing: `${v.ranges - v.rangesMatching} of ${v.ranges} token ranges`,
    counts: { ranges: v.ranges, rangesMatching: v.rangesMatching },
    again: () => wholeTable(clusters, `${name} (again)`, plan, v.differingRanges),
  };
}

/**
 * Every row of a migration's table, as a shared verification (`compareRanges`): the ranges found
 * differing are looked at once more here, so that what is reported (and repaired) is what
 * differs at the end, with the rows' keys and versions. Compared again: the ranges that differed.
 */
async function sharedTable(clusters: Clusters, workers: SharedWorkers, name: string, plan: CopyPlan, options: { ranges: number; restart: boolean; why: string | undefined }): Promise<Comparison> {
  const run = await withBar(name, options.ranges, (onRange) => compareRanges(workers.ctx, name, { ranges: options.ranges, restart: options.restart, issuer: defaultIssuer(), onRange }));
  const { verification: v } = run;
  const results = Object.entries(v.done).map(([range, result]) => ({ range: Number(range), tokens: run.ranges[Number(range)]!, ...result }));
  const failures = results.filter((r) => r.failure !== null);
  const differing = results.filter((r) => r.failure === null && (r.differences > 0 || !r.complete)).map((r) => r.tokens);
  const confirmed = differing.length === 0 ? undefined : await verifyTable(clusters.origin, clusters.target, plan, { ranges: differing, rate: clusters.rate });
  const resumed = run.resumed ? [`resumed the verification begun ${new Date(v.startedAt).toISOString()} by ${v.issuer}`] : [];
  const sum = (of: (r: (typeof results)[number]) => number): number => results.reduce((total, r) => total + of(r), 0);
  return {
    rows: { origin: sum((r) => r.rows), target: sum((r) => r.targetRows) },
    differences: confirmed?.differences ?? [],
    complete: failures.length === 0 && (confirmed?.complete ?? true),
    scope: `${v.ranges} token ranges${options.why === undefined ? '' : `, the whole table: ${options.why}`}`,
    differing: `${differing.length + failures.length} of ${v.ranges} token ranges`,
    counts: { ranges: v.ranges, rangesMatching: v.ranges - differing.length - failures.length },
    notes: [...resumed, ...failures.map((f) => `token range ${f.range} could not be compared: ${f.failure ?? ''}`)],
    shared: { id: v.id, startedAt: v.startedAt },
    again: () => wholeTable(clusters, `${name} (again)`, plan, differing),
  };
}

/** The partitions named; compared again: those of the rows that differed. */
async function partitions(clusters: Clusters, plan: CopyPlan, keys: readonly (readonly Buffer[])[], written: string): Promise<Comparison> {
  const v = await verifyPartitions(clusters.origin, clusters.target, plan, keys, { rate: clusters.rate });
  const scope = `${v.partitions.toLocaleString('en')} partition${v.partitions === 1 ? '' : 's'} ${written}`;
  return { rows: v.rows, differences: v.differences, complete: true, scope, counts: { partitions: v.partitions }, again: () => partitions(clusters, plan, v.differingPartitions, written) };
}

function sinceText(since: Bound): string {
  return since.kind === 'time' ? new Date(since.ms).toISOString() : `log position ${since.partition}:${since.offset}`;
}

/** Runs `work` with a progress bar of its ranges on a terminal's stderr. */
async function withBar<T>(label: string, total: number, work: (onRange: (done: number, total: number) => void) => Promise<T>): Promise<T> {
  const bar = new cliProgress.SingleBar({ format: '{table} [{bar}] {value}/{total} ranges | ETA {eta_formatted}', stream: process.stderr, noTTYOutput: false, hideCursor: true }, cliProgress.Presets.shades_classic);
  bar.start(total, 0, { table: label });
  try {
    return await work((done, ranges) => {
      // A resumed verification keeps the ranges it was begun with.
      if (ranges !== bar.getTotal()) bar.setTotal(ranges);
      bar.update(done);
    });
  } finally {
    bar.stop();
  }
}

function asJson({ name, comparison: c, differences, repair }: TableOutcome): Record<string, unknown> {
  const json: Record<string, unknown> = { table: name, rowsCompared: c.rows.origin, rows: c.rows, scope: c.scope, ...c.counts, matches: differences.length === 0 && c.complete, complete: c.complete, differences, ...(c.notes === undefined ? {} : { notes: c.notes }), ...(c.shared === undefined ? {} : { verificationId: c.shared.id }) };
  if (repair !== undefined) json['repair'] = { rows: repair.rows, writes: repair.writes, failed: repair.failed, differences: repair.differencesAfter, complete: repair.after.complete };
  return json;
}

const KIND_TEXT: Record<DifferenceKind, string> = { 'missing-on-target': 'missing on target', 'extra-on-target': 'extra on target', values: 'values differ', writetime: 'writetimes differ' };

function differenceLines(differences: readonly ShownDifference[]): string[] {
  const width = Math.max(...differences.map((d) => KIND_TEXT[d.kind].length));
  return differences.map((d) => `  ${KIND_TEXT[d.kind].padEnd(width)}  ${keyText(d.key)}`);
}

function asLines({ name, comparison: c, differences, repair }: TableOutcome): string[] {
  const compared = `${c.rows.origin.toLocaleString('en')} rows on origin, ${c.rows.target.toLocaleString('en')} on target`;
  const notes = (c.notes ?? []).map((note) => `  ${note}`);
  if (differences.length === 0 && c.complete) return [`${name}: origin and target agree (${compared}; ${c.scope})`, ...notes];
  if (differences.length === 0) return [`${name}: cannot tell whether origin and target agree (${compared}; ${c.scope})`, ...notes];
  const count = (n: number, complete: boolean): string => `${complete ? '' : 'at least '}${n.toLocaleString('en')} row${n === 1 ? '' : 's'}`;
  const differ = (n: number): string => (n === 1 ? 'differs' : 'differ');
  const lines = [`${name}: ${count(differences.length, c.complete)} ${differ(differences.length)} (${compared}; ${c.differing === undefined ? c.scope : `${c.differing} differ`})`, ...notes, ...differenceLines(differences)];
  if (!c.complete) lines.push('  (a range had more than 10,000 differing rows: its comparison stopped there; copy the table again, or compare it in more ranges)');
  if (repair === undefined) return lines;
  lines.push(`${name}: wrote origin's version of ${count(repair.rows, true)} to target (${repair.writes.toLocaleString('en')} writes)`);
  for (const f of repair.failed) lines.push(`  target refused the repair of ${keyText(f.key)}: ${f.reason}`);
  const after = repair.differencesAfter;
  if (after.length === 0) lines.push(`${name}: compared again, origin and target agree`);
  else lines.push(`${name}: compared again, ${count(after.length, repair.after.complete)} still ${differ(after.length)} (target has a newer write, or it changed since)`, ...differenceLines(after));
  return lines;
}
