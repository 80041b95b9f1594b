import type avro from 'avsc';
import type { SchemaCatalogue, SchemaVersion, Subject } from './catalogue.js';
import { EventLogError } from './errors.js';

const MAGIC = 0;
const HEADER = 5;

/**
 * The Confluent wire format: magic byte 0, the writer's schema id (4 bytes, big-endian), then
 * the Avro body. Records are written with the subject's latest version.
 */
export function encodeRecord(catalogue: SchemaCatalogue, subject: Subject, value: unknown): Buffer {
  const { id, type } = catalogue.latest(subject);
  let end: number;
  try {
    // avsc's writers refuse invalid values, so validating first would only walk the value twice.
    while ((end = type.encode(value, scratch, HEADER)) < 0) scratch = Buffer.allocUnsafe(scratch.length * 2);
  } catch {
    const errors: string[] = [];
    type.isValid(value, { errorHook: (path) => errors.push(path.join('.') || '(the record)') });
    throw new EventLogError('INVALID_RECORD', `not a valid ${subject}: bad ${errors.join(', ') || '(the record)'}`);
  }
  scratch.writeUInt8(MAGIC, 0);
  scratch.writeUInt32BE(id, 1);
  return Buffer.from(scratch.subarray(0, end));
}

/** Where records are written before they are copied out at their size: one allocation per record. */
let scratch = Buffer.allocUnsafe(64 * 1024);

export interface DecodedRecord<T> {
  readonly value: T;
  /** The version it was written with; the value is always in the latest version's shape. */
  readonly writerVersion: number;
}

const resolvers = new WeakMap<avro.Type, WeakMap<avro.Type, avro.Resolver>>();

/** Reads a record written with any version of `subject`, resolved to the latest version. */
export function decodeRecord<T>(catalogue: SchemaCatalogue, subject: Subject, bytes: Buffer): DecodedRecord<T> {
  const writer = writerOf(catalogue, subject, bytes);
  const reader = catalogue.latest(subject);
  const value = readBody(writer, bytes, (body) => (reader.id === writer.id ? reader.type.fromBuffer(body) : reader.type.fromBuffer(body, resolver(reader.type, writer.type))));
  return { value: value as T, writerVersion: writer.version };
}

function resolver(reader: avro.Type, writer: avro.Type): avro.Resolver {
  let forReader = resolvers.get(reader);
  if (forReader === undefined) resolvers.set(reader, (forReader = new WeakMap()));
  let found = forReader.get(writer);
  if (found === undefined) forReader.set(writer, (found = reader.createResolver(writer)));
  return found;
}

/**
 * Reads a record of any version of `subject` in its writer's own shape, without resolving it to
 * the latest: for subjects whose versions differ too much for Avro's resolution (MutationEvent
 * v1 and v2 events against v3 batches), the caller reads each version its own way.
 */
export function decodeAsWritten(catalogue: SchemaCatalogue, subject: Subject, bytes: Buffer): DecodedRecord<unknown> {
  const writer = writerOf(catalogue, subject, bytes);
  return { value: readBody(writer, bytes, (body) => writer.type.fromBuffer(body)), writerVersion: writer.version };
}

/** The schema version a record says it was written with, checked against the subject expected. */
function writerOf(catalogue: SchemaCatalogue, subject: Subject, bytes: Buffer): SchemaVersion {
  if (bytes.length < HEADER || bytes.readUInt8(0) !== MAGIC) {
    throw new EventLogError('NOT_WIRE_FORMAT', `not a Confluent wire-format record (${bytes.length} bytes, first byte ${bytes[0] ?? 'none'})`);
  }
  const id = bytes.readUInt32BE(1);
  const writer = catalogue.byId(id);
  if (writer === undefined) throw new EventLogError('UNKNOWN_SCHEMA', `schema id ${id} is not in the catalogue`);
  if (writer.subject !== subject) throw new EventLogError('WRONG_SUBJECT', `schema id ${id} is ${writer.subject}, not ${subject}`);
  return writer;
}

function readBody(writer: SchemaVersion, bytes: Buffer, read: (body: Buffer) => unknown): unknown {
  try {
    return read(bytes.subarray(HEADER));
  } catch (error) {
    throw new EventLogError('INVALID_RECORD', `${writer.subject} (schema id ${writer.id}) does not decode: ${(error as Error).message}`, { cause: error });
  }
}
