import type { Config } from '@cutover/config';
import { ControlPlane, controlTopicSpecs, controlTopics } from '@cutover/control-plane';
import type { DocumentContext, MigrateDocumentsOptions } from '@cutover/document-migrator';
import { KafkaEventLog, createTopics, groupNames, topicNames, topicSpecs } from '@cutover/event-log';
import { cassandraClient, kafkaClient, mongoClient, s3Client } from '@cutover/stack';
import type { Logger } from 'pino';
import { ensureBucket } from './copy-setup.js';

/** A document migration's context, opened (all but the live state): `close` ends every connection it holds. */
export interface OpenDocuments {
  readonly ctx: Omit<DocumentContext, 'live'>;
  close(): Promise<void>;
}

/**
 * What migrating documents needs, under the topic prefix `prefix`: the control, events,
 * documents and dead-letter topics and the staging bucket (created if missing), and connections
 * to MongoDB, target, S3 and Kafka, set as the config says.
 */
export async function openDocuments(config: Config, prefix: string, logger: Logger): Promise<OpenDocuments> {
  const topics = topicNames(prefix);
  const admin = kafkaClient(config).admin();
  await admin.connect();
  try {
    const control = controlTopicSpecs(prefix);
    const wanted = [topics.documents, topics.documentReaders, topics.deadLetters].filter((name) => !control.some((t) => t.name === name));
    await createTopics(admin, [...control, ...topicSpecs(prefix, wanted)]);
  } finally {
    await admin.disconnect();
  }
  const s3 = s3Client(config);
  await ensureBucket(s3, config.s3.bucket);
  const log = new KafkaEventLog(config.kafka, logger);
  const mongo = mongoClient(config);
  const target = cassandraClient(config.target);
  const { errorBudget } = config.documents;
  const ctx: Omit<DocumentContext, 'live'> = {
    mongo,
    target,
    staging: { s3, bucket: config.s3.bucket },
    log,
    control: new ControlPlane(log, controlTopics(prefix)),
    documentsTopic: topics.documents,
    readersTopic: topics.documentReaders,
    deadLetterTopic: topics.deadLetters,
    logger,
    errorBudget: { maxBadDocuments: errorBudget.maxBadRows, maxBadDocumentsPercent: errorBudget.maxBadRowsPercent },
  };
  return {
    ctx,
    async close() {
      await Promise.all([mongo.close(), target.shutdown()]);
      await log.close();
      s3.destroy();
    },
  };
}

/** The readers' and loaders' settings, as the config says. */
export function documentOptions(config: Config, prefix: string): Pick<MigrateDocumentsOptions, 'workerId' | 'readerGroup' | 'reader' | 'loader'> {
  const { ranges, readers, loaders, loadConcurrency, loadRate } = config.documents;
  return {
    workerId: `${config.proxy.id}-documents`,
    readerGroup: groupNames(prefix).documentReaders,
    reader: { ranges, readers, pageDocuments: 1000, checkpointMs: 1000 },
    loader: { group: groupNames(prefix).documentLoaders, concurrency: loadConcurrency, rate: loadRate, partitions: loaders },
  };
}
