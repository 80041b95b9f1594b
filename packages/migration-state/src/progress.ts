import type { TableState } from './state.js';

/** Where a table's copy stands, for progress bars and metrics. */
export interface TableProgress {
  readonly table: string;
  readonly phase: 'waiting' | 'copying' | 'copied';
  readonly chunks: number;
  readonly chunksUnloaded: number;
  readonly chunksLoaded: number;
  readonly rowsUnloaded: number;
  readonly rowsLoaded: number;
  /** Staged CSV bytes so far, against the table's estimated size on origin. */
  readonly bytesUnloaded: number;
  readonly estimatedBytes: number;
}

export function tableProgress(table: TableState): TableProgress {
  // After a re-migration, the last round's copy no longer counts: the table waits to be planned again.
  const copy = table.copy?.round === table.remigrations ? table.copy : undefined;
  const unloaded = Object.values(copy?.unloaded ?? {});
  const loaded = Object.values(copy?.loaded ?? {});
  const chunks = copy?.chunks ?? 0;
  return {
    table: table.name,
    phase: copy === undefined ? 'waiting' : loaded.length === chunks ? 'copied' : 'copying',
    chunks,
    chunksUnloaded: unloaded.length,
    chunksLoaded: loaded.length,
    rowsUnloaded: unloaded.reduce((sum, u) => sum + u.rows, 0),
    rowsLoaded: loaded.reduce((sum, rows) => sum + rows, 0),
    bytesUnloaded: unloaded.reduce((sum, u) => sum + u.bytes, 0),
    estimatedBytes: copy?.estimatedBytes ?? 0,
  };
}
