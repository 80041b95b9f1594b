import { createHash } from 'node:crypto';
import type { CqlType } from '@cutover/cql-protocol';
import { AvroWriter, stringBound } from './avro-writer.js';
import { typeText } from './cql-type.js';

/** A statement as the proxy knows it once prepared (or once seen, for QUERY). */
export interface StatementDescriptorInput {
  /** The prepared statement's text for EXECUTE; the query's for QUERY. */
  readonly cql: string;
  readonly keyspace?: string | null;
  readonly table?: string | null;
  /** The bound variables in marker order (a prepared statement's ColumnSpecs fit); none for QUERY. */
  readonly columns: readonly { readonly name: string; readonly type: CqlType }[];
  /** Indexes into `columns` of the partition key's components. */
  readonly partitionKey: readonly number[];
}

export interface EncodedDescriptor {
  /** StatementId: the first 8 bytes of the SHA-256 of the descriptor's other fields. */
  readonly id: Buffer;
  /** The Avro encoding of the whole StatementDescriptor, id first. */
  readonly bytes: Buffer;
}

export const STATEMENT_ID_BYTES = 8;

/** Once per statement (the caller caches it): a descriptor the batches carry and mutations name. */
export function encodeDescriptor(d: StatementDescriptorInput): EncodedDescriptor {
  const types = d.columns.map((c) => typeText(c.type));
  let bound = STATEMENT_ID_BYTES + stringBound(d.cql) + stringBound(d.keyspace) + stringBound(d.table) + 20 + 10 * d.partitionKey.length;
  for (let i = 0; i < types.length; i++) bound += stringBound(d.columns[i]!.name) + stringBound(types[i]);
  const w = new AvroWriter(Buffer.alloc(bound));
  w.raw(Buffer.alloc(STATEMENT_ID_BYTES));
  w.string(d.cql);
  if (w.present(d.keyspace)) w.string(d.keyspace);
  if (w.present(d.table)) w.string(d.table);
  if (d.columns.length > 0) {
    w.long(d.columns.length);
    d.columns.forEach((c, i) => {
      w.string(c.name);
      w.string(types[i]!);
    });
  }
  w.long(0);
  if (d.partitionKey.length > 0) {
    w.long(d.partitionKey.length);
    for (const index of d.partitionKey) {
      if (!Number.isInteger(index) || index < 0 || index >= d.columns.length) throw new RangeError(`partition key index ${index} is not one of the ${d.columns.length} columns`);
      w.long(index);
    }
  }
  w.long(0);
  const bytes = Buffer.from(w.buffer.subarray(0, w.length));
  const id = createHash('sha256').update(bytes.subarray(STATEMENT_ID_BYTES)).digest().subarray(0, STATEMENT_ID_BYTES);
  id.copy(bytes, 0);
  return { id: Buffer.from(id), bytes };
}
