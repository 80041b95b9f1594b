import type { TableState } from './state.js';

/** Where a table's copy stands, for progress bars and metrics. */
export interface TableProgress {
  readonly table: string;
  /**
   * waiting: not planned (or re-migrated since); copying: chunks to load; copied: every chunk
   * loaded, checks to come; verified: every chunk's range matched on both clusters after
   * loading; mismatched: checked, and some ranges (`mismatchedChunks`) differ.
   */
  readonly phase: 'waiting' | 'copying' | 'copied' | 'verified' | 'mismatched';
  readonly chunks: number;
  readonly chunksUnloaded: number;
  readonly chunksLoaded: number;
  readonly chunksChecked: number;
  readonly mismatchedChunks: readonly number[];
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
  const checked = Object.entries(copy?.checked ?? {});
  const mismatchedChunks = checked.filter(([, matches]) => !matches).map(([chunk]) => Number(chunk));
  const chunks = copy?.chunks ?? 0;
  const phase = copy === undefined ? 'waiting' : loaded.length < chunks ? 'copying' : checked.length < chunks ? 'copied' : mismatchedChunks.length > 0 ? 'mismatched' : 'verified';
  return {
    table: table.name,
    phase,
    chunks,
    chunksUnloaded: unloaded.length,
    chunksLoaded: loaded.length,
    chunksChecked: checked.length,
    mismatchedChunks,
    rowsUnloaded: unloaded.reduce((sum, u) => sum + u.rows, 0),
    rowsLoaded: loaded.reduce((sum, rows) => sum + rows, 0),
    bytesUnloaded: unloaded.reduce((sum, u) => sum + u.bytes, 0),
    estimatedBytes: copy?.estimatedBytes ?? 0,
  };
}

/** Whether the copy of the table is over, verified or not. */
export function copyFinished(progress: TableProgress): boolean {
  return progress.phase === 'verified' || progress.phase === 'mismatched';
}
