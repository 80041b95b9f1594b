import type { EventLog, LogRecord, StoredRecord, Subscription } from './event-log.js';

interface Group {
  /** Next offset to deliver, per partition: what was committed. */
  readonly committed: number[];
}

/** The event log in memory: the same contract as Kafka, for unit tests and single-process tools. */
export class MemoryEventLog implements EventLog {
  private readonly topics = new Map<string, StoredRecord[][]>();
  private readonly groups = new Map<string, Group>();
  private readonly wakers = new Set<() => void>();

  constructor(private readonly partitions: (topic: string) => number = () => 1) {}

  produce(topic: string, records: readonly LogRecord[]): Promise<void> {
    const partitions = this.partitionsOf(topic);
    for (const record of records) {
      const partition = record.key === null ? 0 : hash(record.key) % partitions.length;
      const list = partitions[partition]!;
      list.push({ ...record, topic, partition, offset: String(list.length), timestamp: Date.now() });
    }
    for (const wake of this.wakers) wake();
    return Promise.resolve();
  }

  readAll(topic: string): Promise<StoredRecord[]> {
    return Promise.resolve(this.partitionsOf(topic).flat());
  }

  consume(topic: string, group: string, handler: (record: StoredRecord) => Promise<void>): Promise<Subscription> {
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
        const record = partitions[partition]![state.committed[partition]!]!;
        try {
          await handler(record);
        } catch {
          // Not committed: delivered again, after a pause so a handler that keeps failing does not spin.
          await new Promise((resolve) => setTimeout(resolve, 50));
          continue;
        }
        state.committed[partition] = state.committed[partition]! + 1;
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

  lag(topic: string, group: string): Promise<number> {
    const committed = this.groups.get(`${topic}\u0000${group}`)?.committed;
    return Promise.resolve(this.partitionsOf(topic).reduce((sum, list, p) => sum + list.length - (committed?.[p] ?? 0), 0));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private partitionsOf(topic: string): StoredRecord[][] {
    let partitions = this.topics.get(topic);
    if (partitions === undefined) {
      partitions = Array.from({ length: this.partitions(topic) }, () => []);
      this.topics.set(topic, partitions);
    }
    return partitions;
  }
}

/** FNV-1a: any stable hash keeps one key on one partition. */
function hash(key: Buffer): number {
  let h = 0x811c9dc5;
  for (const byte of key) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}
