import { collectionDdl } from '@cutover/collection-table';
import { cqlString, quoteIdentifier } from '@cutover/cql-protocol';
import type cassandra from 'cassandra-driver';

/**
 * Creates a collection's table on target (and its keyspace, when missing: replicated in each
 * datacenter target has, up to 3 copies), as the Data API creates a collection's. Does nothing
 * to a table already there.
 */
export async function ensureCollectionTable(target: cassandra.Client, keyspace: string, table: string): Promise<void> {
  await target.connect();
  if (!Object.hasOwn(target.metadata.keyspaces, keyspace)) {
    const nodes = new Map<string, number>();
    for (const host of target.hosts.values()) nodes.set(host.datacenter, (nodes.get(host.datacenter) ?? 0) + 1);
    const replication = [...nodes].map(([dc, n]) => `${cqlString(dc)}: ${Math.min(3, n)}`).join(', ');
    await target.execute(`CREATE KEYSPACE IF NOT EXISTS ${quoteIdentifier(keyspace)} WITH replication = {'class': 'NetworkTopologyStrategy', ${replication}}`);
  }
  for (const statement of collectionDdl(keyspace, table)) await target.execute(statement);
}
