import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Staging } from '@cutover/table-migrator';
import { BSON } from 'mongodb';

/** A document the loader could not write: its `_id`, why, and the document as read. */
export interface BadDocument {
  readonly id: string;
  readonly reason: string;
  readonly document: Buffer;
}

/** Writes a bad-documents file: one JSON line per document, `_id` and document in canonical extended JSON, and the reason. */
export async function writeBadDocuments(staging: Staging, key: string, bad: readonly BadDocument[]): Promise<void> {
  const lines = bad.map(({ id, reason, document }) => `{"_id":${id},"reason":${JSON.stringify(reason)},"document":${BSON.EJSON.stringify(BSON.deserialize(document, { promoteValues: false, bsonRegExp: true }), { relaxed: false })}}\n`);
  await staging.s3.send(new PutObjectCommand({ Bucket: staging.bucket, Key: key, Body: lines.join(''), ContentType: 'application/x-ndjson' }));
}
