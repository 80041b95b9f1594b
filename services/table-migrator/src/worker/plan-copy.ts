import { quoteQualified } from '@cutover/cql-protocol';
import { PLAN_LEASE_MS, splitQualifiedName, type MigrationState, type TableState } from '@cutover/migration-state';
import { copyPlan } from '../copy/copy-plan.js';
import { DEFAULT_SIZING, planChunks, tableChunks, type ChunkSizing } from '../plan/chunk-plan.js';
import { nextToPlan } from '../plan/plan-order.js';
import { estimateTableBytes } from '../plan/size-estimate.js';
import { unloadItem } from '../plan/work-item.js';
import { syncSchema } from '../schema/sync-schema.js';
import type { CopyContext } from './copy-context.js';
import { workRecord } from './table-worker.js';

/**
 * Plans copy rounds through the log, so that a round has exactly one plan however many
 * processes plan at once:
 * 1. **claim**: for the round due next (`nextToPlan`), target gets the schema it needs, then the
 *    planner records its plan (TablePlanned). Every planner that found the round due does; the
 *    first in the log is the round's plan and names its planner.
 * 2. **queue**: the round's planner truncates target if the re-migration asked (TableTruncated,
 *    once loads of the round before have had time to stop: TRUNCATE_SETTLE_MS), queues the
 *    plan's chunks on the work topic, and records WorkQueued. A planner that has not
 *    done so within PLAN_LEASE_MS of its claim (it died, or hangs) loses the round to the first
 *    other planner that claims it then: the same plan, queued again under the same work ids.
 */
export class Planner {
  /** What this planner did that the state it is given may not show yet: not to be done twice. */
  private readonly done = new Set<string>();

  /** `name`: this planner's, unique to it (the issuer of its facts). */
  constructor(
    private readonly ctx: CopyContext,
    readonly name: string,
    private readonly sizing: ChunkSizing = DEFAULT_SIZING,
  ) {}

  /** Does what is due in `state`: queues the work of rounds this planner holds, takes over lapsed ones, claims the next. Returns the table claimed or refused, if any. */
  async next(state: MigrationState): Promise<string | undefined> {
    const now = Date.now();
    for (const table of Object.values(state.tables)) {
      const copy = table.copy;
      if (copy?.planner === undefined || copy.round !== table.remigrations || copy.refused !== undefined || copy.queued === true) continue;
      const round = roundId(state, table.name);
      if (copy.planner.issuer === this.name) {
        const age = now - copy.planner.at;
        // Loads of the previous round stop before their next write once they see this one, and
        // the writes already sent end within a request timeout: target is truncated after that.
        const settleMs = this.ctx.truncateSettleMs ?? TRUNCATE_SETTLE_MS;
        if (truncating(table) && age < settleMs) {
          if (!this.done.has(`${round}/settling`)) {
            this.done.add(`${round}/settling`);
            this.ctx.logger.info({ table: table.name, round: copy.round, seconds: Math.ceil((settleMs - age) / 1000) }, 'waiting for loads of the previous round to stop before truncating target');
          }
          continue;
        }
        await this.once(`${round}/queued`, () => queueWork(this.ctx, state, table, this.name, age));
      } else if (now - copy.planner.at > PLAN_LEASE_MS) {
        await this.once(`${round}/${copy.planner.at}/takeover`, async () => {
          this.ctx.logger.warn({ table: table.name, round: copy.round, planner: copy.planner!.issuer }, 'the planner of a copy round did not queue its work in time: taking the round over');
          await claim(this.ctx, state, table.name, this.name, { chunks: copy.chunks, estimatedBytes: copy.estimatedBytes, maxBadRows: copy.maxBadRows, maxBadRowsPercent: copy.maxBadRowsPercent, counter: copy.counter });
        });
      }
    }
    const name = nextToPlan(state);
    if (name === undefined || state.migrationId === undefined) return undefined;
    return this.once(`${roundId(state, name)}/claim`, () => this.claimNext(state, name));
  }

  private async claimNext(state: MigrationState, name: string): Promise<string> {
    const { origin } = await syncSchema(this.ctx.origin, this.ctx.target, [name]);
    const [keyspace, table] = splitQualifiedName(name);
    const { remigrations: round, force } = state.tables[name]!;
    const schema = origin.keyspaces.get(keyspace)!;
    const { counter } = copyPlan(schema.tables.get(table)!, new Set(schema.types.keys()));
    if (counter && round > 0 && force !== true) {
      const reason = `${name} is a counter table: copying it again adds differences, inexact if increments land meanwhile; re-migrate it with --force to copy it anyway`;
      await this.ctx.control.record({ type: 'TableRefused', table: name, round, reason }, { migrationId: state.migrationId!, issuer: this.name, eventId: `${roundId(state, name)}/plan` });
      this.ctx.logger.error({ table: name, round }, reason);
      return name;
    }
    const estimatedBytes = await estimateTableBytes(this.ctx.origin, keyspace, table);
    const chunks = planChunks([{ name, estimatedBytes }], this.sizing).length;
    await claim(this.ctx, state, name, this.name, { chunks, estimatedBytes, ...(this.ctx.errorBudget ?? { maxBadRows: 0, maxBadRowsPercent: null }), counter });
    return name;
  }

  /** Runs `action` the first time `step` is asked for; again only if it failed. */
  private async once<T>(step: string, action: () => Promise<T>): Promise<T | undefined> {
    if (this.done.has(step)) return undefined;
    this.done.add(step);
    try {
      return await action();
    } catch (error) {
      this.done.delete(step);
      throw error;
    }
  }
}

type Plan = Pick<Extract<Parameters<CopyContext['control']['record']>[0], { type: 'TablePlanned' }>, 'chunks' | 'estimatedBytes' | 'maxBadRows' | 'maxBadRowsPercent' | 'counter'>;

/** Records `planner`'s claim of the table's current round (each planner's under an id of its own: they are told apart in the log). */
async function claim(ctx: CopyContext, state: MigrationState, name: string, planner: string, plan: Plan): Promise<void> {
  const round = state.tables[name]!.remigrations;
  await ctx.control.record({ type: 'TablePlanned', table: name, round, ...plan }, { migrationId: state.migrationId!, issuer: planner, eventId: `${roundId(state, name)}/plan/${planner}` });
  ctx.logger.info({ table: name, round, chunks: plan.chunks, estimatedBytes: plan.estimatedBytes, counter: plan.counter }, 'copy round claimed');
}

/**
 * The round's planner's part, `age` ms after its claim: truncate target if asked, and only if
 * the work cannot have been queued yet (not once TableTruncated is recorded, nor past a quarter
 * of the lease, when another planner may soon take the round over); then queue the work.
 */
async function queueWork(ctx: CopyContext, state: MigrationState, table: TableState, planner: string, age: number): Promise<void> {
  const copy = table.copy!;
  const by = (step: string) => ({ migrationId: state.migrationId!, issuer: planner, eventId: `${roundId(state, table.name)}/${step}` });
  if (truncating(table)) {
    if (age > PLAN_LEASE_MS / 4) return ctx.logger.warn({ table: table.name, round: copy.round }, 'too late to truncate target for this round: another planner will take it over');
    const [keyspace, name] = splitQualifiedName(table.name);
    await ctx.target.execute(`TRUNCATE ${quoteQualified(keyspace, name)}`);
    await ctx.control.record({ type: 'TableTruncated', table: table.name, round: copy.round }, by('truncated'));
    ctx.logger.warn({ table: table.name, round: copy.round }, 'target table truncated before it is copied again, as the re-migration asked');
  }
  await ctx.log.produce(ctx.workTopic, tableChunks(table.name, copy.chunks).map((chunk) => workRecord(unloadItem(state.migrationId!, chunk, copy.round))));
  await ctx.control.record({ type: 'WorkQueued', table: table.name, round: copy.round, chunks: copy.chunks }, by('queued'));
  ctx.logger.info({ table: table.name, round: copy.round, chunks: copy.chunks }, 'table planned: its chunks are queued');
}

/**
 * How long a round that truncates target waits after its claim: longer than a request to
 * target can take (the clients' read timeout, 12 s) and well within the quarter of the plan
 * lease in which truncating is still allowed.
 */
export const TRUNCATE_SETTLE_MS = 15_000;

/** Whether the table's current round still has target to truncate. */
function truncating(table: TableState): boolean {
  return table.copy!.round > 0 && table.truncate === true && table.copy!.truncated !== true;
}

function roundId(state: MigrationState, name: string): string {
  return `${state.migrationId!}/${name}/r${state.tables[name]!.remigrations}`;
}
