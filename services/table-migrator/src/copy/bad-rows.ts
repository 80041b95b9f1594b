import { PutObjectCommand } from '@aws-sdk/client-s3';
import { stringify } from 'csv-stringify/sync';
import type { BadRow } from './load.js';
import type { Staging } from './unload.js';

/** Where a chunk's bad rows are listed: beside the chunk, as plain CSV for people to read. */
export function badRowsKey(chunkKey: string): string {
  return chunkKey.replace(/\.csv\.gz$/, '.bad-rows.csv');
}

/** Writes the bad-rows file of a chunk: the chunk's columns, then why target refused the row. */
export async function writeBadRows(staging: Staging, key: string, header: readonly string[], badRows: readonly BadRow[]): Promise<void> {
  const body = stringify([[...header, 'reason'], ...badRows.map((bad) => [...bad.record, bad.reason])]);
  await staging.s3.send(new PutObjectCommand({ Bucket: staging.bucket, Key: key, Body: body, ContentType: 'text/csv' }));
}
