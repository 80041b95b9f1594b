import type { ClusterName } from '@cutover/config';
import type { PreparedMetadata, StatementInfo } from '@cutover/cql-protocol';
import type { InjectedVariable } from './nondeterministic.js';

/** A statement prepared on both clusters, under the id the client knows it by. */
export interface PreparedStatement {
  /** The id the client executes it with: the primary's id at prepare time. */
  readonly clientId: Buffer;
  /** The text prepared on the clusters (now() and uuid() already turned into markers, if replaced). */
  readonly query: string;
  readonly info: StatementInfo;
  /** Bound variables as the primary described them (names, types, partition key indexes). */
  readonly variables: PreparedMetadata;
  /** Variables the proxy fills itself, which the client does not know about. */
  readonly injected: readonly InjectedVariable[];
  /** Each cluster's own id; a cluster that re-prepares after a restart may get a new one. */
  readonly ids: Record<ClusterName, Buffer>;
}

/**
 * Shared by every client session: drivers prepare on one connection and execute on any other.
 * Bounded; an evicted statement costs the client one UNPREPARED and a re-prepare.
 */
export class PreparedCache {
  private readonly byClientId = new Map<string, PreparedStatement>();
  /** Partition key column names by `keyspace.table`, as prepared statements revealed them. */
  private readonly partitionKeys = new Map<string, readonly string[]>();
  misses = 0;

  constructor(private readonly capacity = 20_000) {}

  add(statement: PreparedStatement): void {
    const key = statement.clientId.toString('hex');
    this.byClientId.delete(key);
    this.byClientId.set(key, statement);
    if (this.byClientId.size > this.capacity) this.byClientId.delete(this.byClientId.keys().next().value!);
    this.learnPartitionKey(statement.variables);
  }

  /**
   * The partition key columns of a table, once a statement binding all of them was prepared:
   * Cassandra lists partition key indexes only for variables that are the key columns
   * themselves (so their names are the columns').
   */
  partitionKeyOf(keyspace: string, table: string): readonly string[] | undefined {
    return this.partitionKeys.get(`${keyspace}.${table}`);
  }

  private learnPartitionKey(variables: PreparedStatement['variables']): void {
    const columns = variables.pkIndexes.map((i) => variables.columns[i]);
    const first = columns[0];
    if (first === undefined || !columns.every((c) => c !== undefined && c.keyspace === first.keyspace && c.table === first.table)) return;
    if (this.partitionKeys.size >= this.capacity) this.partitionKeys.clear();
    this.partitionKeys.set(`${first.keyspace}.${first.table}`, columns.map((c) => c!.name));
  }

  get(clientId: Buffer): PreparedStatement | undefined {
    const found = this.byClientId.get(clientId.toString('hex'));
    if (found === undefined) this.misses++;
    return found;
  }

  get size(): number {
    return this.byClientId.size;
  }
}
