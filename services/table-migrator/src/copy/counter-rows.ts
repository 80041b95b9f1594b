import cassandra from 'cassandra-driver';
import { identifier } from '../schema/ddl.js';
import { exactJson, type ChunkRecord, type Statement } from './chunk-rows.js';
import type { CopyPlan } from './copy-plan.js';

const keyed = (plan: CopyPlan): string => [...plan.partitionKey, ...plan.clustering].map((k) => `${identifier(k)} = fromJson(?)`).join(' AND ');
const keyValues = (plan: CopyPlan, record: ChunkRecord): string[] => record.slice(0, plan.partitionKey.length + plan.clustering.length).map(exactJson);

/** The read of a counter record's row as a cluster has it now: each counter as JSON. */
export function counterRead(plan: CopyPlan, record: ChunkRecord): Statement {
  return {
    query: `SELECT ${plan.columns.map((c) => `toJson(${identifier(c.name)})`).join(', ')} FROM ${identifier(plan.keyspace)}.${identifier(plan.table)} WHERE ${keyed(plan)}`,
    params: keyValues(plan, record),
  };
}

/**
 * What brings target's counters of a row to origin's: each adds the difference between the two
 * counts as `counterRead` found them (undefined: no such row). Nothing when they are equal, so
 * loading again adds nothing.
 */
export function counterUpdate(plan: CopyPlan, record: ChunkRecord, origin: readonly unknown[] | undefined, target: readonly unknown[] | undefined): Statement[] {
  // Counters come as toJson's text: a number, or 'null' for one never incremented.
  const count = (row: readonly unknown[] | undefined, i: number): bigint => (typeof row?.[i] === 'string' && row[i] !== 'null' ? BigInt(row[i]) : 0n);
  // A row origin has and target lacks is written even where it counts 0 (incremented by 0).
  const missing = origin !== undefined && target === undefined;
  const changes = plan.columns.flatMap((column, i) => {
    const difference = count(origin, i) - count(target, i);
    return difference !== 0n || (missing && typeof origin[i] === 'string' && origin[i] !== 'null') ? [{ name: identifier(column.name), difference }] : [];
  });
  if (changes.length === 0) return [];
  return [
    {
      query: `UPDATE ${identifier(plan.keyspace)}.${identifier(plan.table)} SET ${changes.map((c) => `${c.name} = ${c.name} + ?`).join(', ')} WHERE ${keyed(plan)}`,
      params: [...changes.map((c) => cassandra.types.Long.fromString(c.difference.toString())), ...keyValues(plan, record)],
    },
  ];
}
