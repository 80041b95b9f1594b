import type { Chunk } from './chunk-plan.js';

/** A WorkItem (schemas/work-item.v1.avsc) as avsc reads and writes it. */
export interface WorkItem {
  readonly workId: string;
  readonly migrationId: string;
  readonly kind: 'UNLOAD' | 'LOAD';
  readonly keyspace: string;
  readonly table: string;
  /** The table's copy round (re-migrations so far). */
  readonly round: number;
  readonly chunk: number;
  /** Tokens as decimal strings: Avro has no 64-bit-safe number for JavaScript. */
  readonly rangeStart: string;
  readonly rangeEnd: string;
  readonly s3Key: string | null;
  readonly attempt: number;
}

/**
 * The work item that unloads a chunk. Its id names the chunk and the table's copy round (a
 * re-migration starts a new one), so an item handed out twice is recognised as the same work.
 */
export function unloadItem(migrationId: string, chunk: Chunk, round = 0): WorkItem {
  const table = `${chunk.keyspace}.${chunk.table}`;
  return {
    workId: `${migrationId}/${table}/r${round}/${chunk.chunk}/unload`,
    migrationId,
    kind: 'UNLOAD',
    keyspace: chunk.keyspace,
    table: chunk.table,
    round,
    chunk: chunk.chunk,
    rangeStart: chunk.rangeStart.toString(),
    rangeEnd: chunk.rangeEnd.toString(),
    s3Key: null,
    attempt: 1,
  };
}

/** Where a chunk of a round is staged in S3. */
export function chunkKey(item: Pick<WorkItem, 'migrationId' | 'keyspace' | 'table' | 'round' | 'chunk'>): string {
  return `${item.migrationId}/${item.keyspace}.${item.table}/r${item.round}/chunk-${String(item.chunk).padStart(5, '0')}.avro`;
}

/** The work item that loads a chunk `unload` staged. */
export function loadItem(unload: WorkItem): WorkItem {
  return { ...unload, workId: unload.workId.replace(/\/unload$/, '/load'), kind: 'LOAD', s3Key: chunkKey(unload), attempt: 1 };
}
