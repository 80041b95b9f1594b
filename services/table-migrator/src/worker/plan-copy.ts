import type { MigrationState } from '@cutover/migration-state';
import { copyPlan } from '../copy/copy-plan.js';
import { DEFAULT_SIZING, planChunks, type ChunkSizing } from '../plan/chunk-plan.js';
import { nextToPlan } from '../plan/plan-order.js';
import { estimateTableBytes } from '../plan/size-estimate.js';
import { unloadItem } from '../plan/work-item.js';
import { identifier } from '../schema/ddl.js';
import { splitName } from '../schema/schema.js';
import { syncSchema } from '../schema/sync-schema.js';
import type { CopyContext } from './copy-context.js';
import { workRecord } from './table-worker.js';

/**
 * Plans the next table's copy round, if one is due (`nextToPlan`): target gets the schema it
 * needs, then the table's chunks go on the work topic, and only then its TablePlanned fact, so
 * a planner that dies in between plans that table again (the same work ids) instead of never.
 * A counter table is copied again only when the re-migration forces it: the round is refused
 * otherwise (copying adds differences, which concurrent increments make inexact). Returns the
 * table planned or refused.
 */
export async function planCopy(ctx: CopyContext, state: MigrationState, sizing: ChunkSizing = DEFAULT_SIZING): Promise<string | undefined> {
  const name = nextToPlan(state);
  const migrationId = state.migrationId;
  if (name === undefined || migrationId === undefined) return undefined;
  const { origin } = await syncSchema(ctx.origin, ctx.target, [name]);
  const { keyspace, name: table } = splitName(name);
  const { remigrations: round, truncate, force } = state.tables[name]!;
  const by = { migrationId, issuer: 'planner', eventId: `${migrationId}/${name}/r${round}/plan` };
  const schema = origin.keyspaces.get(keyspace)!;
  const { counter } = copyPlan(schema.tables.get(table)!, new Set(schema.types.keys()));
  if (counter && round > 0 && force !== true) {
    const reason = `${name} is a counter table: copying it again adds differences, inexact if increments land meanwhile; re-migrate it with --force to copy it anyway`;
    await ctx.control.record({ type: 'TableRefused', table: name, round, reason }, by);
    ctx.logger.error({ table: name, round }, reason);
    return name;
  }
  if (round > 0 && truncate === true) {
    await ctx.target.execute(`TRUNCATE ${identifier(keyspace)}.${identifier(table)}`);
    ctx.logger.warn({ table: name, round }, 'target table truncated before it is copied again, as the re-migration asked');
  }
  const estimatedBytes = await estimateTableBytes(ctx.origin, keyspace, table);
  const chunks = planChunks([{ name, estimatedBytes }], sizing);
  await ctx.log.produce(ctx.workTopic, chunks.map((chunk) => workRecord(unloadItem(migrationId, chunk, round))));
  const budget = ctx.errorBudget ?? { maxBadRows: 0, maxBadRowsPercent: null };
  await ctx.control.record({ type: 'TablePlanned', table: name, round, chunks: chunks.length, estimatedBytes, ...budget, counter }, by);
  ctx.logger.info({ table: name, round, chunks: chunks.length, estimatedBytes, counter }, 'table planned');
  return name;
}
