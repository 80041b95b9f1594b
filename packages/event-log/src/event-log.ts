/** A record to write: the key decides the partition, so records with one key stay in order. */
export interface LogRecord {
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
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
  /** Appends records, durably (all in-sync replicas) and without duplicates on retry. */
  produce(topic: string, records: readonly LogRecord[]): Promise<void>;
  /** Every record of `topic` from the first to the last one there when called, in order within each partition. */
  readAll(topic: string): Promise<StoredRecord[]>;
  /**
   * Delivers `topic`'s records to `handler` one at a time for the consumer `group`, from where
   * the group last committed. A record's offset is committed only after `handler` resolves, so
   * a record whose handling failed or was cut short is delivered again.
   */
  consume(topic: string, group: string, handler: (record: StoredRecord) => Promise<void>): Promise<Subscription>;
  /** How many records of `topic` the consumer `group` has not committed yet (all of them for a new group). */
  lag(topic: string, group: string): Promise<number>;
  close(): Promise<void>;
}
