import { PutObjectCommand } from '@aws-sdk/client-s3';
import { stringify } from 'csv-stringify/sync';
import { chunkColumns, type CopyPlan } from './copy-plan.js';
import type { BadRow } from './load.js';
import type { Staging } from './unload.js';

/** Where a chunk's bad rows are listed: beside the chunk, as plain CSV for people to read. */
export function badRowsKey(chunkKey: string): string {
  return chunkKey.replace(/\.avro$/, '.bad-rows.csv');
}

/**
 * Writes the bad-rows file of a chunk: each row's values as CQL blob literals of their native
 * bytes (`SELECT blobAsText(0x…)` and alike read them), then why target refused the row.
 */
export async function writeBadRows(staging: Staging, key: string, plan: CopyPlan, badRows: readonly BadRow[]): Promise<void> {
  const hex = (bytes: Buffer | null | undefined): string => (bytes === null || bytes === undefined ? '' : `0x${bytes.toString('hex')}`);
  const lines = badRows.map((bad) => [...bad.row.key.map(hex), ...bad.row.cells.map((cell) => hex(cell?.value)), bad.reason]);
  const body = stringify([[...chunkColumns(plan), 'reason'], ...lines]);
  await staging.s3.send(new PutObjectCommand({ Bucket: staging.bucket, Key: key, Body: body, ContentType: 'text/csv' }));
}
