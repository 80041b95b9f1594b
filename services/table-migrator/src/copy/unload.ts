import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Transform } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type cassandra from 'cassandra-driver';
import type { Chunk } from '../plan/chunk-plan.js';
import { CHUNK_CONTENT_TYPE, chunkWriter } from './chunk-file.js';
import type { CopyPlan } from './copy-plan.js';
import { rangePages } from './range-pages.js';
import { hashRow, stagedPages } from './staged-row.js';

export interface Staging {
  readonly s3: S3Client;
  readonly bucket: string;
}

/** What unloading a chunk produced: the ChunkUnloaded fact's content. */
export interface UnloadedChunk {
  readonly key: string;
  readonly rows: number;
  /** Of the staged file. */
  readonly bytes: number;
  /** Of the rows as the check compares them (`hashRow`): equal on target once the chunk is loaded, if nothing wrote since. */
  readonly sha256: string;
  /** When reading the rows began, ms since the epoch. */
  readonly unloadedAt: number;
}

/** Parts of a multipart upload, and how many are held at once: what an unload holds in memory, whatever the chunk's size. */
const UPLOAD_PART_BYTES = 8 * 1024 * 1024;
const UPLOAD_PARTS_HELD = 2;

/**
 * Reads a chunk's token range from origin and streams it to S3 as `key`, page by page: rows
 * are staged as they come (a multipart upload), so memory does not grow with the chunk.
 */
export async function unloadChunk(origin: cassandra.Client, staging: Staging, plan: CopyPlan, chunk: Chunk, key: string): Promise<UnloadedChunk> {
  const unloadedAt = Date.now();
  const hash = createHash('sha256');
  let [rows, bytes] = [0, 0];
  const writer = chunkWriter(plan);
  const counted = new Transform({
    transform(data: Buffer, _encoding, done) {
      bytes += data.length;
      done(null, data);
    },
  });
  writer.pipe(counted);
  const upload = new Upload({ client: staging.s3, params: { Bucket: staging.bucket, Key: key, Body: counted, ContentType: CHUNK_CONTENT_TYPE }, partSize: UPLOAD_PART_BYTES, queueSize: UPLOAD_PARTS_HELD });
  const uploaded = upload.done();
  try {
    // Each row's TTLs are taken as expiries when its page arrived, not when the chunk began.
    for await (const page of stagedPages(plan, rangePages(origin, plan, { start: chunk.rangeStart, end: chunk.rangeEnd }))) {
      for (const row of page) {
        hashRow(hash, row);
        writer.write(row);
      }
      rows += page.length;
      if (writer.writableNeedDrain) await Promise.race([once(writer, 'drain'), uploaded]);
    }
    writer.end();
    await uploaded;
  } catch (error) {
    writer.destroy();
    await upload.abort().catch(() => undefined);
    await uploaded.catch(() => undefined);
    throw error;
  }
  return { key, rows, bytes, sha256: hash.digest('hex'), unloadedAt };
}
