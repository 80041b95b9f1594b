import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { SCHEMAS_DIR } from '@cutover/event-log';

/** avsc reads longs as doubles and refuses those beyond 2^53; write timestamps take all 64 bits. */
const BigLong = avro.types.LongType.__with({
  fromBuffer: (buffer: Buffer) => buffer.readBigInt64LE(),
  toBuffer: (value: bigint) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64LE(value);
    return buffer;
  },
  fromJSON: (value: unknown) => BigInt(value as string),
  toJSON: (value: bigint) => value.toString(),
  isValid: (value: unknown) => typeof value === 'bigint' && BigInt.asIntN(64, value) === value,
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

/** The v3 MutationBatch type, every long a bigint: how this package reads v3 records. */
export const mutationBatchType: avro.Type = avro.Type.forSchema(JSON.parse(readFileSync(join(SCHEMAS_DIR, 'mutation-event.v3.avsc'), 'utf8')) as avro.Schema, {
  registry: { long: BigLong },
});
