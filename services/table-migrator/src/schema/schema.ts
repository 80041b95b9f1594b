/** A cluster's schema as system_schema describes it: what the migrator reads and compares. */
export interface SchemaSnapshot {
  readonly keyspaces: ReadonlyMap<string, KeyspaceSchema>;
}

export interface KeyspaceSchema {
  readonly name: string;
  /** As system_schema.keyspaces holds it: the strategy class and its options. */
  readonly replication: Readonly<Record<string, string>>;
  readonly durableWrites: boolean;
  readonly types: ReadonlyMap<string, UdtSchema>;
  readonly tables: ReadonlyMap<string, TableSchema>;
}

export interface UdtSchema {
  readonly keyspace: string;
  readonly name: string;
  readonly fields: readonly { readonly name: string; readonly type: string }[];
}

export type ColumnKind = 'partition_key' | 'clustering' | 'static' | 'regular';

export interface ColumnSchema {
  readonly name: string;
  /** CQL type, as system_schema writes it: `frozen<map<text, int>>`, `address`, … */
  readonly type: string;
  readonly kind: ColumnKind;
  /** Place in the partition key or among the clustering columns; -1 for the others. */
  readonly position: number;
  readonly clusteringOrder: 'asc' | 'desc' | 'none';
}

export interface IndexSchema {
  readonly name: string;
  readonly kind: 'COMPOSITES' | 'KEYS' | 'CUSTOM';
  /** system_schema.indexes options: `target` (the column, or `values(c)`, `keys(c)`, …) and, for custom indexes, `class_name`. */
  readonly options: Readonly<Record<string, string>>;
}

export interface TableSchema {
  readonly keyspace: string;
  readonly name: string;
  /** Partition key, then clustering columns, in key order, then the others by name. */
  readonly columns: readonly ColumnSchema[];
  readonly indexes: readonly IndexSchema[];
}

/** The keyspace's schema under another name: its tables and types, without their indexes (a scratch copy to replay into). */
export function renameKeyspace(keyspace: KeyspaceSchema, name: string): KeyspaceSchema {
  return {
    ...keyspace,
    name,
    types: new Map([...keyspace.types].map(([typeName, type]) => [typeName, { ...type, keyspace: name }])),
    tables: new Map([...keyspace.tables].map(([tableName, table]) => [tableName, { ...table, keyspace: name, indexes: [] }])),
  };
}
