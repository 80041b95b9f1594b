import { randomBytes, randomUUID } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { Config } from '@cutover/config';
import { Partitioners } from 'kafkajs';
import { cassandraClient, kafkaClient, mongoClient, s3Client } from './clients.js';

/**
 * A small workload through each real client library against the stack: what the demo runs and
 * what the stack's integration tests assert on. Each step returns what it wrote and what it
 * read back, so a caller can compare them.
 */

function suffix(): string {
  return randomBytes(4).toString('hex');
}

export interface KafkaSmoke {
  readonly topic: string;
  readonly produced: readonly { key: string; value: string }[];
  readonly consumed: readonly { key: string; value: string }[];
}

/** Creates a topic, produces records and consumes them back with a consumer group. */
export async function kafkaSmoke(config: Config, count = 5): Promise<KafkaSmoke> {
  const kafka = kafkaClient(config);
  const topic = `cutover-smoke-${suffix()}`;
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
  const consumer = kafka.consumer({ groupId: `${topic}-group` });
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const produced = Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `record ${i} of ${topic}` }));
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: produced });

    const consumed: { key: string; value: string }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${consumed.length} of ${count} records within 30 s`)), 30_000);
      consumer
        .run({
          eachMessage: ({ message }) => {
            consumed.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' });
            if (consumed.length === count) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
    return { topic, produced, consumed };
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

export interface CassandraSmoke {
  readonly table: string;
  readonly origin: { readonly written: string; readonly read: string | null };
  readonly target: { readonly written: string; readonly read: string | null };
  /** What target returns for origin's key: null when they are really two clusters. */
  readonly originKeyOnTarget: string | null;
}

/** Creates the same keyspace and table on both clusters, writes a different row to each, reads them back. */
export async function cassandraSmoke(config: Config): Promise<CassandraSmoke> {
  const table = `cutover_smoke.kv_${suffix()}`;
  const clients = { origin: cassandraClient(config.origin), target: cassandraClient(config.target) };
  const read = async (client: typeof clients.origin, id: string): Promise<string | null> =>
    ((await client.execute(`SELECT value FROM ${table} WHERE id = ?`, [id], { prepare: true })).first()?.get('value') as string | undefined) ?? null;
  try {
    const rows = { origin: { id: randomUUID(), value: 'written to origin' }, target: { id: randomUUID(), value: 'written to target' } };
    for (const [name, client] of Object.entries(clients) as [keyof typeof clients, typeof clients.origin][]) {
      await client.execute("CREATE KEYSPACE IF NOT EXISTS cutover_smoke WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
      await client.execute(`CREATE TABLE ${table} (id uuid PRIMARY KEY, value text)`);
      await client.execute(`INSERT INTO ${table} (id, value) VALUES (?, ?)`, [rows[name].id, rows[name].value], { prepare: true });
    }
    return {
      table,
      origin: { written: rows.origin.value, read: await read(clients.origin, rows.origin.id) },
      target: { written: rows.target.value, read: await read(clients.target, rows.target.id) },
      originKeyOnTarget: await read(clients.target, rows.origin.id),
    };
  } finally {
    for (const client of Object.values(clients)) {
      await client.execute(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      await client.shutdown();
    }
  }
}

export interface MongoSmoke {
  readonly collection: string;
  readonly inserted: { readonly _id: string; readonly note: string };
  readonly found: unknown;
  readonly change: { readonly operationType: string; readonly documentKey: unknown; readonly fullDocument: unknown };
}

/** Inserts a document with a change stream open on the collection, then finds it and reads the change. */
export async function mongoSmoke(config: Config): Promise<MongoSmoke> {
  const client = mongoClient(config);
  const name = `smoke_${suffix()}`;
  try {
    const collection = client.db('cutover_smoke').collection<{ _id: string; note: string }>(name);
    const stream = collection.watch([], { fullDocument: 'updateLookup' });
    try {
      // tryNext opens the server-side cursor, so the insert below cannot precede the stream.
      await stream.tryNext();
      const inserted = { _id: randomUUID(), note: 'inserted by the smoke workload' };
      await collection.insertOne(inserted);
      const found = await collection.findOne({ _id: inserted._id });
      const change = await stream.next();
      return {
        collection: name,
        inserted,
        found,
        change: {
          operationType: change.operationType,
          documentKey: 'documentKey' in change ? change.documentKey : undefined,
          fullDocument: 'fullDocument' in change ? change.fullDocument : undefined,
        },
      };
    } finally {
      await stream.close();
      await collection.drop().catch(() => undefined);
    }
  } finally {
    await client.close();
  }
}

export interface S3Smoke {
  readonly bucket: string;
  readonly put: { readonly key: string; readonly body: string };
  readonly got: string;
  readonly listed: readonly string[];
  readonly multipart: { readonly key: string; readonly partSizes: readonly number[]; readonly size: number; readonly roundTrip: boolean };
}

/** Creates a bucket, puts and gets an object, lists it, and assembles an object from a multipart upload. */
export async function s3Smoke(config: Config): Promise<S3Smoke> {
  const client = s3Client(config);
  const bucket = `cutover-smoke-${suffix()}`;
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const put = { key: 'hello/greeting.txt', body: `hello from ${bucket}` };
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: put.key, Body: put.body }));
    const got = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: put.key }))).Body!.transformToString();

    // S3 requires every part but the last to be at least 5 MiB.
    const parts = [randomBytes(5 * 1024 * 1024), randomBytes(1024 * 1024 + 7)];
    const key = 'multipart/chunk.bin';
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const etags = [];
    for (const [i, body] of parts.entries()) {
      const { ETag } = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: body }));
      etags.push({ ETag, PartNumber: i + 1 });
    }
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: etags } }));
    const size = (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength ?? -1;
    const whole = Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());

    const listed = ((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key ?? '');
    return {
      bucket,
      put,
      got,
      listed,
      multipart: { key, partSizes: parts.map((p) => p.length), size, roundTrip: whole.equals(Buffer.concat(parts)) },
    };
  } finally {
    await emptyAndDelete(client, bucket).catch(() => undefined);
    client.destroy();
  }
}

async function emptyAndDelete(client: ReturnType<typeof s3Client>, bucket: string): Promise<void> {
  const { Contents = [] } = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  for (const { Key } of Contents) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}
