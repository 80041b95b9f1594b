import type { MigrationState } from '@cutover/migration-state';
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
 * Returns the table planned.
 */
export async function planCopy(ctx: CopyContext, state: MigrationState, sizing: ChunkSizing = DEFAULT_SIZING): Promise<string | undefined> {
  const name = nextToPlan(state);
  const migrationId = state.migrationId;
  if (name === undefined || migrationId === undefined) return undefined;
  await syncSchema(ctx.origin, ctx.target, [name]);
  const { keyspace, name: table } = splitName(name);
  const { remigrations: round, truncate } = state.tables[name]!;
  if (round > 0 && truncate === true) {
    await ctx.target.execute(`TRUNCATE ${identifier(keyspace)}.${identifier(table)}`);
    ctx.logger.warn({ table: name, round }, 'target table truncated before it is copied again, as the re-migration asked');
  }
  const estimatedBytes = await estimateTableBytes(ctx.origin, keyspace, table);
  const chunks = planChunks([{ name, estimatedBytes }], sizing);
  await ctx.log.produce(ctx.workTopic, chunks.map((chunk) => workRecord(unloadItem(migrationId, chunk, round))));
  const budget = ctx.errorBudget ?? { maxBadRows: 0, maxBadRowsPercent: null };
  await ctx.control.record({ type: 'TablePlanned', table: name, round, chunks: chunks.length, estimatedBytes, ...budget }, { migrationId, issuer: 'planner', eventId: `${migrationId}/${name}/r${round}/plan` });
  ctx.logger.info({ table: name, round, chunks: chunks.length, estimatedBytes }, 'table planned');
  return name;
}
