import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { MigratorError } from '../errors.js';
import type { ChunkRecord } from './chunk-rows.js';

/** A chunk as staged in S3: gzipped CSV, the header first. */
export interface ChunkFile {
  readonly body: Buffer;
  readonly rows: number;
  /** Of the CSV before compression: what the manifest and the check compare. */
  readonly bytes: number;
  readonly sha256: string;
}

export function writeChunk(header: readonly string[], records: readonly ChunkRecord[]): ChunkFile {
  const csv = Buffer.from(stringify([header, ...records]));
  // Level 1: a chunk is read back once, soon; the CPU matters more than the bytes.
  return { body: gzipSync(csv, { level: 1 }), rows: records.length, bytes: csv.length, sha256: createHash('sha256').update(csv).digest('hex') };
}

/** The records of a staged chunk; BAD_CHUNK if it is not one, or not of this table's shape. */
export function readChunk(header: readonly string[], body: Buffer): ChunkRecord[] {
  let rows: string[][];
  try {
    rows = parse(gunzipSync(body), { relax_column_count: false });
  } catch (error) {
    throw new MigratorError('BAD_CHUNK', `not a chunk file: ${(error as Error).message}`);
  }
  const [first, ...records] = rows;
  if (first?.join(',') !== header.join(',')) throw new MigratorError('BAD_CHUNK', `the chunk's columns (${first?.join(', ') ?? 'none'}) are not the table's (${header.join(', ')})`);
  return records;
}
