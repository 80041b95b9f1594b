/**
 * A set's, list's or map's native bytes (protocol v3 and later: a 4-byte count, then each
 * element as a 4-byte length and its bytes; a map's entry as its key then its value) taken
 * apart into its elements and put together again, so that some elements alone can be written.
 */

/** Each element's bytes with their length prefixes: a map's entry as its key and value together. */
export function elementsOf(collection: Buffer, map: boolean): Buffer[] {
  const count = collection.readInt32BE(0);
  const elements: Buffer[] = [];
  let at = 4;
  for (let e = 0; e < count; e++) {
    const start = at;
    for (let part = 0; part < (map ? 2 : 1); part++) at += 4 + Math.max(0, collection.readInt32BE(at));
    elements.push(collection.subarray(start, at));
  }
  if (at !== collection.length) throw new RangeError(`a collection of ${count} elements has ${collection.length - at} bytes more`);
  return elements;
}

/** The collection of `elements` (as `elementsOf` gives them). */
export function collectionOf(elements: readonly Buffer[]): Buffer {
  const count = Buffer.alloc(4);
  count.writeInt32BE(elements.length);
  return Buffer.concat([count, ...elements]);
}

/** The items of a list's (or set's) native bytes, without their length prefixes; null where one is null (a TTL list's element without one). */
export function itemsOf(list: Buffer): (Buffer | null)[] {
  const items: (Buffer | null)[] = [];
  let at = 4;
  for (let n = list.readInt32BE(0); n > 0; n--) {
    const length = list.readInt32BE(at);
    items.push(length < 0 ? null : list.subarray(at + 4, at + 4 + length));
    at += 4 + Math.max(0, length);
  }
  return items;
}
