import { quoteIdentifier, quoteQualified } from '@cutover/cql-protocol';
import cassandra from 'cassandra-driver';
import type { CopyPlan } from './copy-plan.js';
import type { Statement } from './row-writes.js';
import type { StagedRow } from './staged-row.js';

const keyed = (plan: CopyPlan): string => [...plan.partitionKey, ...plan.clustering].map((k) => `${quoteIdentifier(k)} = ?`).join(' AND ');

/** The read of a counter row as a cluster has it now: each counter. */
export function counterRead(plan: CopyPlan, row: StagedRow): Statement {
  return {
    query: `SELECT ${plan.columns.map((c) => quoteIdentifier(c.name)).join(', ')} FROM ${quoteQualified(plan.keyspace, plan.table)} WHERE ${keyed(plan)}`,
    params: [...row.key],
  };
}

/**
 * What brings target's counters of a row to origin's: each adds the difference between the two
 * counts as `counterRead` found them (undefined: no such row). Nothing when they are equal, so
 * loading again adds nothing.
 */
export function counterUpdate(plan: CopyPlan, row: StagedRow, origin: readonly unknown[] | undefined, target: readonly unknown[] | undefined): Statement[] {
  // A counter never incremented reads as null.
  const count = (values: readonly unknown[] | undefined, i: number): bigint => (values?.[i] === null || values?.[i] === undefined ? 0n : BigInt((values[i] as cassandra.types.Long).toString()));
  // A row origin has and target lacks is written even where it counts 0 (incremented by 0).
  const missing = origin !== undefined && target === undefined;
  const changes = plan.columns.flatMap((column, i) => {
    const difference = count(origin, i) - count(target, i);
    return difference !== 0n || (missing && origin[i] !== null && origin[i] !== undefined) ? [{ name: quoteIdentifier(column.name), difference }] : [];
  });
  if (changes.length === 0) return [];
  return [
    {
      query: `UPDATE ${quoteQualified(plan.keyspace, plan.table)} SET ${changes.map((c) => `${c.name} = ${c.name} + ?`).join(', ')} WHERE ${keyed(plan)}`,
      params: [...changes.map((c) => cassandra.types.Long.fromString(c.difference.toString())), ...row.key],
    },
  ];
}
