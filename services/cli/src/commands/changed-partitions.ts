import type { Config } from '@cutover/config';
import { EventLogError, KafkaEventLog, SchemaCatalogue } from '@cutover/event-log';
import { readMutations, type LoggedValue } from '@cutover/mutation-log';
import { CLOCK_SKEW_MS, type Bound } from './log.js';

/** What the mutation log says was written to some tables since a point. */
export interface ChangedPartitions {
  /** By table: each partition written, once (its key's values as bytes). */
  readonly partitions: ReadonlyMap<string, readonly (readonly Buffer[])[]>;
  /** By table: mutations whose partition the log does not name (an unprepared statement's values are in its text). */
  readonly unlocated: ReadonlyMap<string, number>;
  /** Records of the log that could not be read. */
  readonly unreadable: number;
}

/**
 * Reads the mutation log from `since` to its end and gathers, for each of `tables`, the
 * partitions its logged mutations wrote (a batch: each of its statements), deduplicated.
 */
export async function changedPartitions(config: Config, since: Bound, tables: ReadonlySet<string>): Promise<ChangedPartitions> {
  const partitions = new Map<string, Map<string, readonly Buffer[]>>();
  const unlocated = new Map<string, number>();
  let unreadable = 0;
  const catalogue = SchemaCatalogue.load();
  const log = new KafkaEventLog(config.kafka);
  try {
    const records = log.read(`${config.kafka.topicPrefix}cutover.mutations`, since.kind === 'time' ? { fromTimestamp: Math.max(0, since.ms - CLOCK_SKEW_MS) } : {});
    for await (const record of records) {
      if (since.kind === 'position' && (record.partition !== since.partition || BigInt(record.offset) < since.offset)) continue;
      let mutations;
      try {
        mutations = readMutations(record, catalogue);
      } catch (error) {
        if (!(error instanceof EventLogError)) throw error;
        unreadable++;
        continue;
      }
      for (const m of mutations) {
        if (since.kind === 'time' && m.receivedAt < since.ms) continue;
        for (const statement of m.children.length > 0 ? m.children : [m]) {
          const table = `${statement.keyspace ?? ''}.${statement.table ?? ''}`;
          if (!tables.has(table)) continue;
          const key = partitionKey(statement.partitionKey);
          if (key === undefined) unlocated.set(table, (unlocated.get(table) ?? 0) + 1);
          else (partitions.get(table) ?? partitions.set(table, new Map()).get(table)!).set(key.map((k) => k.toString('hex')).join('.'), key);
        }
      }
    }
  } finally {
    await log.close();
  }
  return { partitions: new Map([...partitions].map(([table, keys]) => [table, [...keys.values()]])), unlocated, unreadable };
}

/** A partition key's values, when the log has every one of them. */
function partitionKey(values: readonly LoggedValue[] | null): Buffer[] | undefined {
  if (values === null || values.some((v) => v.bytes === null)) return undefined;
  return values.map((v) => v.bytes!);
}
