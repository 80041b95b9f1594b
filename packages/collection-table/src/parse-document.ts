import { parse } from 'lossless-json';
import type { DocValue } from './document.js';
import { JsonNumber } from './json-number.js';

/** A document from its JSON (doc_json, or the Data API's own), every number kept exactly as a JsonNumber. */
export function parseDocument(json: string): DocValue {
  // lossless-json hands each number over as its text; its own types never reach the document.
  return parse(json, null, (text) => JsonNumber.parse(text)) as DocValue;
}
