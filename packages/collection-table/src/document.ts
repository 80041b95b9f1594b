import { JsonNumber } from './json-number.js';

/**
 * A document as the Data API holds it: JSON, numbers kept exactly, and the extended JSON values
 * it knows as one-property objects: `{$date: ms}`, `{$uuid: text}`, `{$objectId: hex}`,
 * `{$binary: base64}`.
 */
export type DocValue = null | boolean | string | JsonNumber | readonly DocValue[] | DocObject;
export interface DocObject {
  readonly [name: string]: DocValue;
}

/** An extended JSON value of the Data API's. */
export type Extended =
  | { readonly kind: '$date'; readonly ms: bigint }
  | { readonly kind: '$uuid'; readonly text: string }
  | { readonly kind: '$objectId'; readonly text: string }
  | { readonly kind: '$binary'; readonly text: string };

/** The extended JSON value `value` is, if it is one (an object of one property named so). */
export function extended(value: DocValue): Extended | undefined {
  if (!isObject(value)) return undefined;
  const names = Object.keys(value);
  if (names.length !== 1) return undefined;
  const inner = value[names[0]!]!;
  switch (names[0]) {
    case '$date':
      return inner instanceof JsonNumber && inner.integral ? { kind: '$date', ms: inner.unscaled } : undefined;
    case '$uuid':
    case '$objectId':
    case '$binary':
      return typeof inner === 'string' ? ({ kind: names[0], text: inner } as Extended) : undefined;
    default:
      return undefined;
  }
}

export function isObject(value: DocValue): value is DocObject {
  return typeof value === 'object' && value !== null && !isArray(value) && !(value instanceof JsonNumber);
}

/** Array.isArray, for the readonly arrays of a document. */
export function isArray(value: DocValue): value is readonly DocValue[] {
  return Array.isArray(value);
}
