export type { ClusterName, Command, CommandEnvelope, ReadMode, Scope } from './commands.js';
export type { Event, EventEnvelope } from './events.js';
export { decide } from './decide.js';
export { auditTrail, evolve, initialState, replay, tableOrder, type AuditEntry, type CollectionState, type MigrationState, type TableState } from './state.js';
