import { createHash } from 'node:crypto';
import type { ClusterName } from '@cutover/config';
import { decodeResponse, renderValue, type Result } from '@cutover/cql-protocol';
import type { Logger } from 'pino';
import type { ProxyMetrics } from './metrics.js';
import { other, type Outcome } from './outcome.js';

type Rows = Extract<Result, { kind: 'rows' }>;

/** A digest per row, so two result sets compare row by row without keeping decoded values. */
export function rowDigests(rows: Rows): string[] {
  return rows.rows.map((row) => {
    const hash = createHash('sha1');
    for (const cell of row) {
      // A length prefix keeps ('ab', 'c') and ('a', 'bc') apart; -1 marks null.
      const length = Buffer.alloc(4);
      length.writeInt32BE(cell === null ? -1 : cell.length);
      hash.update(length);
      if (cell !== null) hash.update(cell);
    }
    return hash.digest('hex');
  });
}

/**
 * Compares what the primary answered a read with what the other cluster answered the same
 * read (READ_MODE=dual-async), counting matches and mismatches and logging the first
 * mismatching rows, so a migration can be judged before switching reads over.
 */
export class DualReadComparator {
  private loggedMismatches = 0;

  constructor(
    private readonly metrics: ProxyMetrics,
    private readonly logger: Logger,
    private readonly maxLogged = 20,
  ) {}

  compare(primaryOutcome: Outcome, secondaryOutcome: Outcome, version: number, primary: ClusterName): void {
    const primaryRows = rowsOf(primaryOutcome);
    const secondaryRows = rowsOf(secondaryOutcome);
    if (primaryRows === undefined || secondaryRows === undefined) {
      this.metrics.dualReads.inc({ result: 'error' });
      return;
    }
    const a = rowDigests(primaryRows);
    const b = rowDigests(secondaryRows);
    const at = firstDifference(a, b);
    if (at === -1) {
      this.metrics.dualReads.inc({ result: 'match' });
      return;
    }
    this.metrics.dualReads.inc({ result: 'mismatch' });
    if (this.loggedMismatches++ >= this.maxLogged) return;
    const columns = primaryRows.metadata.columns ?? [];
    const show = (rows: Rows): string | null => {
      const row = rows.rows[at];
      return row === undefined ? null : columns.map((c, i) => `${c.name}=${renderValue(row[i] ?? null, c.type, version)}`).join(', ');
    };
    this.logger.warn(
      {
        table: columns[0] ? `${columns[0].keyspace}.${columns[0].table}` : undefined,
        row: at,
        [primary]: show(primaryRows),
        [other(primary)]: show(secondaryRows),
        rows: { [primary]: a.length, [other(primary)]: b.length },
      },
      'dual read mismatch',
    );
  }
}

function rowsOf(outcome: Outcome): Rows | undefined {
  if (!outcome.ok) return undefined;
  const { message } = decodeResponse(outcome.frame);
  return message.type === 'RESULT' && message.result.kind === 'rows' ? message.result : undefined;
}

function firstDifference(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
}
