export { MAX_RECORDED_ROWS, type CollectionVerification, type DocumentDifference, type Command, type CommandEnvelope, type DifferenceKind, type DifferingRow, type Observed, type Scope, type Verification } from './commands.js';
export { isCollectionFact, isFact, type CollectionFact, type Event, type EventEnvelope, type Fact, type IdRange } from './events.js';
export { collectionOrder, needsSweep, newCollection, type CollectionCopy, type LastCollectionVerification, type CollectionState, type LoadedDocuments } from './collection-state.js';
export { commitGate, decide } from './decide.js';
export { PLAN_LEASE_MS, auditTrail, evolve, initialState, replay, tableOrder, type AuditEntry, type MigrationState, type TableCopy, type TableState, type LastVerification, type SharedVerification } from './state.js';
export { copyFinished, tableProgress, type TableProgress } from './progress.js';
export { rebuild, type LoggedFact, type Rebuilt } from './rebuild.js';
export { collectionProgress, type CollectionProgress } from './collection-progress.js';
export { QUALIFIED_NAME, named, namedRecord, splitQualifiedName, withNamed, type Named } from './named.js';
