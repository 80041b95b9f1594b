import { identifier } from '../schema/ddl.js';
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
  /**
   * A float or double: read as the number itself, since toJson writes NaN and the infinities
   * as null (inside a collection they stay null, which target refuses: a bad row, not a loss).
   */
  readonly native: boolean;
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
  /** Reads a token range: `token(pk) > ? AND token(pk) <= ?`, every value as Cassandra's own JSON, each row's token last. */
  readonly select: string;
  /**
   * The chunk file's header: the keys, then each column, its writetime and when its TTL ends (a
   * second since the epoch; a counter table: each counter), then the row's token (rows of one
   * replica set are loaded together).
   */
  readonly header: readonly string[];
}

const COLLECTION = /^(list|set|map)</;

/**
 * Plans the copy of `table`. Values travel as Cassandra's JSON (toJson on unload, fromJson on
 * load): exact for every CQL type, nested ones included, and readable in the chunk files.
 * `userTypes` are the keyspace's type names, to tell a non-frozen user type from a primitive.
 */
export function copyPlan(table: TableSchema, userTypes: ReadonlySet<string>): CopyPlan {
  const keys = (kind: 'partition_key' | 'clustering'): string[] => table.columns.filter((c) => c.kind === kind).map((c) => c.name);
  const others = table.columns.filter((c) => c.kind === 'static' || c.kind === 'regular');
  // Cassandra allows counters only beside other counters.
  const counter = others.some((c) => c.type === 'counter');
  const columns = others.map((c) => ({ name: c.name, type: c.type, static: c.kind === 'static', multiCell: COLLECTION.test(c.type) || userTypes.has(unquoted(c.type)), perElement: /^(set|map)</.test(c.type), native: c.type === 'float' || c.type === 'double' }));
  const partitionKey = keys('partition_key');
  const clustering = keys('clustering');
  const selected = [
    ...[...partitionKey, ...clustering].map((k) => `toJson(${identifier(k)})`),
    ...columns.flatMap((c) => {
      const value = c.native ? identifier(c.name) : `toJson(${identifier(c.name)})`;
      return counter ? [value] : [value, `writetime(${identifier(c.name)})`, `ttl(${identifier(c.name)})`];
    }),
  ];
  const token = `token(${partitionKey.map(identifier).join(', ')})`;
  selected.push(token);
  return {
    keyspace: table.keyspace,
    table: table.name,
    partitionKey,
    clustering,
    columns,
    counter,
    select: `SELECT ${selected.join(', ')} FROM ${identifier(table.keyspace)}.${identifier(table.name)} WHERE ${token} > ? AND ${token} <= ?`,
    header: [...partitionKey, ...clustering, ...columns.flatMap((c) => (counter ? [c.name] : [c.name, `${c.name}:writetime`, `${c.name}:expires`])), 'token'],
  };
}

function unquoted(type: string): string {
  return type.startsWith('"') ? type.slice(1, -1).replaceAll('""', '"') : type;
}
