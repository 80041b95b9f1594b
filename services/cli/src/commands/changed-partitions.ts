import type { Config } from '@cutover/config';
import type { LoggedValue } from '@cutover/mutation-log';
import { mutationsBetween, type Bound } from './mutation-window.js';

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
  for await (const m of mutationsBetween(config, { from: since }, () => unreadable++)) {
    for (const statement of m.children.length > 0 ? m.children : [m]) {
      const table = `${statement.keyspace ?? ''}.${statement.table ?? ''}`;
      if (!tables.has(table)) continue;
      const key = partitionKeyOf(statement);
      if (key === undefined) unlocated.set(table, (unlocated.get(table) ?? 0) + 1);
      else (partitions.get(table) ?? partitions.set(table, new Map()).get(table)!).set(key.map((k) => k.toString('hex')).join('.'), key);
    }
  }
  return { partitions: new Map([...partitions].map(([table, keys]) => [table, [...keys.values()]])), unlocated, unreadable };
}

/** A logged statement's partition key's values, when the log has every one of them. */
export function partitionKeyOf(statement: { readonly partitionKey: readonly LoggedValue[] | null }): Buffer[] | undefined {
  const values = statement.partitionKey;
  if (values === null || values.some((v) => v.bytes === null)) return undefined;
  return values.map((v) => v.bytes!);
}
