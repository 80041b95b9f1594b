export { clusterTimeOf, versionTime, type ClusterTime } from './cluster-time.js';
export { documentDelete, documentUpsert, type Statement } from './document-writes.js';
export { documentRecord, readDocumentEvent, type DocumentEvent, type DocumentOperation } from './document-event.js';
export { idText, planRanges, rangeFilter } from './id-ranges.js';
export type { DocumentContext } from './document-context.js';
export { CollectionReader, type ReaderOptions } from './collection-reader.js';
export { ensureCollectionTable } from './target-table.js';
export { DocumentLoader, type LoaderOptions } from './document-loader.js';
export { migrateDocuments, type MigrateDocumentsOptions } from './migrate-documents.js';
