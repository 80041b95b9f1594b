import { JsonNumber } from './json-number.js';
import { isArray, type DocValue } from './document.js';

/**
 * A document as the Data API writes it in `doc_json`: compact JSON, `_id` first, numbers as
 * Jackson writes them (JsonNumber), strings escaped as Jackson does (control characters other
 * than \b \t \n \f \r as \u00XX in upper case).
 */
export function docJson(document: { readonly _id: DocValue } & { readonly [name: string]: DocValue }): string {
  const { _id, ...rest } = document;
  return write({ _id, ...rest });
}

function write(value: DocValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return quote(value);
  if (value instanceof JsonNumber) return value.toString();
  if (isArray(value)) return `[${value.map(write).join(',')}]`;
  return `{${Object.entries(value).map(([name, inner]) => `${quote(name)}:${write(inner)}`).join(',')}}`;
}

const SHORT: Readonly<Record<string, string>> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };

function quote(text: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${text.replace(/["\\\u0000-\u001f]/g, (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`)}"`;
}
