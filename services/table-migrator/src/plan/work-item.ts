import { splitQualifiedName } from '@cutover/migration-state';
import type { Chunk } from './chunk-plan.js';
import type { TokenRange } from './token-ring.js';

/** A WorkItem (schemas/work-item.v1.avsc) as avsc reads and writes it. */
export interface WorkItem {
  readonly workId: string;
  readonly migrationId: string;
  readonly kind: 'UNLOAD' | 'LOAD' | 'VERIFY';
  readonly keyspace: string;
  readonly table: string;
  /** The table's copy round (re-migrations so far). */
  readonly round: number;
  readonly chunk: number;
  /** Tokens as decimal strings: Avro has no 64-bit-safe number for JavaScript. */
  readonly rangeStart: string;
  readonly rangeEnd: string;
  readonly s3Key: string | null;
  /** Of a VERIFY item: the shared verification it is a range of (`chunk` is the range's number). Absent in WorkItem v2 records. */
  readonly verificationId?: string | null;
  /** How often it was handed out: a VERIFY item whose verification a worker does not know yet waits a few times. */
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
    verificationId: null,
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

/** What a VERIFY item names: the verification, its table and copy round, and one of its token ranges. */
export interface RangeToVerify {
  readonly migrationId: string;
  readonly table: string;
  readonly round: number;
  readonly verificationId: string;
  readonly range: number;
  readonly tokens: TokenRange;
}

/** The work item that compares one token range of a shared verification on both clusters. */
export function verifyItem(work: RangeToVerify): WorkItem {
  const [keyspace, table] = splitQualifiedName(work.table);
  return {
    workId: `${work.migrationId}/${work.table}/r${work.round}/verify-${work.verificationId}/${work.range}`,
    migrationId: work.migrationId,
    kind: 'VERIFY',
    keyspace,
    table,
    round: work.round,
    chunk: work.range,
    rangeStart: work.tokens.start.toString(),
    rangeEnd: work.tokens.end.toString(),
    s3Key: null,
    verificationId: work.verificationId,
    attempt: 1,
  };
}
