import { RecordsRefused, type RefusedRecord } from './errors.js';
import type { EventLog, LogRecord, ReadOptions, StoredRecord, Subscription, TopicLimits } from './event-log.js';
import { partitionOf } from './partition.js';
import { payloadBytes } from './record-size.js';

interface Group {
  /** Next offset to deliver, per partition: what was committed. */
  readonly committed: number[];
}

export interface MemoryLogOptions {
  /** A topic's partition count (1 by default). */
  readonly partitions?: (topic: string) => number;
  /**
   * Records whose key, value and headers take more bytes than this are refused (RecordsRefused,
   * MESSAGE_TOO_LARGE), to test what callers do with a refused record; no limit by default.
   */
  readonly maxRecordBytes?: number;
}

/** The event log in memory: the same contract as Kafka, for unit tests and single-process tools. */
export class MemoryEventLog implements EventLog {
  private readonly topics = new Map<string, StoredRecord[][]>();
  private readonly groups = new Map<string, Group>();
  private readonly wakers = new Set<() => void>();
  /** The members sharing each topic's partitions, by `topic` and group. */
  private readonly sharers = new Map<string, ((partitions: readonly number[]) => void)[]>();
  private readonly options: MemoryLogOptions;

  /** Options, or (as before them) just the partition count per topic. */
  constructor(options: MemoryLogOptions | ((topic: string) => number) = {}) {
    this.options = typeof options === 'function' ? { partitions: options } : options;
  }

  produce(topic: string, records: readonly LogRecord[]): Promise<void> {
    const partitions = this.partitionsOf(topic);
    const maxRecordBytes = this.options.maxRecordBytes ?? Number.MAX_SAFE_INTEGER;
    const refused: RefusedRecord[] = [];
    records.forEach((record, index) => {
      const partition = record.partition ?? (record.key === null ? 0 : partitionOf(record.key, partitions.length));
      if (!Number.isInteger(partition) || partition < 0 || partition >= partitions.length) {
        refused.push({ index, code: 'UNKNOWN_TOPIC_OR_PARTITION', reason: `${topic} has no partition ${partition}` });
        return;
      }
      if (payloadBytes(record) > maxRecordBytes) {
        refused.push({ index, code: 'MESSAGE_TOO_LARGE', reason: `${payloadBytes(record)} bytes, over the ${maxRecordBytes} this log takes` });
        return;
      }
      const list = partitions[partition]!;
      const { partition: _, ...rest } = record;
      list.push({ ...rest, topic, partition, offset: String(list.length), timestamp: Date.now() });
    });
    this.wake();
    return refused.length > 0 ? Promise.reject(new RecordsRefused(refused)) : Promise.resolve();
  }

  limits(topic: string): Promise<TopicLimits> {
    return Promise.resolve({ partitions: this.partitionsOf(topic).length, maxRecordBytes: this.options.maxRecordBytes ?? Number.MAX_SAFE_INTEGER });
  }

  readAll(topic: string): Promise<StoredRecord[]> {
    return Promise.resolve(this.partitionsOf(topic).flat());
  }

  async *read(topic: string, options: ReadOptions = {}): AsyncGenerator<StoredRecord> {
    const { fromTimestamp, follow = false, signal } = options;
    const partitions = this.partitionsOf(topic);
    const positions = partitions.map((list) => {
      const at = fromTimestamp === undefined ? 0 : list.findIndex((r) => r.timestamp >= fromTimestamp);
      return at === -1 ? list.length : at;
    });
    const ends = follow ? undefined : partitions.map((list) => list.length);
    for (;;) {
      let read = false;
      for (const [p, list] of partitions.entries()) {
        while (positions[p]! < (ends?.[p] ?? list.length)) {
          if (signal?.aborted === true) return;
          read = true;
          yield list[positions[p]!++]!;
        }
      }
      if (!follow || signal?.aborted === true) return;
      if (!read) await this.nextProduce(signal);
    }
  }

  consume(topic: string, group: string, handler: (record: StoredRecord) => Promise<void>): Promise<Subscription> {
    return this.deliver(topic, group, 1, ([record]) => handler(record!));
  }

  consumeBatches(topic: string, group: string, handler: (records: readonly StoredRecord[]) => Promise<void>, _options?: { readonly partitions?: number }): Promise<Subscription> {
    return this.deliver(topic, group, 500, handler);
  }

  /** Delivers up to `most` records of one partition at a time, committing them once `handler` resolves. */
  private deliver(topic: string, group: string, most: number, handler: (records: readonly StoredRecord[]) => Promise<void>): Promise<Subscription> {
    const partitions = this.partitionsOf(topic);
    const key = `${topic}\u0000${group}`;
    const state = this.groups.get(key) ?? { committed: partitions.map(() => 0) };
    this.groups.set(key, state);
    let stopped = false;
    let wake: (() => void) | undefined;
    const loop = (async () => {
      while (!stopped) {
        const partition = partitions.findIndex((list, p) => state.committed[p]! < list.length);
        if (partition === -1) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            this.wakers.add(resolve);
          });
          this.wakers.delete(wake!);
          continue;
        }
        const from = state.committed[partition]!;
        const records = partitions[partition]!.slice(from, from + most);
        try {
          await handler(records);
        } catch {
          // Not committed: delivered again, after a pause so a handler that keeps failing does not spin.
          await new Promise((resolve) => setTimeout(resolve, 50));
          continue;
        }
        state.committed[partition] = from + records.length;
      }
    })();
    return Promise.resolve({
      stop: async () => {
        stopped = true;
        wake?.();
        await loop;
      },
    });
  }

  sharePartitions(topic: string, group: string, onAssignment: (partitions: readonly number[]) => void): Promise<Subscription> {
    const key = `${topic}\u0000${group}`;
    const members = this.sharers.get(key) ?? [];
    this.sharers.set(key, members);
    // Round robin, as Kafka's assignor: partition p to member p mod n.
    const share = (): void => {
      const count = this.partitionsOf(topic).length;
      members.forEach((member, m) => member(Array.from({ length: count }, (_, p) => p).filter((p) => p % members.length === m)));
    };
    const member = (partitions: readonly number[]): void => onAssignment(partitions);
    members.push(member);
    share();
    return Promise.resolve({
      stop: () => {
        members.splice(members.indexOf(member), 1);
        share();
        return Promise.resolve();
      },
    });
  }

  endOffsets(topic: string): Promise<readonly number[]> {
    return Promise.resolve(this.partitionsOf(topic).map((list) => list.length));
  }

  lag(topic: string, group: string): Promise<number> {
    const committed = this.groups.get(`${topic}\u0000${group}`)?.committed;
    return Promise.resolve(this.partitionsOf(topic).reduce((sum, list, p) => sum + list.length - (committed?.[p] ?? 0), 0));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private wake(): void {
    for (const wake of this.wakers) wake();
  }

  /** Resolves at the next produce, or when `signal` aborts. */
  private nextProduce(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.wakers.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.wakers.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private partitionsOf(topic: string): StoredRecord[][] {
    let partitions = this.topics.get(topic);
    if (partitions === undefined) {
      partitions = Array.from({ length: this.options.partitions?.(topic) ?? 1 }, () => []);
      this.topics.set(topic, partitions);
    }
    return partitions;
  }
}
