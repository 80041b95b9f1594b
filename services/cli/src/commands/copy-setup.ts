import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Config } from '@cutover/config';
import { ControlPlane, controlTopicSpecs, controlTopics } from '@cutover/control-plane';
import { KafkaEventLog, createTopics, topicNames, topicSpecs } from '@cutover/event-log';
import { cassandraClient, kafkaClient, s3Client } from '@cutover/stack';
import type { CopyContext } from '@cutover/table-migrator';
import type { Logger } from 'pino';

/**
 * The staging bucket, created if it is missing. Several migrators started at once all find it
 * missing and all create it: for all but one, S3 answers that it exists now, which is what they
 * wanted (without this, a process failed at start now and then: tested with three at once).
 */
export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  if (await s3.send(new HeadBucketCommand({ Bucket: bucket })).then(() => true, () => false)) return;
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if ((error as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw error;
  }
}

/** A table copy's context, opened: `close` ends every connection it holds. */
export interface OpenCopy {
  readonly ctx: CopyContext;
  close(): Promise<void>;
}

/**
 * What copying tables needs, under the topic prefix `prefix`: the control, events and work
 * topics and the staging bucket (created if missing), and connections to both clusters, S3
 * and Kafka, set as the config says.
 */
export async function openCopy(config: Config, prefix: string, logger: Logger): Promise<OpenCopy> {
  const topics = topicNames(prefix);
  const admin = kafkaClient(config).admin();
  await admin.connect();
  try {
    await createTopics(admin, [...controlTopicSpecs(prefix), ...topicSpecs(prefix, [topics.work])]);
  } finally {
    await admin.disconnect();
  }
  const s3 = s3Client(config);
  const bucket = config.s3.bucket;
  await ensureBucket(s3, bucket);
  const log = new KafkaEventLog(config.kafka, logger);
  const { loadConcurrency: concurrency, loadRate: rate, errorBudget } = config.migrator;
  const ctx: CopyContext = {
    origin: cassandraClient(config.origin),
    target: cassandraClient(config.target),
    staging: { s3, bucket },
    log,
    control: new ControlPlane(log, controlTopics(prefix)),
    workTopic: topics.work,
    deadLetterTopic: topics.deadLetters,
    logger,
    load: { concurrency, rate },
    errorBudget,
  };
  return {
    ctx,
    async close() {
      await Promise.all([ctx.origin.shutdown(), ctx.target.shutdown()]);
      await log.close();
      s3.destroy();
    },
  };
}
