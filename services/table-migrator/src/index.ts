export { MigratorError, type MigratorErrorCode } from './errors.js';
export { planSchema, type SchemaPlan } from './schema/plan-schema.js';
export { readSchema } from './schema/read-schema.js';
export { splitName, type ColumnSchema, type IndexSchema, type KeyspaceSchema, type SchemaSnapshot, type TableSchema, type UdtSchema } from './schema/schema.js';
export { syncSchema } from './schema/sync-schema.js';
