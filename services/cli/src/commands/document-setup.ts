import type { Config } from '@cutover/config';
import { ControlPlane, controlTopicSpecs, controlTopics } from '@cutover/control-plane';
import type { DocumentContext, MigrateDocumentsOptions } from '@cutover/document-migrator';
import { KafkaEventLog, createTopics, topicCatalogue } from '@cutover/event-log';
import { cassandraClient, kafkaClient, mongoClient, s3Client } from '@cutover/stack';
import type { Logger } from 'pino';
import { ensureBucket } from './copy-setup.js';

/** The consumer group of the document loaders: every process loading a migration's documents shares it. */
export function loaderGroup(prefix: string): string {
  return `${prefix}cutover-document-loaders`;
}

/** The consumer group of the document readers: its members share the collections out (see the readers topic). */
export function readerGroup(prefix: string): string {
  return `${prefix}cutover-document-readers`;
}

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
  const admin = kafkaClient(config).admin();
  await admin.connect();
  try {
    const control = controlTopicSpecs(prefix);
    const wanted = new Set([`${prefix}cutover.documents`, `${prefix}cutover.document-readers`, `${prefix}cutover.dead-letters`].filter((name) => !control.some((t) => t.name === name)));
    await createTopics(admin, [...control, ...topicCatalogue(prefix).filter((t) => wanted.has(t.name))]);
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
    documentsTopic: `${prefix}cutover.documents`,
    readersTopic: `${prefix}cutover.document-readers`,
    deadLetterTopic: `${prefix}cutover.dead-letters`,
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
    readerGroup: readerGroup(prefix),
    reader: { ranges, readers, pageDocuments: 1000, checkpointMs: 1000 },
    loader: { group: loaderGroup(prefix), concurrency: loadConcurrency, rate: loadRate, partitions: loaders },
  };
}
