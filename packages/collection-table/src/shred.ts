import { createHash } from 'node:crypto';
import { CutoverError } from '@cutover/errors';
import { docJson } from './doc-json.js';
import { extended, isArray, isObject, type DocObject, type DocValue, type Extended } from './document.js';
import { JsonNumber } from './json-number.js';

/**
 * A document's row in a collection table, as the Data API writes it (its `DocumentShredder`):
 * the key from `_id`, the whole document as JSON, and the query columns its filters use.
 * Sets and maps are keyed by path: property names joined by `.`, array indexes as segments, a
 * `.` in a name written `&.` and a `&` written `&&`.
 */
export interface CollectionRow {
  /** `_id` as the key tuple: its type (1 text, uuid or ObjectId; 2 number; 3 boolean; 4 null; 5 date) and text. */
  readonly key: readonly [number, string];
  readonly docJson: string;
  readonly existKeys: ReadonlySet<string>;
  readonly arraySize: ReadonlyMap<string, number>;
  /** `path value-hash` for each atomic value and for each array element (under the array's path too); never `_id`. */
  readonly arrayContains: ReadonlySet<string>;
  readonly queryBoolValues: ReadonlyMap<string, 0 | 1>;
  readonly queryDblValues: ReadonlyMap<string, JsonNumber>;
  /** Strings, uuids and ObjectIds (normalised), and the bounded hashes of arrays and objects. */
  readonly queryTextValues: ReadonlyMap<string, string>;
  /** Dates, ms since the epoch. */
  readonly queryTimestampValues: ReadonlyMap<string, bigint>;
  readonly queryNullValues: ReadonlySet<string>;
}

/** A document the Data API would refuse, and why. */
export interface BadDocument {
  readonly bad: string;
}

/** The Data API's default limits on a document (its DocumentLimitsConfig). */
export const DOCUMENT_LIMITS = {
  /** Characters of doc_json. */
  maxSize: 4_000_000,
  /** The document is 1; each object or array in it one more. */
  maxDepth: 16,
  /** Characters of a property's path: names and the dots between them (array indexes not counted). */
  maxPathLength: 1000,
  maxObjectProperties: 1000,
  maxDocumentProperties: 2000,
  maxArrayLength: 1000,
  /** UTF-8 bytes of a string. */
  maxStringBytes: 8000,
  /** Characters of a number as written. */
  maxNumberLength: 100,
} as const;

const KEY_TYPE = { text: 1, number: 2, boolean: 3, null: 4, date: 5 } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OBJECT_ID = /^[0-9a-f]{24}$/i;

/**
 * The row the Data API would write for `document`, or why it would refuse it: an `_id` it does
 * not take (an array, an object, an empty string, a binary), a property named `$…` or with no
 * name, an extended JSON value it does not know, or a document past its limits.
 */
export function shred(document: DocObject): CollectionRow | BadDocument {
  const id = document['_id'];
  if (id === undefined) return { bad: 'the document has no _id' };
  const key = idKey(id);
  if ('bad' in key) return key;
  const json = docJson({ ...document, _id: id });
  if (json.length > DOCUMENT_LIMITS.maxSize) return { bad: `the document is ${json.length} characters of JSON, more than the Data API's ${DOCUMENT_LIMITS.maxSize}` };
  const shredder = new Shredder();
  try {
    shredder.object(document, '', '', 1);
  } catch (error) {
    if (error instanceof Refusal) return { bad: error.message };
    throw error;
  }
  return { key, docJson: json, ...shredder.columns };
}

/** The key tuple of an `_id`. */
function idKey(id: DocValue): readonly [number, string] | BadDocument {
  if (id === null) return [KEY_TYPE.null, 'null'];
  if (typeof id === 'boolean') return [KEY_TYPE.boolean, String(id)];
  if (typeof id === 'string') return id === '' ? { bad: '_id is an empty string, which the Data API does not take' } : [KEY_TYPE.text, id];
  if (id instanceof JsonNumber) return [KEY_TYPE.number, id.toString()];
  const value = extended(id);
  if (value?.kind === '$date') return [KEY_TYPE.date, value.ms.toString()];
  if (value?.kind === '$uuid' || value?.kind === '$objectId') {
    const normal = normalised(value);
    return typeof normal === 'string' ? [KEY_TYPE.text, normal] : normal;
  }
  return { bad: `_id is ${isArray(id) ? 'an array' : value?.kind === '$binary' ? 'a binary' : 'an object'}: the Data API takes a string, number, boolean, date, uuid, ObjectId or null` };
}

/** A uuid or ObjectId as the Data API indexes it: lower case. */
function normalised(value: Extract<Extended, { kind: '$uuid' | '$objectId' }>): string | BadDocument {
  const valid = value.kind === '$uuid' ? UUID : OBJECT_ID;
  return valid.test(value.text) ? value.text.toLowerCase() : { bad: `${value.kind} "${value.text}" is not ${value.kind === '$uuid' ? 'a uuid' : 'an ObjectId (24 hexadecimal digits)'}` };
}

class Refusal extends CutoverError<'DOCUMENT_REFUSED'> {
  constructor(message: string) {
    super('DOCUMENT_REFUSED', message);
  }
}

/** One document's traversal: the columns filled, and the limits counted, as it goes. */
class Shredder {
  readonly columns = {
    existKeys: new Set<string>(),
    arraySize: new Map<string, number>(),
    arrayContains: new Set<string>(),
    queryBoolValues: new Map<string, 0 | 1>(),
    queryDblValues: new Map<string, JsonNumber>(),
    queryTextValues: new Map<string, string>(),
    queryTimestampValues: new Map<string, bigint>(),
    queryNullValues: new Set<string>(),
  };
  private properties = 0;

  /** An object's properties; `path` and `length` (its path's length as the limit counts it) are empty at the root. */
  object(value: DocObject, path: string, length: string, depth: number): void {
    const names = Object.keys(value);
    this.properties += names.length;
    if (names.length > DOCUMENT_LIMITS.maxObjectProperties) throw new Refusal(`${where(path, 'the document')} has ${names.length} properties, more than the Data API's ${DOCUMENT_LIMITS.maxObjectProperties}`);
    if (this.properties > DOCUMENT_LIMITS.maxDocumentProperties) throw new Refusal(`the document has more than the Data API's ${DOCUMENT_LIMITS.maxDocumentProperties} properties in all`);
    for (const name of names) {
      if (name === '') throw new Refusal(`${where(path, 'the document')} has a property with no name`);
      if (name.startsWith('$')) throw new Refusal(`${where(path, 'the document')} has a property named "${name}": the Data API takes no name that begins with $`);
      const segment = name.replaceAll('&', '&&').replaceAll('.', '&.');
      const inner = path === '' ? segment : `${path}.${segment}`;
      const innerLength = length === '' ? name : `${length}.${name}`;
      if (innerLength.length > DOCUMENT_LIMITS.maxPathLength) throw new Refusal(`the path of ${inner.slice(0, 60)}… is ${innerLength.length} characters, more than the Data API's ${DOCUMENT_LIMITS.maxPathLength}`);
      this.value(value[name]!, inner, innerLength, depth);
    }
  }

  private value(value: DocValue, path: string, length: string, depth: number): void {
    this.columns.existKeys.add(path);
    const ext = extended(value);
    if (isArray(value) || (isObject(value) && ext === undefined)) {
      if (depth + 1 > DOCUMENT_LIMITS.maxDepth) throw new Refusal(`${path} is nested deeper than the Data API's ${DOCUMENT_LIMITS.maxDepth} levels`);
      this.columns.queryTextValues.set(path, valueHash(value));
      if (!isArray(value)) return this.object(value, path, length, depth + 1);
      const elements = value;
      if (elements.length > DOCUMENT_LIMITS.maxArrayLength) throw new Refusal(`${path} has ${elements.length} elements, more than the Data API's ${DOCUMENT_LIMITS.maxArrayLength}`);
      this.columns.arraySize.set(path, elements.length);
      for (const element of elements) this.columns.arrayContains.add(`${path} ${valueHash(element)}`);
      elements.forEach((element, i) => this.value(element, `${path}.${i}`, length, depth + 1));
      return;
    }
    // An extended JSON value is an object of one property: a level, as the Data API counts.
    if (ext !== undefined && depth + 1 > DOCUMENT_LIMITS.maxDepth) throw new Refusal(`${path} is nested deeper than the Data API's ${DOCUMENT_LIMITS.maxDepth} levels`);
    if (ext !== undefined) this.properties++;
    const atomic = this.atomic(value, ext, path);
    if (path !== '_id') this.columns.arrayContains.add(`${path} ${bounded(atomic)}`);
  }

  /** Files an atomic value in its column; returns its typed text (what is hashed in array_contains). */
  private atomic(value: DocValue, ext: Extended | undefined, path: string): string {
    const c = this.columns;
    if (value === null) {
      c.queryNullValues.add(path);
      return 'Z';
    }
    if (typeof value === 'boolean') {
      c.queryBoolValues.set(path, value ? 1 : 0);
      return value ? 'B1' : 'B0';
    }
    if (typeof value === 'string') {
      const bytes = Buffer.byteLength(value);
      if (bytes > DOCUMENT_LIMITS.maxStringBytes) throw new Refusal(`${path} is a string of ${bytes} bytes, more than the Data API's ${DOCUMENT_LIMITS.maxStringBytes}`);
      c.queryTextValues.set(path, value);
      return `S${value}`;
    }
    if (value instanceof JsonNumber) {
      const text = value.toString();
      if (text.length > DOCUMENT_LIMITS.maxNumberLength) throw new Refusal(`${path} is a number of ${text.length} characters, more than the Data API's ${DOCUMENT_LIMITS.maxNumberLength}`);
      c.queryDblValues.set(path, value);
      return `N${value.toPlainString()}`;
    }
    if (ext === undefined) throw new Refusal(`${path} is an object the Data API does not know: ${Object.keys(value).join(', ')}`);
    if (ext.kind === '$date') {
      c.queryTimestampValues.set(path, ext.ms);
      return `T${ext.ms}`;
    }
    // The Data API's own handling of a $binary outside $vector stores the bytes' Java identity
    // (not deterministic); its base64 text is stored instead (see the README).
    const text = ext.kind === '$binary' ? ext.text : normalised(ext);
    if (typeof text !== 'string') throw new Refusal(`${path}: ${text.bad}`);
    c.queryTextValues.set(path, text);
    return `S${text}`;
  }
}

function where(path: string, root: string): string {
  return path === '' ? root : path;
}

/**
 * The Data API's hash of a value (its DocValueHasher), bounded: atomic values typed (`S`, `N`,
 * `B1`/`B0`, `Z`, `T`), arrays and objects by their size and their elements' or properties'
 * hashes; only `$date` is told apart among extended values here.
 */
function valueHash(value: DocValue): string {
  if (isArray(value)) return bounded(`A${value.length}${value.map((e) => `\n${valueHash(e)}`).join('')}`);
  if (isObject(value)) {
    const ext = extended(value);
    if (ext?.kind === '$date') return bounded(`T${ext.ms}`);
    const names = Object.keys(value);
    return bounded(`O${names.length}${names.map((name) => `\n${name}\n${valueHash(value[name]!)}`).join('')}`);
  }
  if (value === null) return 'Z';
  if (typeof value === 'boolean') return value ? 'B1' : 'B0';
  if (typeof value === 'string') return bounded(`S${value}`);
  return bounded(`N${value.toPlainString()}`);
}

/** A hash's text as stored: itself below 22 characters, else the base64 of its MD5 (unpadded, 22 characters). */
function bounded(full: string): string {
  return full.length < 22 ? full : createHash('md5').update(full, 'utf8').digest('base64').replace(/=+$/, '');
}
