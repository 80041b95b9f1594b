import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Config } from '@cutover/config';
import { controlTopicSpecs } from '@cutover/control-plane';
import { createTopics, topicCatalogue } from '@cutover/event-log';
import { kafkaClient } from '@cutover/stack';

/** What copying tables needs before it starts: the control, events and work topics under `prefix`, and the staging bucket. */
export async function prepareCopy(config: Config, prefix: string, s3: S3Client): Promise<void> {
  const admin = kafkaClient(config).admin();
  await admin.connect();
  try {
    await createTopics(admin, [...controlTopicSpecs(prefix), ...topicCatalogue(prefix).filter((t) => t.name === `${prefix}cutover.work`)]);
  } finally {
    await admin.disconnect();
  }
  await s3.send(new HeadBucketCommand({ Bucket: config.s3.bucket })).catch(() => s3.send(new CreateBucketCommand({ Bucket: config.s3.bucket })));
}
