import { randomBytes, randomUUID } from 'node:crypto';
import { Backoff, type RetryPolicy } from '@cutover/errors';
import { Producer } from '@platformatic/kafka';
import kafkajs, { Kafka, logLevel, type Admin, type Consumer, type KafkaMessage } from 'kafkajs';
import { RecordsRefused } from './errors.js';
import type { EventLog, LogRecord, ReadOptions, StoredRecord, Subscription, TopicLimits } from './event-log.js';
import { Reassembler, split } from './fragments.js';
import { kafkajsOptions, producerOptions, type KafkaConnection } from './kafka-options.js';
import { kafkajsLogs, type LogSink } from './kafkajs-logs.js';
import { partitionOf } from './partition.js';
import { BATCH_OVERHEAD, RECORD_MARGIN, encodedBytes } from './record-size.js';
import { RecordQueue } from './record-queue.js';
import { REFUSALS, sendOutcome } from './refusals.js';
import { SendPlan, type Piece } from './send-plan.js';

// kafkajs is CommonJS: this export is only reachable through the default import.
const { ConfigResourceTypes } = kafkajs;


/** A handler that failed gets its records again (not committed) after this, for as long as it fails. */
const HANDLER_RETRY: RetryPolicy = { initialDelayMs: 50 };

/** A send's bytes in all: well under the broker's `socket.request.max.bytes` (100 MiB by default). */
const SEND_BYTES = 16 * 1024 * 1024;
/** What `read` holds ahead of its reader. */
const READ_AHEAD_BYTES = 32 * 1024 * 1024;

interface Limits {
  readonly limits: TopicLimits;
  /** What one partition's records may take in one send: the broker's limit less the batch's own bytes. */
  readonly batchBytes: number;
}

/**
 * The event log on Kafka: an idempotent producer writing with acks=all, and kafkajs consumers.
 * Records are produced with @platformatic/kafka, which costs a third of kafkajs's CPU per
 * record (bench/publishing): the proxy publishes every mutation, on its request thread.
 */
export class KafkaEventLog implements EventLog {
  private readonly kafka: Kafka;
  private producer?: Producer;
  private writing: Promise<unknown> = Promise.resolve();
  private readonly limitsByTopic = new Map<string, Promise<Limits>>();
  /** Names this producer's fragment sets (see fragments.ts). */
  private readonly writer = randomBytes(12).toString('hex');
  private fragmented = 0;

  /** With a `logger`, kafkajs's own logs go to it rather than to the console. */
  constructor(
    private readonly connection: KafkaConnection,
    logger?: LogSink,
  ) {
    this.kafka = new Kafka({
      ...kafkajsOptions(connection),
      connectionTimeout: 3000,
      logLevel: logLevel.WARN,
      ...(logger ? { logCreator: kafkajsLogs(logger) } : {}),
    });
  }

  async produce(topic: string, records: readonly LogRecord[]): Promise<void> {
    if (records.length === 0) return;
    // One call at a time, in call order: the idempotent producer numbers each partition's
    // batches, and two sends racing to one partition get OUT_OF_ORDER_SEQUENCE_NUMBER for good;
    // and a call's sends (and a fragmented record's fragments) stay together on each partition.
    const written = this.writing.then(() => this.write(topic, records));
    this.writing = written.catch(() => undefined);
    await written;
  }

  async limits(topic: string): Promise<TopicLimits> {
    return (await this.limitsOf(topic)).limits;
  }

  async readAll(topic: string): Promise<StoredRecord[]> {
    const records: StoredRecord[] = [];
    for await (const record of this.read(topic)) records.push(record);
    // Stable: each partition's records stay in the order they were read.
    return records.sort((a, b) => a.partition - b.partition);
  }

  async *read(topic: string, options: ReadOptions = {}): AsyncGenerator<StoredRecord> {
    const { signal } = options;
    if (signal?.aborted === true) return;
    const admin = this.kafka.admin();
    await admin.connect();
    // A throwaway group, deleted at the end (kafkajs cannot read without one).
    const group = `cutover-read-${randomUUID()}`;
    let consumer: ReturnType<Kafka['consumer']> | undefined;
    const queue = new RecordQueue<StoredRecord>(READ_AHEAD_BYTES);
    try {
      // Read to its end, a topic not created yet has nothing (asked for its offsets, kafkajs retries for seconds).
      if (options.follow !== true && !(await admin.listTopics()).includes(topic)) return;
      const offsets = await admin.fetchTopicOffsets(topic);
      const starts = new Map(
        options.fromTimestamp === undefined
          ? offsets.map((p) => [p.partition, BigInt(p.low)])
          : (await admin.fetchTopicOffsetsByTimestamp(topic, options.fromTimestamp)).map((p) => [p.partition, BigInt(p.offset)]),
      );
      const ends = options.follow === true ? undefined : new Map(offsets.filter((p) => BigInt(p.high) > (starts.get(p.partition) ?? 0n)).map((p) => [p.partition, BigInt(p.high)]));
      if (ends?.size === 0) return;
      if (options.fromTimestamp !== undefined) await admin.setOffsets({ groupId: group, topic, partitions: [...starts].map(([partition, offset]) => ({ partition, offset: String(offset) })) });
      consumer = this.kafka.consumer({ groupId: group, maxWaitTimeInMs: 250 });
      const reassembler = new Reassembler();
      // After a rejoin the group starts again where it started: what was read already is skipped.
      const next = new Map<number, bigint>();
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) queue.close(payload.error);
      });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async (payload) => {
          const { partition, message } = payload;
          const offset = BigInt(message.offset);
          const end = ends?.get(partition);
          if (ends !== undefined && (end === undefined || offset >= end)) return;
          if (offset < (next.get(partition) ?? 0n)) return;
          next.set(partition, offset + 1n);
          const whole = reassembler.add(stored(topic, partition, message));
          if (whole !== undefined) {
            const beating = setInterval(() => void payload.heartbeat().catch(() => undefined), 3000);
            await queue.push(whole).finally(() => clearInterval(beating));
          }
          if (end !== undefined && offset + 1n >= end) {
            ends!.delete(partition);
            if (ends!.size === 0) queue.close();
          }
        },
      });
      for (;;) {
        const record = await queue.shift(signal);
        if (record === undefined) return;
        yield record;
      }
    } finally {
      queue.close();
      await consumer?.disconnect();
      await admin.deleteGroups([group]).catch(() => undefined);
      await admin.disconnect();
    }
  }

  async consume(topic: string, group: string, handler: (record: StoredRecord) => Promise<void>): Promise<Subscription> {
    const member = await this.joinGroup(topic, group);
    await member.consumer.run({
      autoCommit: false,
      eachMessage: async (payload) => {
        await member.handOver(payload.partition, [payload.message], () => payload.heartbeat(), ([record]) => handler(record!));
      },
    });
    return { stop: () => member.consumer.disconnect() };
  }

  async consumeBatches(topic: string, group: string, handler: (records: readonly StoredRecord[]) => Promise<void>, options: { readonly partitions?: number } = {}): Promise<Subscription> {
    const member = await this.joinGroup(topic, group);
    await member.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitions ?? 1,
      eachBatch: async (payload) => {
        const { partition, messages } = payload.batch;
        if (messages.length === 0) return;
        if (await member.handOver(partition, messages, () => payload.heartbeat(), handler)) payload.resolveOffset(messages[messages.length - 1]!.offset);
      },
    });
    return { stop: () => member.consumer.disconnect() };
  }

  async sharePartitions(topic: string, group: string, onAssignment: (partitions: readonly number[]) => void): Promise<Subscription> {
    const consumer = this.member(group);
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => onAssignment([...(payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b)));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: false });
    // The topic is never written: the member only heartbeats, and hears each assignment.
    await consumer.run({ eachBatch: () => Promise.resolve() });
    return { stop: () => consumer.disconnect() };
  }

  /**
   * A member of `group` on `topic`, and how it hands records over: `handOver` gives the whole
   * records among `messages` (of one partition, in order) to `handler`, then commits them; when
   * the handler fails, nothing is committed and they are delivered again, from the first
   * fragment of the first (false).
   */
  private async joinGroup(topic: string, group: string): Promise<{ consumer: Consumer; handOver: (partition: number, messages: readonly KafkaMessage[], heartbeat: () => Promise<void>, handler: (records: readonly StoredRecord[]) => Promise<void>) => Promise<boolean> }> {
    const consumer = this.member(group);
    let reassembler = new Reassembler();
    // After a rebalance each partition starts again from what was committed, which is never
    // past an incomplete record: what was held of them is read again.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      reassembler = new Reassembler();
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    // By partition: the failures of its handler since it last succeeded.
    const retries = new Map<number, Backoff>();
    const handOver = async (partition: number, messages: readonly KafkaMessage[], heartbeat: () => Promise<void>, handler: (records: readonly StoredRecord[]) => Promise<void>): Promise<boolean> => {
      // Where to start again if the handler fails: its first record may have begun fragments ago.
      const again = reassembler.commitOffset(partition, BigInt(messages[0]!.offset));
      const whole = messages.flatMap((message) => reassembler.add(stored(topic, partition, message)) ?? []);
      if (whole.length > 0) {
        // A handler may wait a long time (the healer waits for target): the group must not
        // take its partitions away meanwhile.
        const beating = setInterval(() => void heartbeat().catch(() => undefined), 3000);
        try {
          await handler(whole);
          retries.delete(partition);
        } catch {
          // Not committed: delivered again, after a pause so a handler that keeps failing does not spin.
          reassembler.forget(partition);
          consumer.seek({ topic, partition, offset: String(again) });
          const backoff = retries.get(partition) ?? new Backoff(HANDLER_RETRY);
          retries.set(partition, backoff);
          await backoff.wait();
          return false;
        } finally {
          clearInterval(beating);
        }
      }
      const next = BigInt(messages[messages.length - 1]!.offset) + 1n;
      await consumer.commitOffsets([{ topic, partition, offset: String(reassembler.commitOffset(partition, next)) }]);
      return true;
    };
    return { consumer, handOver };
  }

  private member(group: string): Consumer {
    // A member that dies (a worker killed mid-chunk) gives its partitions up after 10 s rather
    // than kafkajs's 30: its work is redone sooner. Handlers heartbeat while they run. An idle
    // member waits 250 ms on a fetch, not 5 s: it joins a rebalance, and stops, that much sooner.
    return this.kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 250, retry: { initialRetryTime: 50, retries: Number.MAX_SAFE_INTEGER } });
  }

  async endOffsets(topic: string): Promise<readonly number[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      // A topic not created yet has no records (asked for its offsets, kafkajs retries for seconds).
      if (!(await admin.listTopics()).includes(topic)) return [];
      const ends = await admin.fetchTopicOffsets(topic);
      return ends.sort((a, b) => a.partition - b.partition).map((p) => Number(p.high));
    } finally {
      await admin.disconnect();
    }
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
    await this.writing;
    await this.producer?.close();
  }

  private async write(topic: string, records: readonly LogRecord[]): Promise<void> {
    const { limits, batchBytes } = await this.limitsOf(topic);
    const pieces: Piece[] = [];
    const early: { index: number; code: string; reason: string }[] = [];
    records.forEach((record, index) => {
      const partition = record.partition ?? (record.key === null ? 0 : partitionOf(record.key, limits.partitions));
      if (!Number.isInteger(partition) || partition < 0 || partition >= limits.partitions) {
        early.push({ index, code: 'UNKNOWN_TOPIC_OR_PARTITION', reason: `${topic} has no partition ${partition}` });
        return;
      }
      const fragments = split(record, batchBytes, `${this.writer}-${this.fragmented + 1}`);
      if (fragments === undefined) {
        early.push({ index, code: 'MESSAGE_TOO_LARGE', reason: `its key and headers alone take more than the ${batchBytes} bytes ${topic} takes in a record` });
        return;
      }
      if (fragments.length > 1) this.fragmented++;
      for (const fragment of fragments) pieces.push({ index, partition, record: fragment, bytes: encodedBytes(fragment) });
    });
    const plan = new SendPlan(pieces, batchBytes, SEND_BYTES);
    for (const refusal of early) plan.refuse(refusal);
    for (let send = plan.next(); send.length > 0; send = plan.next()) {
      const partitions = new Set(send.map((p) => p.partition));
      try {
        await this.send(topic, send);
        for (const partition of partitions) plan.written(send, partition);
      } catch (error) {
        // The producer counts a partition's batches only when its whole request succeeded: after
        // a failure its numbering no longer matches the broker's, and its next batch to a
        // partition that was written would be taken for a duplicate and dropped. A new producer
        // starts a new numbering.
        await this.dropProducer();
        const { written, failed } = sendOutcome(error, topic);
        const known = [...partitions].every((p) => written.has(p) || REFUSALS.has(failed.get(p)?.code ?? ''));
        if (!known) throw error;
        for (const partition of partitions) {
          const failure = failed.get(partition);
          if (failure === undefined) plan.written(send, partition);
          else plan.failed(send, partition, failure);
          // The topic's limit may have been lowered since it was read: read it again next time.
          if (failure?.code === 'MESSAGE_TOO_LARGE' || failure?.code === 'RECORD_LIST_TOO_LARGE') this.limitsByTopic.delete(topic);
        }
      }
    }
    if (plan.refused.length > 0) throw new RecordsRefused(plan.refused);
  }

  private async send(topic: string, pieces: readonly Piece[]): Promise<void> {
    this.producer ??= new Producer({
      ...producerOptions(this.connection),
      // Idempotent: a send the producer retries never appends twice.
      idempotent: true,
      acks: -1,
      // A log that is down fails the send within seconds, so the caller can spool instead.
      timeout: 3000,
      retries: 2,
      retryDelay: 250,
    });
    // Partitions are chosen here (partitionOf: the Java client's, as kafkajs's and the producer's
    // compatibilityPartitioner), so that sends can be cut to the broker's limit per partition.
    await this.producer.send({
      messages: pieces.map(({ partition, record }) => ({ topic, partition, key: record.key ?? undefined, value: record.value, ...(record.headers ? { headers: headerBuffers(record.headers) } : {}) })),
    });
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.close().catch(() => undefined);
  }

  private limitsOf(topic: string): Promise<Limits> {
    let limits = this.limitsByTopic.get(topic);
    if (limits === undefined) {
      limits = this.readLimits(topic);
      this.limitsByTopic.set(topic, limits);
      limits.catch(() => this.limitsByTopic.delete(topic));
    }
    return limits;
  }

  private async readLimits(topic: string): Promise<Limits> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const [cluster, metadata] = await Promise.all([admin.describeCluster(), admin.fetchTopicMetadata({ topics: [topic] })]);
      const partitions = metadata.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
      if (partitions === 0) throw new Error(`Kafka has no topic ${topic}`);
      const limit = await smallestLimit(admin, topic, cluster.brokers.map((b) => String(b.nodeId)));
      const batchBytes = limit - BATCH_OVERHEAD;
      return { limits: { partitions, maxRecordBytes: batchBytes - RECORD_MARGIN }, batchBytes };
    } finally {
      await admin.disconnect();
    }
  }
}

/** The largest record batch the topic takes: its own `max.message.bytes`, and no broker's `message.max.bytes` below it. */
async function smallestLimit(admin: Admin, topic: string, brokers: readonly string[]): Promise<number> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [...brokers.map((name) => ({ type: ConfigResourceTypes.BROKER, name, configNames: ['message.max.bytes'] })), { type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
  });
  const values = resources.flatMap((r) => r.configEntries.filter((e) => e.configName === 'message.max.bytes' || e.configName === 'max.message.bytes').map((e) => Number(e.configValue)));
  if (values.length === 0 || values.some((v) => !Number.isSafeInteger(v) || v <= BATCH_OVERHEAD + RECORD_MARGIN)) throw new Error(`Kafka gave no usable record size limit for ${topic}: ${JSON.stringify(values)}`);
  return Math.min(...values);
}

function headerBuffers(headers: Readonly<Record<string, string>>): Map<Buffer, Buffer> {
  return new Map(Object.entries(headers).map(([k, v]) => [Buffer.from(k), Buffer.from(v)]));
}

function stored(topic: string, partition: number, message: KafkaMessage): StoredRecord {
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
