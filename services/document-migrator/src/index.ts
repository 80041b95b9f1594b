export { documentDelete, documentUpsert, versionTime, type ClusterTime, type Statement } from './document-writes.js';
