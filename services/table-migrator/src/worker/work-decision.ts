import { tableProgress, type MigrationState, type TableState } from '@cutover/migration-state';
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
  if (item.kind === 'VERIFY') return verifyDecision(table, item);
  if (item.round === table.remigrations && tableProgress(table).phase === 'failed') return 'drop';
  return state.paused || table.paused ? 'defer' : 'run';
}

/** How often a VERIFY item of a verification this worker has not seen begin yet goes back in the queue. */
export const UNKNOWN_VERIFICATION_TRIES = 20;

/**
 * A range of a shared verification runs while the verification is under way and the range not
 * compared yet; pauses are for the copy, and do not hold it up. A verification not begun in
 * this worker's view may be one whose start it has not read yet: it waits a few turns.
 */
function verifyDecision(table: TableState, item: WorkItem): 'run' | 'defer' | 'drop' {
  const verification = table.verification;
  if (verification === undefined || verification.id !== item.verificationId) return item.attempt < UNKNOWN_VERIFICATION_TRIES ? 'defer' : 'drop';
  return verification.recorded || verification.done[item.chunk] !== undefined ? 'drop' : 'run';
}
