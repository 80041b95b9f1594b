import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { BigLong, SCHEMAS_DIR } from '@cutover/event-log';

/** The v3 MutationBatch type, every long a bigint: how this package reads v3 records. */
export const mutationBatchType: avro.Type = avro.Type.forSchema(JSON.parse(readFileSync(join(SCHEMAS_DIR, 'mutation-event.v3.avsc'), 'utf8')) as avro.Schema, {
  registry: { long: BigLong },
});
