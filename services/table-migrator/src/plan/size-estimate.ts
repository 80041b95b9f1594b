import type cassandra from 'cassandra-driver';

const ESTIMATES = 'SELECT mean_partition_size, partitions_count FROM system.size_estimates WHERE keyspace_name = ? AND table_name = ?';

/**
 * About how many bytes a table holds, from the estimates Cassandra keeps in
 * system.size_estimates (refreshed every few minutes: a new table reads 0). Each node keeps
 * those of its primary ranges only, so every node is asked and the answers summed; a node that
 * does not answer counts as empty (the estimate only sizes the chunks).
 */
export async function estimateTableBytes(client: cassandra.Client, keyspace: string, table: string): Promise<number> {
  await client.connect();
  const answers = await Promise.allSettled(client.hosts.values().map((host) => client.execute(ESTIMATES, [keyspace, table], { prepare: true, host })));
  return answers.reduce((sum, answer) => (answer.status === 'rejected' ? sum : sum + answer.value.rows.reduce((bytes, row) => bytes + Number(row['mean_partition_size']) * Number(row['partitions_count']), 0)), 0);
}
