import { createHash } from 'node:crypto';
import cassandra from 'cassandra-driver';
import { recordKey, toRecord, type ChunkRecord } from '../copy/chunk-rows.js';
import type { CopyPlan } from '../copy/copy-plan.js';
import type { TokenRange } from '../plan/token-ring.js';

/** One token range of a table compared on both clusters. */
export interface RangeCheck {
  readonly range: TokenRange;
  readonly rows: { readonly origin: number; readonly target: number };
  /** Same rows, values and writetimes on both sides (TTLs count down, so only whether a cell has one counts). */
  readonly matches: boolean;
}

/**
 * Reads a token range from both clusters and compares row counts and a content hash, leaving
 * out the rows keyed in `skip` (the bad rows of the chunk, which target refused).
 */
export async function checkRange(origin: cassandra.Client, target: cassandra.Client, plan: CopyPlan, range: TokenRange, skip: ReadonlySet<string> = new Set()): Promise<RangeCheck> {
  const [there, here] = await Promise.all([digest(origin, plan, range, skip), digest(target, plan, range, skip)]);
  return { range, rows: { origin: there.rows, target: here.rows }, matches: there.rows === here.rows && there.hash === here.hash };
}

/** Expiries are read a moment apart on each side: only which cells have one compares (a set's or map's: which elements). */
function hasTtl(value: string): boolean | boolean[] {
  return value.startsWith('[') ? (JSON.parse(value) as unknown[]).map((ttl) => ttl !== null) : value !== '';
}

async function digest(client: cassandra.Client, plan: CopyPlan, range: TokenRange, skip: ReadonlySet<string>): Promise<{ rows: number; hash: string }> {
  const hash = createHash('sha256');
  const ttls = new Set(plan.header.flatMap((name, i) => (name.endsWith(':expires') ? [i] : [])));
  let rows = 0;
  const bounds = [range.start, range.end].map((t) => cassandra.types.Long.fromString(t.toString()));
  const stream = client.stream(plan.select, bounds, { prepare: true, fetchSize: 1000, autoPage: true }) as unknown as AsyncIterable<cassandra.types.Row>;
  for await (const row of stream) {
    const record: ChunkRecord = toRecord(plan, row.values(), 0);
    if (skip.size > 0 && skip.has(recordKey(plan, record))) continue;
    hash.update(JSON.stringify(record.map((value, i) => (ttls.has(i) ? hasTtl(value) : value))));
    rows++;
  }
  return { rows, hash: hash.digest('hex') };
}
