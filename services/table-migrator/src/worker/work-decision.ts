import { tableProgress, type MigrationState } from '@cutover/migration-state';
import type { WorkItem } from '../plan/work-item.js';

/**
 * What a worker does with a work item, given the migration's state: `run` it; `defer` it (put
 * it back at the end of the queue) while its table, or everything, is paused, so that other
 * tables go on; `drop` it when a re-migration has started a newer round of its table, its
 * table's round failed (over its error budget), or its table is no longer part of the migration.
 */
export function workDecision(state: MigrationState, item: WorkItem): 'run' | 'defer' | 'drop' {
  const table = state.tables[`${item.keyspace}.${item.table}`];
  if (table === undefined || state.migrationId !== item.migrationId || item.round < table.remigrations) return 'drop';
  if (item.round === table.remigrations && tableProgress(table).phase === 'failed') return 'drop';
  return state.paused || table.paused ? 'defer' : 'run';
}
