export { JsonNumber } from './json-number.js';
export { extended, isObject, type DocObject, type DocValue, type Extended } from './document.js';
export { docJson } from './doc-json.js';
export { parseDocument } from './parse-document.js';
export { DOCUMENT_LIMITS, shred, type BadDocument, type CollectionRow } from './shred.js';
export { fromBson } from './bson-document.js';
export { collectionDdl, targetName } from './collection-ddl.js';
