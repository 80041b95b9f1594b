import { tableOrder, type MigrationState } from '@cutover/migration-state';
import { DEFAULT_SIZING, planChunks, type ChunkSizing } from '../plan/chunk-plan.js';
import { estimateTableBytes } from '../plan/size-estimate.js';
import { unloadItem } from '../plan/work-item.js';
import { identifier } from '../schema/ddl.js';
import { splitName } from '../schema/schema.js';
import { syncSchema } from '../schema/sync-schema.js';
import type { CopyContext } from './copy-context.js';
import { workRecord } from './table-worker.js';

/**
 * Plans every table whose current copy round is not planned yet, in the state's order
 * (priorities first): target gets the schema it needs, then each table's chunks go on the
 * work topic, and only then its TablePlanned fact, so a planner that dies in between plans
 * that table again (the same work ids) instead of never. Returns the tables planned.
 */
export async function planCopy(ctx: CopyContext, state: MigrationState, sizing: ChunkSizing = DEFAULT_SIZING): Promise<string[]> {
  const migrationId = state.migrationId;
  if (migrationId === undefined || state.status !== 'running') return [];
  const tables = tableOrder(state).filter((name) => state.tables[name]!.copy?.round !== state.tables[name]!.remigrations);
  if (tables.length === 0) return [];
  await syncSchema(ctx.origin, ctx.target, tables);
  for (const name of tables) {
    const { keyspace, name: table } = splitName(name);
    const { remigrations: round, truncate } = state.tables[name]!;
    if (round > 0 && truncate === true) {
      await ctx.target.execute(`TRUNCATE ${identifier(keyspace)}.${identifier(table)}`);
      ctx.logger.warn({ table: name, round }, 'target table truncated before it is copied again, as the re-migration asked');
    }
    const estimatedBytes = await estimateTableBytes(ctx.origin, keyspace, table);
    const chunks = planChunks([{ name, estimatedBytes }], sizing);
    await ctx.log.produce(ctx.workTopic, chunks.map((chunk) => workRecord(unloadItem(migrationId, chunk, round))));
    await ctx.control.record({ type: 'TablePlanned', table: name, round, chunks: chunks.length, estimatedBytes }, { migrationId, issuer: 'planner', eventId: `${migrationId}/${name}/r${round}/plan` });
    ctx.logger.info({ table: name, round, chunks: chunks.length, estimatedBytes }, 'table planned');
  }
  return tables;
}
