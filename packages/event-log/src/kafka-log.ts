import { randomUUID } from 'node:crypto';
import { Producer, compatibilityPartitioner } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import type { EventLog, LogRecord, StoredRecord, Subscription } from './event-log.js';
import { kafkajsLogs, type LogSink } from './kafkajs-logs.js';

export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
}

/**
 * The event log on Kafka: an idempotent producer writing with acks=all, and kafkajs consumers.
 * Records are produced with @platformatic/kafka, which costs a third of kafkajs's CPU per
 * record (bench/publishing): the proxy publishes every mutation, on its request thread.
 */
export class KafkaEventLog implements EventLog {
  private readonly kafka: Kafka;
  private producer?: Producer;
  private sending: Promise<unknown> = Promise.resolve();

  /** With a `logger`, kafkajs's own logs go to it rather than to the console. */
  constructor(
    private readonly connection: KafkaConnection,
    logger?: LogSink,
  ) {
    this.kafka = new Kafka({
      clientId: connection.clientId,
      brokers: [...connection.brokers],
      connectionTimeout: 3000,
      logLevel: logLevel.WARN,
      ...(logger ? { logCreator: kafkajsLogs(logger) } : {}),
    });
  }

  async produce(topic: string, records: readonly LogRecord[]): Promise<void> {
    if (records.length === 0) return;
    this.producer ??= new Producer({
      clientId: this.connection.clientId,
      bootstrapBrokers: [...this.connection.brokers],
      // Idempotent: a retried send never appends twice. Keys hash as the Java client and
      // kafkajs hash them, so one key lands on one partition whichever client wrote it.
      idempotent: true,
      acks: -1,
      partitioner: compatibilityPartitioner,
      // A log that is down fails the send within seconds, so the caller can spool instead.
      timeout: 3000,
      retries: 2,
      retryDelay: 250,
    });
    const producer = this.producer;
    const messages = records.map((r) => ({ topic, key: r.key ?? undefined, value: r.value, ...(r.headers ? { headers: headerBuffers(r.headers) } : {}) }));
    // One send at a time: the idempotent producer numbers each partition's batches, and two
    // sends racing to one partition get OUT_OF_ORDER_SEQUENCE_NUMBER for good. In call order, too.
    const sent = this.sending.then(() => producer.send({ messages }));
    this.sending = sent.catch(() => undefined);
    await sent;
  }

  async readAll(topic: string): Promise<StoredRecord[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const ends = new Map((await admin.fetchTopicOffsets(topic)).filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
      if (ends.size === 0) return [];
      // A throwaway group reads from the beginning; it is deleted once it has reached the end.
      const group = `cutover-read-${randomUUID()}`;
      const consumer = this.kafka.consumer({ groupId: group, maxWaitTimeInMs: 250 });
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
    // A member that dies (a worker killed mid-chunk) gives its partitions up after 10 s rather
    // than kafkajs's 30: its work is redone sooner. Handlers heartbeat while they run. An idle
    // member waits 250 ms on a fetch, not 5 s: it joins a rebalance, and stops, that much sooner.
    const consumer = this.kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 250, retry: { initialRetryTime: 50, retries: Number.MAX_SAFE_INTEGER } });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async (payload) => {
        const { partition, message } = payload;
        // A handler may wait a long time (the healer waits for target): the group must not
        // take its partitions away meanwhile.
        const beating = setInterval(() => void payload.heartbeat().catch(() => undefined), 3000);
        try {
          await handler(stored(topic, partition, message));
        } finally {
          clearInterval(beating);
        }
        await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      },
    });
    return { stop: () => consumer.disconnect() };
  }

  async lag(topic: string, group: string): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topic);
      const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const committed = new Map((offsets?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
      // -1 means nothing committed on that partition: the group would start from its first record.
      return ends.reduce((sum, p) => {
        const at = committed.get(p.partition) ?? -1n;
        return sum + Number(BigInt(p.high) - (at < 0n ? BigInt(p.low) : at));
      }, 0);
    } finally {
      await admin.disconnect();
    }
  }

  async close(): Promise<void> {
    await this.producer?.close();
  }
}

function headerBuffers(headers: Readonly<Record<string, string>>): Map<Buffer, Buffer> {
  return new Map(Object.entries(headers).map(([k, v]) => [Buffer.from(k), Buffer.from(v)]));
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
