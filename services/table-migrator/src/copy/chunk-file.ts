import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { deflateRaw } from 'node:zlib';
import { SCHEMAS_DIR } from '@cutover/event-log';
import avro from 'avsc';
import { MigratorError } from '../errors.js';
import { chunkColumns, type CopyPlan } from './copy-plan.js';
import type { StagedRow } from './staged-row.js';

/**
 * A chunk as staged in S3: an Avro object container file of `StagedRow`s
 * (`schemas/staged-row.v1.avsc`), deflated, the table and its columns in the file's metadata.
 * A standard format: `avro-tools tojson` or fastavro open it; the values are native CQL bytes.
 */
const stagedRowType = avro.Type.forSchema(JSON.parse(readFileSync(join(SCHEMAS_DIR, 'staged-row.v1.avsc'), 'utf8')) as avro.Schema);

export const CHUNK_CONTENT_TYPE = 'avro/binary';

const COLUMNS = 'cutover.columns';
const TABLE = 'cutover.table';

/** A stream that takes a chunk's rows (objects) and gives the file's bytes. */
export function chunkWriter(plan: CopyPlan): avro.streams.BlockEncoder {
  const options = {
    codec: 'deflate',
    // Level 1: a chunk is read back once, soon; the CPU matters more than the bytes.
    codecs: { deflate: (data: Buffer, done: (error: Error | null, deflated?: Buffer) => void) => deflateRaw(data, { level: 1 }, done) },
    // avsc's types leave out the header's metadata, which it writes.
    metadata: { [TABLE]: Buffer.from(`${plan.keyspace}.${plan.table}`), [COLUMNS]: Buffer.from(JSON.stringify(chunkColumns(plan))) },
  };
  return new avro.streams.BlockEncoder(stagedRowType, options);
}

/**
 * The rows of a chunk file as they stream in; BAD_CHUNK if it is not one, or not of this
 * table's columns. A failure of `body` itself (the network) is thrown as it is.
 */
export async function* readChunk(plan: CopyPlan, body: Readable): AsyncGenerator<StagedRow> {
  let bodyFailed: unknown;
  const decoder = new avro.streams.BlockDecoder({
    parseHook: (schema: avro.Schema) => {
      if (!avro.Type.forSchema(schema).equals(stagedRowType)) throw new MigratorError('BAD_CHUNK', 'the file is not of staged rows (schemas/staged-row.v1.avsc)');
      return stagedRowType;
    },
  });
  decoder.once('metadata', (_type: unknown, _codec: unknown, header: { meta: Record<string, Buffer> }) => {
    const columns = header.meta[COLUMNS]?.toString() ?? '[]';
    const expected = JSON.stringify(chunkColumns(plan));
    if (columns !== expected) decoder.destroy(new MigratorError('BAD_CHUNK', `the chunk's columns (${(JSON.parse(columns) as string[]).join(', ')}) are not the table's (${chunkColumns(plan).join(', ')})`));
  });
  body.once('error', (error) => {
    bodyFailed = error;
    decoder.destroy(error);
  });
  body.pipe(decoder);
  try {
    for await (const row of decoder) yield row as StagedRow;
    // avsc drops a block cut short at the end of its input without a word: what it left unread.
    const tap = (decoder as unknown as { _tap: { buf: Buffer; pos: number } })._tap;
    if (tap.buf.length > tap.pos) throw new MigratorError('BAD_CHUNK', `not a chunk file: it ends inside a block (${tap.buf.length - tap.pos} bytes)`);
  } catch (error) {
    if (error === bodyFailed || error instanceof MigratorError) throw error;
    throw new MigratorError('BAD_CHUNK', `not a chunk file: ${(error as Error).message}`, { cause: error });
  } finally {
    body.unpipe(decoder);
    body.destroy();
  }
}
