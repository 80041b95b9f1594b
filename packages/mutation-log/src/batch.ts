import { AvroWriter, stringBound } from './avro-writer.js';

/** schemas/catalogue.json's id of MutationEvent version 3, the MutationBatch record. */
export const MUTATION_BATCH_SCHEMA_ID = 11;

/**
 * A MutationBatch record in the Confluent wire format, from descriptors and mutations already
 * Avro-encoded (each an array item as is), without decoding or re-encoding them. `descriptors`
 * are already deduplicated and include every statement the mutations name.
 */
export function assembleBatch(proxyId: string, descriptors: readonly Buffer[], mutations: readonly Buffer[]): Buffer {
  const head = new AvroWriter(Buffer.allocUnsafe(5 + stringBound(proxyId) + 10));
  head.raw(WIRE_HEADER);
  head.string(proxyId);
  const parts: Buffer[] = [head.buffer.subarray(0, head.length)];
  arrayOf(descriptors, parts);
  arrayOf(mutations, parts);
  return Buffer.concat(parts);
}

const WIRE_HEADER = (() => {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(MUTATION_BATCH_SCHEMA_ID, 1);
  return header;
})();

/** An Avro array in one block: its count, the items, then the empty block that ends it. */
function arrayOf(items: readonly Buffer[], parts: Buffer[]): void {
  const end = Buffer.of(0);
  if (items.length > 0) {
    const count = new AvroWriter(Buffer.allocUnsafe(10));
    count.long(items.length);
    parts.push(count.buffer.subarray(0, count.length), ...items);
  }
  parts.push(end);
}
