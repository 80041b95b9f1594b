import cassandra from 'cassandra-driver';
import type { Pace } from '../check/pace.js';
import type { TokenRange } from '../plan/token-ring.js';
import type { CopyPlan } from './copy-plan.js';

/** A row as `CopyPlan.select` reads it with the driver's `rawValues` option: each selected value's bytes, in order; null for none. */
export type RawRow = readonly (Buffer | null)[];

/** Rows a page of a range's read holds, unless told otherwise: what a reader holds in memory, twice (the next page is read meanwhile). */
const PAGE_ROWS = 1000;

/**
 * A token range's rows as `plan.select` reads them, each value as its native bytes (as
 * `stagedRow` takes them), page by page, the next page read while the rows of this one are
 * used. (The driver's own result stream shifts rows off an array that grows while its reader
 * is slower than the cluster: quadratic in the rows it holds.)
 */
export function rangePages(client: cassandra.Client, plan: CopyPlan, range: TokenRange, options: PageOptions = {}): AsyncGenerator<RawRow[]> {
  const bounds = [range.start, range.end].map((t) => cassandra.types.Long.fromString(t.toString()));
  return queryPages(client, plan.select, bounds, options);
}

/** A partition's rows as `plan.partitionSelect` reads them (its key's values as their bytes), page by page as `rangePages`. */
export function partitionPages(client: cassandra.Client, plan: CopyPlan, partitionKey: readonly Buffer[], options: PageOptions = {}): AsyncGenerator<RawRow[]> {
  return queryPages(client, plan.partitionSelect, partitionKey, options);
}

export interface PageOptions {
  /** Rows a page holds (1,000). */
  readonly pageRows?: number | undefined;
  /** Each page's rows are taken from it before the next page is asked for: a rate of rows read. */
  readonly pace?: Pace | undefined;
}

async function* queryPages(client: cassandra.Client, query: string, params: readonly unknown[], { pageRows = PAGE_ROWS, pace }: PageOptions): AsyncGenerator<RawRow[]> {
  // rawValues (our patch of the driver, patches/): each row an array of its values as the bytes the protocol carries, not decoded.
  const options = (pageState?: string): cassandra.QueryOptions => ({ prepare: true, fetchSize: pageRows, rawValues: true, ...(pageState === undefined ? {} : { pageState }) }) as cassandra.QueryOptions;
  const read = (pageState?: string): Promise<cassandra.types.ResultSet> => client.execute(query, params, options(pageState));
  let next: Promise<cassandra.types.ResultSet> | undefined = read();
  try {
    while (next !== undefined) {
      const page: cassandra.types.ResultSet = await next;
      await pace?.take(page.rows.length);
      next = typeof page.pageState === 'string' ? read(page.pageState) : undefined;
      yield page.rows as unknown as RawRow[];
    }
  } finally {
    // Left before the end: the page read ahead is not wanted, nor is its failure.
    next?.catch(() => undefined);
  }
}
