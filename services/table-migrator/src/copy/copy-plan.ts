import { quoteIdentifier, quoteQualified } from '@cutover/cql-protocol';
import type { TableSchema } from '../schema/schema.js';

/** A non-key column as the copy moves it: its value with its writetime and TTL. */
export interface CopyColumn {
  readonly name: string;
  readonly type: string;
  readonly static: boolean;
  /**
   * A collection or user type that is not frozen keeps a writetime and TTL per element. A set's
   * or map's elements are copied each with its own (`perElement`); a list or user type is moved
   * whole, with the latest of them (a list's elements cannot be written again idempotently).
   */
  readonly multiCell: boolean;
  readonly perElement: boolean;
  /** A non-frozen list: its elements are added before those target has (see `rowWrites`). */
  readonly list: boolean;
}

/** How one table is copied: what is read from each token range, and the columns of its chunks. */
export interface CopyPlan {
  readonly keyspace: string;
  readonly table: string;
  readonly partitionKey: readonly string[];
  readonly clustering: readonly string[];
  readonly columns: readonly CopyColumn[];
  /**
   * A counter table: its counters have no writetime or TTL, and are loaded as the difference
   * between origin's and target's counts at load time (`loadCounterChunk`).
   */
  readonly counter: boolean;
  /**
   * Reads a token range (`token(pk) > ? AND token(pk) <= ?`): the keys, each column with its
   * writetime and TTL (a counter table: each counter), each row's token last. Every value is
   * read with its own type: no function runs on a cell but writetime and ttl.
   */
  readonly select: string;
  /** `select`'s columns, of one partition (`pk1 = ? AND …`, the partition key's values in order). */
  readonly partitionSelect: string;
}

const COLLECTION = /^(list|set|map)</;

/**
 * Plans the copy of `table`. `userTypes` are the keyspace's type names, to tell a non-frozen
 * user type from a primitive.
 */
export function copyPlan(table: TableSchema, userTypes: ReadonlySet<string>): CopyPlan {
  const keys = (kind: 'partition_key' | 'clustering'): string[] => table.columns.filter((c) => c.kind === kind).map((c) => c.name);
  const others = table.columns.filter((c) => c.kind === 'static' || c.kind === 'regular');
  // Cassandra allows counters only beside other counters.
  const counter = others.some((c) => c.type === 'counter');
  const columns = others.map((c) => ({
    name: c.name,
    type: c.type,
    static: c.kind === 'static',
    multiCell: COLLECTION.test(c.type) || userTypes.has(unquoted(c.type)),
    perElement: /^(set|map)</.test(c.type),
    list: c.type.startsWith('list<'),
  }));
  const partitionKey = keys('partition_key');
  const clustering = keys('clustering');
  const selected = [
    ...[...partitionKey, ...clustering].map(quoteIdentifier),
    ...columns.flatMap((c) => (counter ? [quoteIdentifier(c.name)] : [quoteIdentifier(c.name), `writetime(${quoteIdentifier(c.name)})`, `ttl(${quoteIdentifier(c.name)})`])),
  ];
  const token = `token(${partitionKey.map(quoteIdentifier).join(', ')})`;
  selected.push(token);
  // Aliases: a column may be named like another selector (`"writetime(v)"`), and the driver keys a row's values by name.
  const aliased = selected.map((s, i) => `${s} AS c${i}`).join(', ');
  const from = `SELECT ${aliased} FROM ${quoteQualified(table.keyspace, table.name)}`;
  return {
    keyspace: table.keyspace,
    table: table.name,
    partitionKey,
    clustering,
    columns,
    counter,
    select: `${from} WHERE ${token} > ? AND ${token} <= ?`,
    partitionSelect: `${from} WHERE ${partitionKey.map((k) => `${quoteIdentifier(k)} = ?`).join(' AND ')}`,
  };
}

/** The columns of a chunk file, in order: the primary key's, then the others. */
export function chunkColumns(plan: CopyPlan): string[] {
  return [...plan.partitionKey, ...plan.clustering, ...plan.columns.map((c) => c.name)];
}

function unquoted(type: string): string {
  return type.startsWith('"') ? type.slice(1, -1).replaceAll('""', '"') : type;
}
