import { tableOrder, tableProgress, type MigrationState } from '@cutover/migration-state';

/**
 * The table whose current copy round is to be planned next, if any. Tables are planned one at
 * a time in the state's order (priorities first), the next once every planned table's chunks
 * are all unloaded (their loads keep the workers busy meanwhile): so a priority change
 * re-orders every table not planned yet. A paused table is neither planned nor waited for.
 */
export function nextToPlan(state: MigrationState): string | undefined {
  if (state.migrationId === undefined || state.status !== 'running') return undefined;
  const tables = tableOrder(state).map((name) => state.tables[name]!).filter((table) => !table.paused);
  const unloading = tables.some((table) => {
    const progress = tableProgress(table);
    return progress.phase === 'copying' && progress.chunksUnloaded < progress.chunks;
  });
  return unloading ? undefined : tables.find((table) => table.copy?.round !== table.remigrations)?.name;
}
