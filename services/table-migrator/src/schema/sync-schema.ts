import type cassandra from 'cassandra-driver';
import { splitQualifiedName } from '@cutover/migration-state';
import { planSchema, type SchemaPlan } from './plan-schema.js';
import { readSchema } from './read-schema.js';
import type { SchemaSnapshot } from './schema.js';

/**
 * Gives target what it needs to take `tables` (`keyspace.table`) from origin, and returns the
 * statements it ran, with origin's schema as it read it. Throws SCHEMA_INCOMPATIBLE, changing
 * nothing, when a table or type that exists on target could not take origin's data.
 */
export async function syncSchema(origin: cassandra.Client, target: cassandra.Client, tables: readonly string[]): Promise<SchemaPlan & { readonly origin: SchemaSnapshot }> {
  const keyspaces = tables.map((t) => splitQualifiedName(t)[0]);
  const originSchema = await readSchema(origin, keyspaces);
  const plan = planSchema(originSchema, await readSchema(target, keyspaces), tables);
  for (const statement of plan.statements) await target.execute(statement);
  return { ...plan, origin: originSchema };
}
