import { createHash } from 'node:crypto';
import type { ClusterName } from '@cutover/config';
import { decodeResponse, renderValue, type Result } from '@cutover/cql-protocol';
import type { Logger } from 'pino';
import type { ProxyMetrics } from './metrics.js';
import { other, type Outcome } from './outcome.js';

export type Rows = Extract<Result, { kind: 'rows' }>;

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

/** The partition key columns of a table, when the proxy knows them. */
export type PartitionKeyOf = (keyspace: string, table: string) => readonly string[] | undefined;

/**
 * Compares what the primary answered a read with what the other cluster answered the same
 * read (READ_MODE=dual-async), counting matches and mismatches and logging the first
 * mismatching rows, so a migration can be judged before switching reads over. A mismatch is
 * logged by its row's partition key (when a prepared statement has shown which columns make
 * it) and the names of the columns that differ: row values never go to the logs.
 */
export class DualReadComparator {
  private loggedMismatches = 0;

  constructor(
    private readonly metrics: ProxyMetrics,
    private readonly logger: Logger,
    private readonly maxLogged = 20,
    private readonly partitionKeyOf: PartitionKeyOf = () => undefined,
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
    this.logger.warn(mismatch(primaryRows, secondaryRows, at, version, primary, this.partitionKeyOf), 'dual read mismatch');
  }
}

/** What the log says of rows that differ at index `at`: where, by which key, in which columns; no other value. */
export function mismatch(primaryRows: Rows, secondaryRows: Rows, at: number, version: number, primary: ClusterName, partitionKeyOf: PartitionKeyOf): Record<string, unknown> {
  const columns = primaryRows.metadata.columns ?? [];
  const first = columns[0];
  const keyNames = first === undefined ? undefined : partitionKeyOf(first.keyspace, first.table);
  const keyAt = keyNames?.map((name) => columns.findIndex((c) => c.name === name));
  const key = (rows: Rows): string | null => {
    const row = rows.rows[at];
    if (row === undefined) return null;
    return keyAt!.map((i) => `${columns[i]!.name}=${renderValue(row[i] ?? null, columns[i]!.type, version)}`).join(', ');
  };
  const knownKey = keyAt !== undefined && keyAt.length > 0 && keyAt.every((i) => i >= 0);
  const mine = primaryRows.rows[at];
  const theirs = secondaryRows.rows[at];
  return {
    table: first ? `${first.keyspace}.${first.table}` : undefined,
    row: at,
    // The row's partition key on each side (null: no row there); unknown until a prepared statement binding it shows its columns.
    key: knownKey ? { [primary]: key(primaryRows), [other(primary)]: key(secondaryRows) } : 'unknown (no prepared statement of the table has shown its partition key columns)',
    columns: mine !== undefined && theirs !== undefined ? columns.filter((_, i) => !sameCell(mine[i], theirs[i])).map((c) => c.name) : undefined,
    rows: { [primary]: primaryRows.rows.length, [other(primary)]: secondaryRows.rows.length },
  };
}

function sameCell(a: Buffer | null | undefined, b: Buffer | null | undefined): boolean {
  return a === b || (a != null && b != null && a.equals(b));
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
