import type { TableCopy, TableState } from './state.js';

/** Where a table's copy stands, for progress bars and metrics. */
export interface TableProgress {
  readonly table: string;
  /**
   * waiting: not planned (or re-migrated since); copying: chunks to load; copied: every chunk
   * loaded, checks to come; verified: every chunk's range matched on both clusters after
   * loading (bad rows within the budget aside); mismatched: checked, and some ranges
   * (`mismatchedChunks`) differ; failed: more bad rows than the round's budget (`failure` says
   * how many), its remaining chunks are not copied until it is re-migrated.
   */
  readonly phase: 'waiting' | 'copying' | 'copied' | 'verified' | 'mismatched' | 'failed';
  readonly chunks: number;
  readonly chunksUnloaded: number;
  readonly chunksLoaded: number;
  readonly chunksChecked: number;
  readonly mismatchedChunks: readonly number[];
  readonly rowsUnloaded: number;
  readonly rowsLoaded: number;
  /**
   * The table's rows, extrapolated from the chunks unloaded so far (chunks are equal token
   * ranges, and Murmur3 spreads rows evenly over them); 0 before the first is unloaded.
   */
  readonly estimatedRows: number;
  /** Staged CSV bytes so far, against the table's estimated size on origin. */
  readonly bytesUnloaded: number;
  readonly estimatedBytes: number;
  /** Rows target refused, and the S3 keys of the files that list them with the reason. */
  readonly badRows: number;
  readonly badRowsFiles: readonly string[];
  /** Why the table failed, when it did. */
  readonly failure?: string;
}

export function tableProgress(table: TableState): TableProgress {
  // After a re-migration, the last round's copy no longer counts: the table waits to be planned again.
  const copy = table.copy?.round === table.remigrations ? table.copy : undefined;
  const unloaded = Object.values(copy?.unloaded ?? {});
  const loaded = Object.values(copy?.loaded ?? {});
  const rowsUnloaded = unloaded.reduce((sum, u) => sum + u.rows, 0);
  const rowsLoaded = loaded.reduce((sum, l) => sum + l.rows, 0);
  const badRows = loaded.reduce((sum, l) => sum + l.badRows, 0);
  const failure = copy === undefined ? undefined : (copy.refused ?? overBudget(copy, badRows, rowsLoaded));
  const checked = Object.entries(copy?.checked ?? {});
  const mismatchedChunks = checked.filter(([, matches]) => !matches).map(([chunk]) => Number(chunk));
  const chunks = copy?.chunks ?? 0;
  const phase =
    copy === undefined ? 'waiting' : failure !== undefined ? 'failed' : loaded.length < chunks ? 'copying' : checked.length < chunks ? 'copied' : mismatchedChunks.length > 0 ? 'mismatched' : 'verified';
  return {
    table: table.name,
    phase,
    chunks,
    chunksUnloaded: unloaded.length,
    chunksLoaded: loaded.length,
    chunksChecked: checked.length,
    mismatchedChunks,
    rowsUnloaded,
    rowsLoaded,
    estimatedRows: unloaded.length === 0 ? 0 : Math.round((rowsUnloaded / unloaded.length) * chunks),
    bytesUnloaded: unloaded.reduce((sum, u) => sum + u.bytes, 0),
    estimatedBytes: copy?.estimatedBytes ?? 0,
    badRows,
    badRowsFiles: loaded.flatMap((l) => (l.badRowsKey === null ? [] : [l.badRowsKey])),
    ...(failure === undefined ? {} : { failure }),
  };
}

/**
 * Why the round is over its error budget, if it is: more bad rows than its count, or than its
 * percentage of the rows loaded so far (as DSBulk's maxErrors counts them).
 */
function overBudget(copy: TableCopy, badRows: number, rowsLoaded: number): string | undefined {
  if (copy.maxBadRows !== null && badRows > copy.maxBadRows) return `${badRows} bad rows, over the budget of ${copy.maxBadRows}`;
  const percent = (100 * badRows) / Math.max(1, badRows + rowsLoaded);
  if (copy.maxBadRowsPercent !== null && percent > copy.maxBadRowsPercent) {
    return `${badRows} bad rows of ${badRows + rowsLoaded} (${percent.toFixed(2)}%), over the budget of ${copy.maxBadRowsPercent}%`;
  }
  return undefined;
}

/** Whether the copy of the table is over, verified or not. */
export function copyFinished(progress: TableProgress): boolean {
  return progress.phase === 'verified' || progress.phase === 'mismatched' || progress.phase === 'failed';
}
