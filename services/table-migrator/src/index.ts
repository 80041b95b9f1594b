export { MigratorError, type MigratorErrorCode } from './errors.js';
export { planSchema, type SchemaPlan } from './schema/plan-schema.js';
export { readSchema } from './schema/read-schema.js';
export { splitName, type ColumnSchema, type IndexSchema, type KeyspaceSchema, type SchemaSnapshot, type TableSchema, type UdtSchema } from './schema/schema.js';
export { syncSchema } from './schema/sync-schema.js';
export { DEFAULT_SIZING, chunkCount, planChunks, type Chunk, type ChunkSizing } from './plan/chunk-plan.js';
export { estimateTableBytes } from './plan/size-estimate.js';
export { MAX_TOKEN, MIN_TOKEN, splitRing, type TokenRange } from './plan/token-ring.js';
export { unloadItem, type WorkItem } from './plan/work-item.js';
