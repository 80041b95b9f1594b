import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import cassandra from 'cassandra-driver';
import type { Chunk } from '../plan/chunk-plan.js';
import { toRecord, type ChunkRecord } from './chunk-rows.js';
import { writeChunk } from './chunk-file.js';
import type { CopyPlan } from './copy-plan.js';

export interface Staging {
  readonly s3: S3Client;
  readonly bucket: string;
}

/** What unloading a chunk produced: the ChunkUnloaded fact's content. */
export interface UnloadedChunk {
  readonly key: string;
  readonly rows: number;
  readonly bytes: number;
  readonly sha256: string;
  /** When reading the rows began, ms since the epoch. */
  readonly unloadedAt: number;
}

/** Reads a chunk's token range from origin, page by page, and stages it in S3 as `key`. */
export async function unloadChunk(origin: cassandra.Client, staging: Staging, plan: CopyPlan, chunk: Chunk, key: string): Promise<UnloadedChunk> {
  const unloadedAt = Date.now();
  const records: ChunkRecord[] = [];
  const range = [chunk.rangeStart, chunk.rangeEnd].map((t) => cassandra.types.Long.fromString(t.toString()));
  // The driver's result stream is a Readable; its types only say EventEmitter.
  const rows = origin.stream(plan.select, range, { prepare: true, fetchSize: 1000, autoPage: true }) as unknown as AsyncIterable<cassandra.types.Row>;
  // Each row's TTLs are taken as expiries when its page arrived, not when the chunk began.
  for await (const row of rows) records.push(toRecord(plan, row.values(), Date.now() / 1000));
  const file = writeChunk(plan.header, records);
  const metadata = { 'unloaded-at': String(unloadedAt), rows: String(file.rows), sha256: file.sha256 };
  await staging.s3.send(new PutObjectCommand({ Bucket: staging.bucket, Key: key, Body: file.body, ContentType: 'text/csv', ContentEncoding: 'gzip', Metadata: metadata }));
  return { key, rows: file.rows, bytes: file.bytes, sha256: file.sha256, unloadedAt };
}
