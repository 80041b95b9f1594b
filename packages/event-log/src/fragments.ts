import type { LogRecord, StoredRecord } from './event-log.js';
import { encodedBytes } from './record-size.js';

/**
 * A record larger than the broker takes is written as consecutive records on its partition, each
 * with the same key, the record's own headers, a slice of its value in order, and the header
 *   cutover-fragment: <set id> <n>/<count>      (n from 1)
 * The set id is `<writer>-<serial>`: the writer is random per producer, the serial counts its
 * fragmented records, so an id is never reused, and a writer starting a new set on a partition
 * has given up any set of its own still incomplete there (it writes a partition in order).
 * Readers hand out the record when its last fragment arrives, with the offset and timestamp of
 * its first; a record whose first fragment they did not see is skipped, as are fragments of a
 * set never completed.
 */
export const FRAGMENT_HEADER = 'cutover-fragment';

/** An incomplete set older than this (log time, on its partition) is given up: its writer died mid-record. */
export const ABANDON_AFTER_MS = 15 * 60_000;

const LONGEST_HEADER_VALUE = 'ffffffffffffffffffffffff-9007199254740991 9007199254740991/9007199254740991';

/**
 * The record as fragments each taking at most `maxEncodedBytes` inside a batch (the record itself
 * if it fits), or undefined if its key and headers alone leave no room for any value.
 */
export function split(record: LogRecord, maxEncodedBytes: number, setId: string): LogRecord[] | undefined {
  if (encodedBytes(record) <= maxEncodedBytes) return [record];
  const room = maxEncodedBytes - encodedBytes({ key: record.key, value: Buffer.alloc(0), headers: { ...record.headers, [FRAGMENT_HEADER]: LONGEST_HEADER_VALUE } });
  if (room <= 0) return undefined;
  const count = Math.ceil(record.value.length / room);
  return Array.from({ length: count }, (_, i) => ({
    key: record.key,
    value: record.value.subarray(i * room, (i + 1) * room),
    headers: { ...record.headers, [FRAGMENT_HEADER]: `${setId} ${i + 1}/${count}` },
    ...(record.partition === undefined ? {} : { partition: record.partition }),
  }));
}

interface Fragment {
  readonly id: string;
  readonly writer: string;
  readonly n: number;
  readonly count: number;
}

function fragmentOf(record: LogRecord): Fragment | undefined {
  const header = record.headers?.[FRAGMENT_HEADER];
  const match = header === undefined ? null : /^((\S+)-\d+) (\d+)\/(\d+)$/.exec(header);
  if (match === null) return undefined;
  const n = Number(match[3]);
  const count = Number(match[4]);
  return n >= 1 && n <= count ? { id: match[1]!, writer: match[2]!, n, count } : undefined;
}

interface PendingSet {
  readonly writer: string;
  readonly first: StoredRecord;
  readonly firstOffset: bigint;
  readonly parts: ({ readonly value: Buffer; readonly offset: bigint } | undefined)[];
  received: number;
}

interface PartitionState {
  /** The offset after the last record seen: a lower one means the consumer went back. */
  position: bigint;
  /** In the order of their first fragments. */
  readonly sets: Map<string, PendingSet>;
}

/** Puts fragmented records back together, for one topic, fed each partition's records in order. */
export class Reassembler {
  private readonly partitions = new Map<number, PartitionState>();

  /** The whole record `record` completes (itself, unless it is a fragment), or undefined. */
  add(record: StoredRecord): StoredRecord | undefined {
    const state = this.stateOf(record.partition);
    const offset = BigInt(record.offset);
    if (offset < state.position) this.rewind(state, offset);
    state.position = offset + 1n;
    this.abandonStale(state, record.timestamp);
    const fragment = fragmentOf(record);
    if (fragment === undefined) return record;
    if (fragment.n === 1) {
      for (const [id, set] of state.sets) if (set.writer === fragment.writer) state.sets.delete(id);
      state.sets.set(fragment.id, { writer: fragment.writer, first: record, firstOffset: offset, parts: Array.from({ length: fragment.count }, () => undefined), received: 0 });
    }
    const set = state.sets.get(fragment.id);
    if (set === undefined || set.parts.length !== fragment.count) return undefined;
    if (set.parts[fragment.n - 1] === undefined) set.received++;
    set.parts[fragment.n - 1] = { value: record.value, offset };
    if (set.received < fragment.count) return undefined;
    state.sets.delete(fragment.id);
    const { [FRAGMENT_HEADER]: _, ...headers } = set.first.headers ?? {};
    const { headers: _fragmentHeaders, ...first } = set.first;
    return { ...first, value: Buffer.concat(set.parts.map((part) => part!.value)), ...(Object.keys(headers).length > 0 ? { headers } : {}) };
  }

  /**
   * What a consumer commits on `partition` once it is done with everything before `next`: never
   * past the first fragment of a record not yet complete, so a restart reads all of it again.
   */
  commitOffset(partition: number, next: bigint): bigint {
    const [oldest] = this.partitions.get(partition)?.sets.values() ?? [];
    return oldest !== undefined && oldest.firstOffset < next ? oldest.firstOffset : next;
  }

  /** Forgets what it held of `partition` (a consumer that lost the partition to another). */
  forget(partition: number): void {
    this.partitions.delete(partition);
  }

  private stateOf(partition: number): PartitionState {
    let state = this.partitions.get(partition);
    if (state === undefined) {
      state = { position: -1n, sets: new Map() };
      this.partitions.set(partition, state);
    }
    return state;
  }

  /** Records from `offset` on will come again: forget what was taken from them. */
  private rewind(state: PartitionState, offset: bigint): void {
    for (const [id, set] of state.sets) {
      if (set.firstOffset >= offset) {
        state.sets.delete(id);
        continue;
      }
      set.parts.forEach((part, i) => {
        if (part !== undefined && part.offset >= offset) {
          set.parts[i] = undefined;
          set.received--;
        }
      });
    }
  }

  private abandonStale(state: PartitionState, now: number): void {
    for (const [id, set] of state.sets) if (now - set.first.timestamp > ABANDON_AFTER_MS) state.sets.delete(id);
  }
}
