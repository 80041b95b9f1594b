import { splitQualifiedName } from '@cutover/migration-state';
import { MigratorError } from '../errors.js';
import { createIndex, createKeyspace, createTable, createType } from './ddl.js';
import { type ColumnSchema, type KeyspaceSchema, type SchemaSnapshot, type TableSchema, type UdtSchema } from './schema.js';

/** What target needs to take the tables' data: DDL statements, in the order to run them. */
export interface SchemaPlan {
  readonly statements: readonly string[];
}

/**
 * Plans the schema target needs for `tables` (`keyspace.table`): what is missing there is
 * created as origin has it (keyspace, user types in dependency order, table, indexes); what
 * exists must be able to take origin's data, or the plan is refused with every difference
 * named (SCHEMA_INCOMPATIBLE). Target may have more: extra regular columns, types' extra
 * trailing fields, other tables and indexes.
 */
export function planSchema(origin: SchemaSnapshot, target: SchemaSnapshot, tables: readonly string[]): SchemaPlan {
  const statements: string[] = [];
  const differences: string[] = [];
  const wanted = tables.map((t) => splitQualifiedName(t));
  for (const keyspace of new Set(wanted.map(([keyspace]) => keyspace))) {
    const source = origin.keyspaces.get(keyspace);
    if (source === undefined) throw new MigratorError('SCHEMA_NOT_FOUND', `keyspace ${keyspace} does not exist on origin`);
    const existing = target.keyspaces.get(keyspace);
    if (existing === undefined) statements.push(createKeyspace(source));
    for (const type of typesInDependencyOrder(source)) {
      const there = existing?.types.get(type.name);
      if (there === undefined) statements.push(createType(type));
      else differences.push(...typeDifferences(type, there));
    }
  }
  for (const [keyspace, name] of wanted) {
    const table = origin.keyspaces.get(keyspace)!.tables.get(name);
    if (table === undefined) throw new MigratorError('SCHEMA_NOT_FOUND', `table ${keyspace}.${name} does not exist on origin`);
    const there = target.keyspaces.get(keyspace)?.tables.get(name);
    if (there === undefined) statements.push(createTable(table));
    else differences.push(...tableDifferences(table, there));
    const indexes = new Set(there?.indexes.map((i) => i.name));
    for (const index of table.indexes) if (!indexes.has(index.name)) statements.push(createIndex(table, index));
  }
  if (differences.length > 0) throw new MigratorError('SCHEMA_INCOMPATIBLE', `target cannot take origin's data: ${differences.join('; ')}`);
  return { statements };
}

/** A keyspace's user types, each after the types its fields use. */
function typesInDependencyOrder(keyspace: KeyspaceSchema): UdtSchema[] {
  const ordered: UdtSchema[] = [];
  const placed = new Set<string>();
  const place = (type: UdtSchema, path: readonly string[]): void => {
    if (placed.has(type.name) || path.includes(type.name)) return;
    for (const field of type.fields) {
      for (const used of namesIn(field.type)) {
        const dependency = keyspace.types.get(used);
        if (dependency !== undefined) place(dependency, [...path, type.name]);
      }
    }
    placed.add(type.name);
    ordered.push(type);
  };
  for (const type of [...keyspace.types.values()].sort((a, b) => a.name.localeCompare(b.name))) place(type, []);
  return ordered;
}

/** The identifiers in a CQL type string, unquoted: `frozen<list<"Phone">>` → frozen, list, Phone. */
function namesIn(type: string): string[] {
  return [...type.matchAll(/"((?:[^"]|"")*)"|([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => (m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2]!));
}

function typeDifferences(origin: UdtSchema, target: UdtSchema): string[] {
  const name = `type ${origin.keyspace}.${origin.name}`;
  return origin.fields.flatMap((field, i) => {
    const there = target.fields[i];
    if (there === undefined) return [`${name}: field ${field.name} is missing on target`];
    if (there.name !== field.name || there.type !== field.type) return [`${name}: field ${i + 1} is ${field.name} ${field.type} on origin, ${there.name} ${there.type} on target`];
    return [];
  });
}

function describe(column: ColumnSchema): string {
  if (column.kind === 'partition_key') return `partition key column ${column.position + 1}`;
  if (column.kind === 'clustering') return `clustering column ${column.position + 1} (${column.clusteringOrder})`;
  return column.kind;
}

function tableDifferences(origin: TableSchema, target: TableSchema): string[] {
  const name = `table ${origin.keyspace}.${origin.name}`;
  const differences: string[] = [];
  for (const column of origin.columns) {
    const there = target.columns.find((c) => c.name === column.name);
    if (there === undefined) differences.push(`${name}: column ${column.name} ${column.type} is missing on target`);
    else if (there.type !== column.type) differences.push(`${name}: column ${column.name} is ${column.type} on origin, ${there.type} on target`);
    else if (describe(there) !== describe(column)) differences.push(`${name}: column ${column.name} is ${describe(column)} on origin, ${describe(there)} on target`);
  }
  for (const there of target.columns) {
    const keyed = there.kind === 'partition_key' || there.kind === 'clustering';
    if (keyed && !origin.columns.some((c) => c.name === there.name)) differences.push(`${name}: target's primary key has ${there.name}, origin's does not`);
  }
  return differences;
}
