/** A record to write: the key decides the partition, so records with one key stay in order. */
export interface LogRecord {
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
  /** Where to write it; without it the key decides (`partitionOf`), and a null key means partition 0. */
  readonly partition?: number;
}

/** What a topic takes: read from the broker once per topic. */
export interface TopicLimits {
  readonly partitions: number;
  /**
   * The largest record (key, value and header names and values, in bytes) that is written as one
   * Kafka record. A larger one is still written, split into fragments that readers put back together.
   */
  readonly maxRecordBytes: number;
}

export interface ReadOptions {
  /** Ms since the epoch: the first record read is the first one appended at or after it. Default: the beginning. */
  readonly fromTimestamp?: number;
  /** Goes on past the end, waiting for new records, until `signal` aborts. */
  readonly follow?: boolean;
  readonly signal?: AbortSignal;
}

/** A record as the log holds it. */
export interface StoredRecord extends LogRecord {
  readonly topic: string;
  readonly partition: number;
  /** As a decimal string: Kafka offsets are 64-bit. */
  readonly offset: string;
  /** When the log appended it, ms since the epoch. */
  readonly timestamp: number;
}

export interface Subscription {
  /** Stops delivering; resolves once the record being handled (if any) is done and committed. */
  stop(): Promise<void>;
}

/**
 * The event log as Cutover's services use it: a port with a Kafka adapter for real and an
 * in-memory one for fast tests, both held to the same contract.
 */
export interface EventLog {
  /**
   * Appends records, durably (all in-sync replicas), in order within each partition. A record the
   * log refuses for a reason retrying cannot fix fails alone: every other record is written, then
   * `RecordsRefused` says which were not. Any other error means nothing is known to be written:
   * retry (records may then be there twice; consumers dedupe by their own ids).
   */
  produce(topic: string, records: readonly LogRecord[]): Promise<void>;
  limits(topic: string): Promise<TopicLimits>;
  /** Every record of `topic` from the first to the last one there when called, in order within each partition. */
  readAll(topic: string): Promise<StoredRecord[]>;
  /**
   * The records of `topic` in order within each partition, without a consumer group: up to the
   * end as it was when called, or, with `follow`, on until `signal` aborts (then it just ends).
   */
  read(topic: string, options?: ReadOptions): AsyncIterable<StoredRecord>;
  /**
   * Delivers `topic`'s records to `handler` one at a time for the consumer `group`, from where
   * the group last committed. A record's offset is committed only after `handler` resolves, so
   * a record whose handling failed or was cut short is delivered again.
   */
  consume(topic: string, group: string, handler: (record: StoredRecord) => Promise<void>): Promise<Subscription>;
  /**
   * As `consume`, but delivers the records of one partition at a time in batches, in order:
   * each batch is committed once `handler` resolves, or delivered again (from its start) if it
   * fails. `partitions` batches of different partitions are handled at once.
   */
  consumeBatches(topic: string, group: string, handler: (records: readonly StoredRecord[]) => Promise<void>, options?: { readonly partitions?: number }): Promise<Subscription>;
  /**
   * Joins `group` on `topic` only to share the topic's partitions out among the group's members:
   * `onAssignment` hears the partitions this member holds each time the group settles. A member
   * that stops gives its partitions to the others; one that dies, after the session timeout.
   * Nothing is read from the topic.
   */
  sharePartitions(topic: string, group: string, onAssignment: (partitions: readonly number[]) => void): Promise<Subscription>;
  /** How many records of `topic` the consumer `group` has not committed yet (all of them for a new group). */
  lag(topic: string, group: string): Promise<number>;
  /** By partition: the offset the next record appended will have. */
  endOffsets(topic: string): Promise<readonly number[]>;
  close(): Promise<void>;
}
