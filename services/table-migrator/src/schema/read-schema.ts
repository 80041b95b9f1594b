import type cassandra from 'cassandra-driver';
import type { ColumnKind, ColumnSchema, IndexSchema, KeyspaceSchema, SchemaSnapshot, TableSchema, UdtSchema } from './schema.js';

/** The keyspaces' schema as `client`'s cluster has it (keyspaces it does not have are absent). */
export async function readSchema(client: cassandra.Client, keyspaces: readonly string[]): Promise<SchemaSnapshot> {
  const found = new Map<string, KeyspaceSchema>();
  for (const keyspace of new Set(keyspaces)) {
    const schema = await readKeyspace(client, keyspace);
    if (schema !== undefined) found.set(keyspace, schema);
  }
  return { keyspaces: found };
}

async function readKeyspace(client: cassandra.Client, keyspace: string): Promise<KeyspaceSchema | undefined> {
  const rows = async (table: string): Promise<cassandra.types.Row[]> => (await client.execute(`SELECT * FROM system_schema.${table} WHERE keyspace_name = ?`, [keyspace], { prepare: true })).rows;
  const [row] = await rows('keyspaces');
  if (row === undefined) return undefined;
  // The tables first: another process may be creating one meanwhile (each migrator gives
  // target the schema it needs), and a table read before its columns would seem to have none.
  // Its types and columns are in place before it is, and read after it.
  const tableRows = await rows('tables');

  const types = new Map<string, UdtSchema>();
  for (const type of await rows('types')) {
    const names = type['field_names'] as string[];
    const fieldTypes = type['field_types'] as string[];
    types.set(type['type_name'] as string, { keyspace, name: type['type_name'] as string, fields: names.map((name, i) => ({ name, type: fieldTypes[i]! })) });
  }

  const columns = new Map<string, ColumnSchema[]>();
  for (const column of await rows('columns')) {
    const table = column['table_name'] as string;
    columns.set(table, [
      ...(columns.get(table) ?? []),
      {
        name: column['column_name'] as string,
        type: column['type'] as string,
        kind: column['kind'] as ColumnKind,
        position: column['position'] as number,
        clusteringOrder: column['clustering_order'] as ColumnSchema['clusteringOrder'],
      },
    ]);
  }
  const indexes = new Map<string, IndexSchema[]>();
  for (const index of await rows('indexes')) {
    const table = index['table_name'] as string;
    indexes.set(table, [...(indexes.get(table) ?? []), { name: index['index_name'] as string, kind: index['kind'] as IndexSchema['kind'], options: { ...(index['options'] as Record<string, string>) } }]);
  }
  const tables = new Map<string, TableSchema>();
  for (const table of tableRows) {
    const name = table['table_name'] as string;
    tables.set(name, { keyspace, name, columns: inKeyOrder(columns.get(name) ?? []), indexes: indexes.get(name) ?? [] });
  }
  return { name: keyspace, replication: { ...(row['replication'] as Record<string, string>) }, durableWrites: row['durable_writes'] as boolean, types, tables };
}

const KIND_ORDER: Record<ColumnKind, number> = { partition_key: 0, clustering: 1, static: 2, regular: 3 };

function inKeyOrder(columns: readonly ColumnSchema[]): ColumnSchema[] {
  return [...columns].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.position - b.position || a.name.localeCompare(b.name));
}
