import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { DeleteBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { loadConfig } from '@cutover/config';
import { s3Client } from '@cutover/stack';
import { ensureBucket } from '../src/commands/copy-setup.ts';

it('several migrators started at once each find the staging bucket there, whoever created it', async () => {
  const config = loadConfig();
  const bucket = `together-${randomBytes(4).toString('hex')}`;
  const clients = Array.from({ length: 4 }, () => s3Client(config));
  try {
    // Each finds it missing, then all but one are told it exists: S3's answer to the race.
    const results = await Promise.allSettled(clients.map((s3) => ensureBucket(s3, bucket)));
    assert.deepEqual(results.map((r) => (r.status === 'fulfilled' ? 'ok' : String(r.reason))), ['ok', 'ok', 'ok', 'ok']);
    await clients[0]!.send(new HeadBucketCommand({ Bucket: bucket }));
    await ensureBucket(clients[0]!, bucket);
  } finally {
    await clients[0]!.send(new DeleteBucketCommand({ Bucket: bucket }));
    for (const s3 of clients) s3.destroy();
  }
});
