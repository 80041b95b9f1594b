import { partitionOf, type LogRecord, type TopicLimits } from '@cutover/event-log';
import { STATEMENT_ID_BYTES, assembleBatch } from '@cutover/mutation-log';

/** One journaled mutation, ready to go into a MutationBatch. */
export interface PendingMutation {
  readonly key: Buffer;
  readonly item: Buffer;
  /** Encoded StatementDescriptors; the first 8 bytes of each are its id. */
  readonly descriptors: readonly Buffer[];
}

const idOf = (descriptor: Buffer): string => descriptor.toString('latin1', 0, STATEMENT_ID_BYTES);

/** Room left in a record for the batch's own fields (wire header, proxy id, array counts). */
const BATCH_OVERHEAD = 1024;

/**
 * Packs mutations into MutationBatch records: one or more per topic partition, in the order
 * given within each partition (so per partition key), each at most the log's largest record
 * unless a single mutation is larger on its own (the log then splits that record into
 * fragments). Each record carries the descriptors of its own mutations, once, so any record can
 * be read alone.
 */
export function packBatches(proxyId: string, mutations: readonly PendingMutation[], limits: TopicLimits): LogRecord[] {
  const byPartition = new Map<number, PendingMutation[]>();
  for (const m of mutations) {
    const partition = partitionOf(m.key, limits.partitions);
    (byPartition.get(partition) ?? byPartition.set(partition, []).get(partition)!).push(m);
  }
  const records: LogRecord[] = [];
  const room = limits.maxRecordBytes - BATCH_OVERHEAD - Buffer.byteLength(proxyId);
  for (const [partition, list] of byPartition) {
    let items: Buffer[] = [];
    // A record's descriptors by id; `carried` knows the very buffers seen, so the descriptors
    // a proxy shares between its mutations (the same objects) are matched without their ids.
    let descriptors = new Map<string, Buffer>();
    let carried = new Set<Buffer>();
    let size = 0;
    const flush = (): void => {
      if (items.length === 0) return;
      records.push({ key: null, partition, value: assembleBatch(proxyId, [...descriptors.values()], items) });
      items = [];
      descriptors = new Map();
      carried = new Set();
      size = 0;
    };
    /** What the mutation adds to the record: its item, and the descriptors the record lacks. */
    const adds = (m: PendingMutation): number => {
      let added = m.item.length + 8;
      for (const d of m.descriptors) if (!carried.has(d) && !descriptors.has(idOf(d))) added += d.length + 8;
      return added;
    };
    for (const m of list) {
      let added = adds(m);
      if (items.length > 0 && size + added > room) {
        flush();
        added = adds(m);
      }
      for (const d of m.descriptors) {
        if (carried.has(d)) continue;
        carried.add(d);
        descriptors.set(idOf(d), d);
      }
      items.push(m.item);
      size += added;
    }
    flush();
  }
  return records;
}
