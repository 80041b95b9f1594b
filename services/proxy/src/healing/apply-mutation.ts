import type { LoggedMutation, LoggedValue } from '@cutover/mutation-log';
import cassandra from 'cassandra-driver';

/**
 * Applies a logged mutation to a cluster as the proxy did: the same statement, the values as
 * the client's driver encoded them, and the same write timestamp, so that applying it again,
 * or after newer writes, changes nothing the original would not have.
 *
 * Values go positionally as raw bytes: a Buffer with no type hint is sent as it is, and the
 * cluster reads it as the column's type.
 */
export async function applyMutation(client: cassandra.Client, mutation: LoggedMutation): Promise<void> {
  const keyspace = mutation.keyspace ?? mutation.children[0]?.keyspace ?? null;
  // Unqualified table names resolve in the keyspace the client had chosen with USE.
  if (keyspace !== null && client.keyspace !== keyspace) await client.execute(`USE "${keyspace.replaceAll('"', '""')}"`);
  const options: cassandra.QueryOptions = {
    prepare: false,
    consistency: mutation.consistency,
    // A Long: write timestamps use all 64 bits, past what a JS number holds exactly.
    ...(mutation.writeTimestamp === null || mutation.kind === 'DDL' ? {} : { timestamp: cassandra.types.Long.fromString(mutation.writeTimestamp.toString()) }),
  };
  if (mutation.kind === 'BATCH') {
    await client.batch(mutation.children.map((child) => ({ query: child.statement, params: params(child.values) })), { ...options, logged: true });
  } else {
    await client.execute(mutation.statement, params(mutation.values), options);
  }
}

function params(values: readonly LoggedValue[]): unknown[] {
  return values.map((v) => (v.unset ? cassandra.types.unset : v.bytes));
}
