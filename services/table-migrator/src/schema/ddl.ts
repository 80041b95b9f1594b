import type { IndexSchema, KeyspaceSchema, TableSchema, UdtSchema } from './schema.js';

/** A CQL identifier, quoted so that any name (mixed case, reserved words) reads back as itself. */
export function identifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function qualified(keyspace: string, name: string): string {
  return `${identifier(keyspace)}.${identifier(name)}`;
}

export function createKeyspace(keyspace: KeyspaceSchema): string {
  const replication = Object.entries(keyspace.replication).map(([k, v]) => `${literal(k)}: ${literal(v)}`);
  return `CREATE KEYSPACE IF NOT EXISTS ${identifier(keyspace.name)} WITH replication = {${replication.join(', ')}} AND durable_writes = ${keyspace.durableWrites}`;
}

export function createType(type: UdtSchema): string {
  return `CREATE TYPE IF NOT EXISTS ${qualified(type.keyspace, type.name)} (${type.fields.map((f) => `${identifier(f.name)} ${f.type}`).join(', ')})`;
}

export function createTable(table: TableSchema): string {
  const columns = table.columns.map((c) => `${identifier(c.name)} ${c.type}${c.kind === 'static' ? ' STATIC' : ''}`);
  const partition = table.columns.filter((c) => c.kind === 'partition_key').map((c) => identifier(c.name));
  const clustering = table.columns.filter((c) => c.kind === 'clustering');
  const key = [`(${partition.join(', ')})`, ...clustering.map((c) => identifier(c.name))].join(', ');
  const order = clustering.map((c) => `${identifier(c.name)} ${c.clusteringOrder === 'desc' ? 'DESC' : 'ASC'}`);
  return `CREATE TABLE IF NOT EXISTS ${qualified(table.keyspace, table.name)} (${columns.join(', ')}, PRIMARY KEY (${key}))${order.length > 0 ? ` WITH CLUSTERING ORDER BY (${order.join(', ')})` : ''}`;
}

export function createIndex(table: TableSchema, index: IndexSchema): string {
  const { target = '', class_name: className, ...others } = index.options;
  const on = `${identifier(index.name)} ON ${qualified(table.keyspace, table.name)} (${target})`;
  if (index.kind !== 'CUSTOM' || className === undefined) return `CREATE INDEX IF NOT EXISTS ${on}`;
  const options = Object.entries(others).map(([k, v]) => `${literal(k)}: ${literal(v)}`);
  return `CREATE CUSTOM INDEX IF NOT EXISTS ${on} USING ${literal(className)}${options.length > 0 ? ` WITH OPTIONS = {${options.join(', ')}}` : ''}`;
}
