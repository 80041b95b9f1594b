import { splitQualifiedName } from '@cutover/migration-state';
import { splitRing } from './token-ring.js';

export interface ChunkSizing {
  /** About how many bytes of the table one chunk should hold (TABLE_CHUNK_BYTES). */
  readonly chunkBytes: number;
  /** However small the table, at least this many chunks, so several workers share even a small one. */
  readonly minChunks: number;
  /** However large, at most this many: each chunk is a work item, a file and a manifest line. */
  readonly maxChunks: number;
}

export const DEFAULT_SIZING: ChunkSizing = { chunkBytes: 64 * 1024 * 1024, minChunks: 16, maxChunks: 4096 };

/** How many chunks a table of about `estimatedBytes` is split into. */
export function chunkCount(estimatedBytes: number, sizing: ChunkSizing = DEFAULT_SIZING): number {
  const wanted = Math.ceil(Math.max(0, estimatedBytes) / sizing.chunkBytes);
  return Math.min(sizing.maxChunks, Math.max(sizing.minChunks, wanted));
}

/** One chunk of a table: a token range and its number in the table's plan. */
export interface Chunk {
  readonly keyspace: string;
  readonly table: string;
  readonly chunk: number;
  readonly rangeStart: bigint;
  readonly rangeEnd: bigint;
}

/**
 * The chunks of every table, tables in the order given (the migration state's: priorities,
 * then as listed) and each table's chunks in token order. Sizes are estimates, so chunks are
 * equal token ranges, not equal byte counts: Murmur3 spreads keys evenly over the ring.
 */
export function planChunks(tables: readonly { readonly name: string; readonly estimatedBytes: number }[], sizing: ChunkSizing = DEFAULT_SIZING): Chunk[] {
  return tables.flatMap(({ name, estimatedBytes }) => tableChunks(name, chunkCount(estimatedBytes, sizing)));
}

/** The chunks of a table planned in `count` chunks: the same ranges whoever asks. */
export function tableChunks(name: string, count: number): Chunk[] {
  const [keyspace, table] = splitQualifiedName(name);
  return splitRing(count).map((range, chunk) => ({ keyspace, table, chunk, rangeStart: range.start, rangeEnd: range.end }));
}
