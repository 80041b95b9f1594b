import { cqlString, quoteIdentifier, quoteQualified } from '@cutover/cql-protocol';
import type { IndexSchema, KeyspaceSchema, TableSchema, UdtSchema } from './schema.js';

export function createKeyspace(keyspace: KeyspaceSchema): string {
  const replication = Object.entries(keyspace.replication).map(([k, v]) => `${cqlString(k)}: ${cqlString(v)}`);
  return `CREATE KEYSPACE IF NOT EXISTS ${quoteIdentifier(keyspace.name)} WITH replication = {${replication.join(', ')}} AND durable_writes = ${keyspace.durableWrites}`;
}

export function createType(type: UdtSchema): string {
  return `CREATE TYPE IF NOT EXISTS ${quoteQualified(type.keyspace, type.name)} (${type.fields.map((f) => `${quoteIdentifier(f.name)} ${f.type}`).join(', ')})`;
}

export function createTable(table: TableSchema): string {
  const columns = table.columns.map((c) => `${quoteIdentifier(c.name)} ${c.type}${c.kind === 'static' ? ' STATIC' : ''}`);
  const partition = table.columns.filter((c) => c.kind === 'partition_key').map((c) => quoteIdentifier(c.name));
  const clustering = table.columns.filter((c) => c.kind === 'clustering');
  const key = [`(${partition.join(', ')})`, ...clustering.map((c) => quoteIdentifier(c.name))].join(', ');
  const order = clustering.map((c) => `${quoteIdentifier(c.name)} ${c.clusteringOrder === 'desc' ? 'DESC' : 'ASC'}`);
  return `CREATE TABLE IF NOT EXISTS ${quoteQualified(table.keyspace, table.name)} (${columns.join(', ')}, PRIMARY KEY (${key}))${order.length > 0 ? ` WITH CLUSTERING ORDER BY (${order.join(', ')})` : ''}`;
}

export function createIndex(table: TableSchema, index: IndexSchema): string {
  const { target = '', class_name: className, ...others } = index.options;
  const on = `${quoteIdentifier(index.name)} ON ${quoteQualified(table.keyspace, table.name)} (${target})`;
  if (index.kind !== 'CUSTOM' || className === undefined) return `CREATE INDEX IF NOT EXISTS ${on}`;
  const options = Object.entries(others).map(([k, v]) => `${cqlString(k)}: ${cqlString(v)}`);
  return `CREATE CUSTOM INDEX IF NOT EXISTS ${on} USING ${cqlString(className)}${options.length > 0 ? ` WITH OPTIONS = {${options.join(', ')}}` : ''}`;
}
