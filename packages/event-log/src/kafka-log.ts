import { randomUUID } from 'node:crypto';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { EventLog, LogRecord, StoredRecord, Subscription } from './event-log.js';

/** The event log on Kafka through kafkajs: an idempotent producer writing with acks=all. */
export class KafkaEventLog implements EventLog {
  private producer?: Promise<Producer>;

  constructor(private readonly kafka: Kafka) {}

  async produce(topic: string, records: readonly LogRecord[]): Promise<void> {
    if (records.length === 0) return;
    const producer = await this.connectedProducer();
    await producer.send({
      topic,
      acks: -1,
      messages: records.map((r) => ({ key: r.key, value: r.value, ...(r.headers ? { headers: { ...r.headers } } : {}) })),
    });
  }

  async readAll(topic: string): Promise<StoredRecord[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const ends = new Map((await admin.fetchTopicOffsets(topic)).filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
      if (ends.size === 0) return [];
      // A throwaway group reads from the beginning; it is deleted once it has reached the end.
      const group = `cutover-read-${randomUUID()}`;
      const consumer = this.kafka.consumer({ groupId: group });
      const records: StoredRecord[] = [];
      try {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          consumer
            .run({
              autoCommit: false,
              eachMessage: ({ partition, message }) => {
                const end = ends.get(partition);
                if (end !== undefined && BigInt(message.offset) < end) records.push(stored(topic, partition, message));
                if (end !== undefined && BigInt(message.offset) + 1n >= end) ends.delete(partition);
                if (ends.size === 0) resolve();
                return Promise.resolve();
              },
            })
            .catch(reject);
        });
      } finally {
        await consumer.disconnect();
        await admin.deleteGroups([group]).catch(() => undefined);
      }
      return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
    } finally {
      await admin.disconnect();
    }
  }

  async consume(topic: string, group: string, handler: (record: StoredRecord) => Promise<void>): Promise<Subscription> {
    const consumer = this.kafka.consumer({ groupId: group, retry: { initialRetryTime: 50, retries: Number.MAX_SAFE_INTEGER } });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        await handler(stored(topic, partition, message));
        await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      },
    });
    return { stop: () => consumer.disconnect() };
  }

  async close(): Promise<void> {
    if (this.producer) await (await this.producer).disconnect();
  }

  private connectedProducer(): Promise<Producer> {
    this.producer ??= (async () => {
      // Idempotent: a retried send never appends twice. The default partitioner hashes keys as the
      // Java client does, so one key lands on one partition whichever client wrote it.
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      return producer;
    })();
    return this.producer;
  }
}

function stored(topic: string, partition: number, message: { key: Buffer | null; value: Buffer | null; offset: string; timestamp: string; headers?: Record<string, unknown> }): StoredRecord {
  const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
  return {
    topic,
    partition,
    offset: message.offset,
    timestamp: Number(message.timestamp),
    key: message.key,
    value: message.value ?? Buffer.alloc(0),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
  };
}
