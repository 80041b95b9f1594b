import { EventLogError, SchemaCatalogue, decodeAsWritten, type StoredRecord } from '@cutover/event-log';
import { MUTATION_BATCH_SCHEMA_ID } from './batch.js';
import type { LoggedMutation } from './logged-mutation.js';
import { fromEventV2, type EventV2 } from './read-v2.js';
import { fromBatchV3, type BatchV3 } from './read-v3.js';
import { mutationBatchType } from './schema.js';

let defaultCatalogue: SchemaCatalogue | undefined;

/**
 * The mutations of one record of the mutations topic, of any version: a v1 or v2 event is one
 * mutation, a v3 batch its mutations in order. Throws an EventLogError with the reason for a
 * record it cannot read (the caller dead-letters it): nothing of such a record is returned.
 */
export function readMutations(record: StoredRecord, catalogue: SchemaCatalogue = (defaultCatalogue ??= SchemaCatalogue.load())): LoggedMutation[] {
  const bytes = record.value;
  if (bytes.length >= 5 && bytes[0] === 0 && bytes.readUInt32BE(1) === MUTATION_BATCH_SCHEMA_ID) {
    let batch: BatchV3;
    try {
      batch = mutationBatchType.fromBuffer(bytes.subarray(5)) as BatchV3;
    } catch (error) {
      throw new EventLogError('INVALID_RECORD', `MutationEvent (schema id ${MUTATION_BATCH_SCHEMA_ID}) does not decode: ${(error as Error).message}`, { cause: error });
    }
    return fromBatchV3(batch, record);
  }
  const { value, writerVersion } = decodeAsWritten(catalogue, 'MutationEvent', bytes);
  if (writerVersion !== 1 && writerVersion !== 2) throw new EventLogError('UNKNOWN_SCHEMA', `MutationEvent version ${writerVersion} is not one this reader knows`);
  return [fromEventV2(value as EventV2, writerVersion, record)];
}
