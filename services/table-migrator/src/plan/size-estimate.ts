import type cassandra from 'cassandra-driver';

/**
 * About how many bytes a table holds on the node `client` talks to, from the estimates
 * Cassandra keeps in system.size_estimates (refreshed every few minutes: a new table reads 0).
 * Summed over the node's ranges; with several nodes, ask each or scale by the replication.
 */
export async function estimateTableBytes(client: cassandra.Client, keyspace: string, table: string): Promise<number> {
  const result = await client.execute('SELECT mean_partition_size, partitions_count FROM system.size_estimates WHERE keyspace_name = ? AND table_name = ?', [keyspace, table], { prepare: true });
  return result.rows.reduce((sum, row) => sum + Number(row['mean_partition_size']) * Number(row['partitions_count']), 0);
}
