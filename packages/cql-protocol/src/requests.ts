import { ProtocolError } from './errors.js';
import { headerLength, writeHeader, type Frame } from './frame.js';
import { FrameFlag, Opcode, opcodeName } from './opcodes.js';
import { BodyReader, UNSET } from './reader.js';
import { BodyWriter } from './writer.js';

export { UNSET } from './reader.js';

/** A bound value: bytes, null, or (v4+) UNSET to leave the column as it is. */
export type QueryValue = Buffer | null | typeof UNSET;

/** <query_parameters> of QUERY and EXECUTE (spec section 4.1.4). */
export interface QueryParameters {
  readonly consistency: number;
  readonly values?: readonly QueryValue[];
  /** Present when values are bound by marker name (flag 0x40); as long as `values`. */
  readonly names?: readonly string[];
  readonly skipMetadata: boolean;
  readonly pageSize?: number;
  readonly pagingState?: Buffer;
  readonly serialConsistency?: number;
  /** Default timestamp, in microseconds. */
  readonly timestamp?: bigint;
  /** v5: the keyspace the statement runs in, instead of the connection's. */
  readonly keyspace?: string;
  /** v5: the server's "now" for the statement, in seconds since the epoch (meant for tests). */
  readonly nowInSeconds?: number;
}

export type BatchStatement =
  | { readonly kind: 'query'; readonly query: string; readonly values: readonly QueryValue[]; readonly names?: readonly string[] }
  | { readonly kind: 'prepared'; readonly id: Buffer; readonly values: readonly QueryValue[]; readonly names?: readonly string[] };

export type Request =
  | { readonly type: 'STARTUP'; readonly options: Readonly<Record<string, string>> }
  | { readonly type: 'OPTIONS' }
  | { readonly type: 'AUTH_RESPONSE'; readonly token: Buffer | null }
  | { readonly type: 'QUERY'; readonly query: string; readonly params: QueryParameters }
  /** `keyspace` (v5): where unqualified names in the query resolve. */
  | { readonly type: 'PREPARE'; readonly query: string; readonly keyspace?: string }
  /** `resultMetadataId` (v5, and required there): the result metadata the client holds for this statement. */
  | { readonly type: 'EXECUTE'; readonly id: Buffer; readonly resultMetadataId?: Buffer; readonly params: QueryParameters }
  | {
      readonly type: 'BATCH';
      readonly batchType: number;
      readonly statements: readonly BatchStatement[];
      readonly consistency: number;
      readonly serialConsistency?: number;
      readonly timestamp?: bigint;
      /** v5, as in QueryParameters. */
      readonly keyspace?: string;
      readonly nowInSeconds?: number;
    }
  | { readonly type: 'REGISTER'; readonly events: readonly string[] };

/** A message with the frame-level extras that precede it in the body. */
export interface Envelope<M> {
  readonly tracingId?: Buffer;
  readonly warnings?: readonly string[];
  readonly customPayload?: ReadonlyMap<string, Buffer | null>;
  readonly message: M;
}

const QueryFlag = {
  VALUES: 0x01,
  SKIP_METADATA: 0x02,
  PAGE_SIZE: 0x04,
  PAGING_STATE: 0x08,
  SERIAL_CONSISTENCY: 0x10,
  TIMESTAMP: 0x20,
  NAMES_FOR_VALUES: 0x40,
  KEYSPACE: 0x80,
  NOW_IN_SECONDS: 0x100,
} as const;

const PrepareFlag = { KEYSPACE: 0x01 } as const;

const BatchKind = { QUERY: 0, PREPARED: 1 } as const;

type BatchRequest = Extract<Request, { type: 'BATCH' }>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The message versions this codec speaks; frames of other versions are the caller's to refuse. */
export function checkMessageVersion(version: number, location?: { readonly stream: number }): void {
  if (version !== 3 && version !== 4 && version !== 5) {
    throw new ProtocolError('UNSUPPORTED_VERSION', `protocol version ${version} is not supported (only 3, 4 and 5)`, {
      stream: location?.stream,
      version,
    });
  }
}

/**
 * Refuses compressed bodies: decompression belongs to the connection, before decoding (see
 * decompressFrame). v5 compresses segments instead, and its envelopes' flag is to be ignored.
 */
export function checkUncompressed(frame: Frame): void {
  if ((frame.flags & FrameFlag.COMPRESSION) !== 0 && frame.version < 5) {
    throw new ProtocolError('MALFORMED_BODY', `${opcodeName(frame.opcode)} body is compressed; decompress it before decoding`, {
      stream: frame.stream,
      version: frame.version,
    });
  }
}

export function decodeRequest(frame: Frame): Envelope<Request> {
  checkMessageVersion(frame.version, frame);
  checkUncompressed(frame);
  try {
    const reader = new BodyReader(frame.body);
    // The custom payload is a v4 addition; in v3 the flag is unused and ignored.
    const customPayload = frame.version >= 4 && (frame.flags & FrameFlag.CUSTOM_PAYLOAD) !== 0 ? reader.readBytesMap() : undefined;
    const message = readRequest(reader, frame.opcode, frame.version);
    if (reader.remaining() > 0) {
      throw new ProtocolError(
        'MALFORMED_BODY',
        `${reader.remaining()} unexpected bytes after the ${message.type} message at offset ${reader.position}`,
      );
    }
    return customPayload === undefined ? { message } : { customPayload, message };
  } catch (error) {
    throw error instanceof ProtocolError ? error.at(frame.stream, frame.version) : error;
  }
}

function readRequest(reader: BodyReader, opcode: number, version: number): Request {
  switch (opcode) {
    case Opcode.STARTUP:
      return { type: 'STARTUP', options: reader.readStringMap() };
    case Opcode.OPTIONS:
      return { type: 'OPTIONS' };
    case Opcode.AUTH_RESPONSE:
      return { type: 'AUTH_RESPONSE', token: reader.readBytes() };
    case Opcode.QUERY: {
      const query = reader.readLongString();
      return { type: 'QUERY', query, params: readQueryParameters(reader, version) };
    }
    case Opcode.PREPARE:
      return readPrepare(reader, version);
    case Opcode.EXECUTE: {
      const id = reader.readShortBytes();
      if (version < 5) return { type: 'EXECUTE', id, params: readQueryParameters(reader, version) };
      const resultMetadataId = reader.readShortBytes();
      return { type: 'EXECUTE', id, resultMetadataId, params: readQueryParameters(reader, version) };
    }
    case Opcode.BATCH:
      return readBatch(reader, version);
    case Opcode.REGISTER:
      return { type: 'REGISTER', events: reader.readStringList() };
    default:
      throw new ProtocolError('UNKNOWN_OPCODE', `opcode ${opcodeName(opcode)} (0x${opcode.toString(16)}) is not a request`);
  }
}

/** v3 binds [bytes], where any negative length is null; v4 binds [value], which adds UNSET. */
function readBound(reader: BodyReader, version: number): QueryValue {
  return version >= 4 ? reader.readValue() : reader.readBytes();
}

/** <n>[name_1]<value_1>...[name_n]<value_n>, names only when the flags say so. */
function readBoundValues(reader: BodyReader, version: number, named: boolean): { values: QueryValue[]; names?: string[] } {
  const count = reader.readShort();
  const values: QueryValue[] = [];
  if (!named) {
    for (let i = 0; i < count; i++) values.push(readBound(reader, version));
    return { values };
  }
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    names.push(reader.readString());
    values.push(readBound(reader, version));
  }
  return { values, names };
}

function readPrepare(reader: BodyReader, version: number): Request {
  const query = reader.readLongString();
  if (version < 5) return { type: 'PREPARE', query };
  const flags = reader.readInt();
  return (flags & PrepareFlag.KEYSPACE) !== 0 ? { type: 'PREPARE', query, keyspace: reader.readString() } : { type: 'PREPARE', query };
}

/** <flags> of QUERY, EXECUTE and BATCH: a [byte] until v4, an [int] from v5. */
function readFlags(reader: BodyReader, version: number): number {
  return version >= 5 ? reader.readInt() : reader.readByte();
}

function writeFlags(writer: BodyWriter, flags: number, version: number): void {
  if (version >= 5) writer.writeInt(flags);
  else writer.writeByte(flags);
}

/** v5's keyspace and now_in_seconds, after the timestamp; the flags are not defined before v5. */
function readV5Fields(reader: BodyReader, flags: number, version: number, into: { keyspace?: string; nowInSeconds?: number }): void {
  if (version < 5) return;
  if ((flags & QueryFlag.KEYSPACE) !== 0) into.keyspace = reader.readString();
  if ((flags & QueryFlag.NOW_IN_SECONDS) !== 0) into.nowInSeconds = reader.readInt();
}

function readQueryParameters(reader: BodyReader, version: number): QueryParameters {
  const consistency = reader.readConsistency();
  const flags = readFlags(reader, version);
  const params: Mutable<QueryParameters> = { consistency, skipMetadata: (flags & QueryFlag.SKIP_METADATA) !== 0 };
  if ((flags & QueryFlag.VALUES) !== 0) {
    const { values, names } = readBoundValues(reader, version, (flags & QueryFlag.NAMES_FOR_VALUES) !== 0);
    params.values = values;
    if (names !== undefined) params.names = names;
  }
  if ((flags & QueryFlag.PAGE_SIZE) !== 0) params.pageSize = reader.readInt();
  if ((flags & QueryFlag.PAGING_STATE) !== 0) {
    const pagingState = reader.readBytes();
    if (pagingState !== null) params.pagingState = pagingState;
  }
  if ((flags & QueryFlag.SERIAL_CONSISTENCY) !== 0) params.serialConsistency = reader.readConsistency();
  if ((flags & QueryFlag.TIMESTAMP) !== 0) params.timestamp = reader.readLong();
  readV5Fields(reader, flags, version, params);
  return params;
}

/**
 * The BATCH names flag comes after the statements whose values it says are named (the spec admits
 * this cannot work, CASSANDRA-10246). Read the statements as unnamed, which is what every driver
 * sends; only when the flags then claim names, read them again as named.
 */
function readBatch(reader: BodyReader, version: number): Request {
  const start = reader.position;
  let unnamedError: ProtocolError | undefined;
  try {
    const batch = readBatchAs(reader, version, false);
    if (!batch.named) return batch.request;
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    unnamedError = error;
  }
  reader.seek(start);
  try {
    const batch = readBatchAs(reader, version, true);
    if (batch.named) return batch.request;
  } catch (error) {
    // The unnamed reading is the one drivers use, so its error is the one worth reporting.
    if (unnamedError !== undefined && error instanceof ProtocolError) throw unnamedError;
    throw error;
  }
  throw unnamedError ?? new ProtocolError('MALFORMED_BODY', 'BATCH flags contradict the layout of its values');
}

function readBatchAs(reader: BodyReader, version: number, named: boolean): { readonly request: Request; readonly named: boolean } {
  const batchType = reader.readByte();
  const count = reader.readShort();
  const statements: BatchStatement[] = [];
  for (let i = 0; i < count; i++) statements.push(readBatchStatement(reader, version, named));
  const consistency = reader.readConsistency();
  const flags = readFlags(reader, version);
  const request: Mutable<BatchRequest> = { type: 'BATCH', batchType, statements, consistency };
  if ((flags & QueryFlag.SERIAL_CONSISTENCY) !== 0) request.serialConsistency = reader.readConsistency();
  if ((flags & QueryFlag.TIMESTAMP) !== 0) request.timestamp = reader.readLong();
  readV5Fields(reader, flags, version, request);
  return { request, named: (flags & QueryFlag.NAMES_FOR_VALUES) !== 0 };
}

function readBatchStatement(reader: BodyReader, version: number, named: boolean): BatchStatement {
  const start = reader.position;
  const kind = reader.readByte();
  if (kind !== BatchKind.QUERY && kind !== BatchKind.PREPARED) {
    throw new ProtocolError('MALFORMED_BODY', `BATCH statement kind ${kind} at offset ${start}; expected 0 or 1`);
  }
  if (kind === BatchKind.QUERY) {
    const query = reader.readLongString();
    const { values, names } = readBoundValues(reader, version, named);
    return names === undefined ? { kind: 'query', query, values } : { kind: 'query', query, values, names };
  }
  const id = reader.readShortBytes();
  const { values, names } = readBoundValues(reader, version, named);
  return names === undefined ? { kind: 'prepared', id, values } : { kind: 'prepared', id, values, names };
}

/** The body of a request message, custom payload first when given (v4+). */
export function encodeRequestBody(request: Request, version: number, customPayload?: ReadonlyMap<string, Buffer | null>): Buffer {
  checkMessageVersion(version);
  const writer = new BodyWriter();
  writeRequest(writer, request, version, customPayload);
  return writer.toBuffer();
}

/** A whole request frame. */
export function encodeRequest(
  version: number,
  stream: number,
  request: Request,
  options: { readonly tracing?: boolean; readonly customPayload?: ReadonlyMap<string, Buffer | null> } = {},
): Buffer {
  checkMessageVersion(version, { stream });
  const writer = new BodyWriter(headerLength(version));
  try {
    writeRequest(writer, request, version, options.customPayload);
  } catch (error) {
    throw error instanceof ProtocolError ? error.at(stream, version) : error;
  }
  let flags = 0;
  if (options.tracing === true) flags |= FrameFlag.TRACING;
  if (options.customPayload !== undefined) flags |= FrameFlag.CUSTOM_PAYLOAD;
  const frame = writer.toBufferWithHeadroom();
  writeHeader(frame, { version, isResponse: false, flags, stream, opcode: Opcode[request.type] }, writer.length);
  return frame;
}

function writeRequest(writer: BodyWriter, request: Request, version: number, customPayload?: ReadonlyMap<string, Buffer | null>): void {
  if (customPayload !== undefined) {
    if (version < 4) throw new ProtocolError('UNSUPPORTED_VERSION', 'a custom payload needs protocol v4', { version });
    writer.writeBytesMap(customPayload);
  }
  switch (request.type) {
    case 'STARTUP':
      writer.writeStringMap(request.options);
      return;
    case 'OPTIONS':
      return;
    case 'AUTH_RESPONSE':
      writer.writeBytes(request.token);
      return;
    case 'QUERY':
      writer.writeLongString(request.query);
      writeQueryParameters(writer, request.params, version);
      return;
    case 'PREPARE':
      writer.writeLongString(request.query);
      if (version >= 5) {
        writer.writeInt(request.keyspace === undefined ? 0 : PrepareFlag.KEYSPACE);
        if (request.keyspace !== undefined) writer.writeString(request.keyspace);
      } else if (request.keyspace !== undefined) {
        throw needsV5('a PREPARE keyspace', version);
      }
      return;
    case 'EXECUTE':
      writer.writeShortBytes(request.id);
      if (version >= 5) {
        if (request.resultMetadataId === undefined) {
          throw new ProtocolError('MALFORMED_BODY', 'a v5 EXECUTE needs the result metadata id of its prepared statement');
        }
        writer.writeShortBytes(request.resultMetadataId);
      } else if (request.resultMetadataId !== undefined) {
        throw needsV5('an EXECUTE result metadata id', version);
      }
      writeQueryParameters(writer, request.params, version);
      return;
    case 'BATCH':
      writeBatch(writer, request, version);
      return;
    case 'REGISTER':
      writer.writeStringList(request.events);
      return;
  }
}

function writeBound(writer: BodyWriter, value: QueryValue, version: number): void {
  if (value === UNSET && version < 4) throw new ProtocolError('UNSUPPORTED_VERSION', 'UNSET values need protocol v4', { version });
  writer.writeValue(value);
}

function writeValues(writer: BodyWriter, values: readonly QueryValue[], names: readonly string[] | undefined, version: number): void {
  if (names !== undefined && names.length !== values.length) {
    throw new ProtocolError('MALFORMED_BODY', `${names.length} names given for ${values.length} values`);
  }
  writer.writeShort(values.length);
  for (let i = 0; i < values.length; i++) {
    if (names !== undefined) writer.writeString(names[i] as string);
    writeBound(writer, values[i] as QueryValue, version);
  }
}

/** Fields a version cannot carry are refused, never dropped: dropping a keyspace would change what runs. */
function needsV5(what: string, version: number): ProtocolError {
  return new ProtocolError('UNSUPPORTED_VERSION', `${what} needs protocol v5, not v${version}`, { version });
}

function v5Flags(fields: { readonly keyspace?: string; readonly nowInSeconds?: number }, version: number): number {
  let flags = 0;
  if (fields.keyspace !== undefined) flags |= QueryFlag.KEYSPACE;
  if (fields.nowInSeconds !== undefined) flags |= QueryFlag.NOW_IN_SECONDS;
  if (flags !== 0 && version < 5) throw needsV5(fields.keyspace !== undefined ? 'a per-statement keyspace' : 'now_in_seconds', version);
  return flags;
}

function writeV5Fields(writer: BodyWriter, fields: { readonly keyspace?: string; readonly nowInSeconds?: number }): void {
  if (fields.keyspace !== undefined) writer.writeString(fields.keyspace);
  if (fields.nowInSeconds !== undefined) writer.writeInt(fields.nowInSeconds);
}

function writeQueryParameters(writer: BodyWriter, params: QueryParameters, version: number): void {
  const { values, names, pageSize, pagingState, serialConsistency, timestamp } = params;
  let flags = v5Flags(params, version);
  if (values !== undefined) flags |= QueryFlag.VALUES;
  if (values !== undefined && names !== undefined) flags |= QueryFlag.NAMES_FOR_VALUES;
  if (params.skipMetadata) flags |= QueryFlag.SKIP_METADATA;
  if (pageSize !== undefined) flags |= QueryFlag.PAGE_SIZE;
  if (pagingState !== undefined) flags |= QueryFlag.PAGING_STATE;
  if (serialConsistency !== undefined) flags |= QueryFlag.SERIAL_CONSISTENCY;
  if (timestamp !== undefined) flags |= QueryFlag.TIMESTAMP;
  writer.writeConsistency(params.consistency);
  writeFlags(writer, flags, version);
  if (values !== undefined) writeValues(writer, values, names, version);
  if (pageSize !== undefined) writer.writeInt(pageSize);
  if (pagingState !== undefined) writer.writeBytes(pagingState);
  if (serialConsistency !== undefined) writer.writeConsistency(serialConsistency);
  if (timestamp !== undefined) writer.writeLong(timestamp);
  writeV5Fields(writer, params);
}

function writeBatch(writer: BodyWriter, batch: BatchRequest, version: number): void {
  // Names are all or nothing: the flag covers every statement of the batch.
  const named = batch.statements.some((statement) => statement.names !== undefined);
  writer.writeByte(batch.batchType);
  writer.writeShort(batch.statements.length);
  for (const statement of batch.statements) {
    if (named && statement.names === undefined) {
      throw new ProtocolError('MALFORMED_BODY', 'in a BATCH, either every statement names its values or none does');
    }
    if (statement.kind === 'query') {
      writer.writeByte(BatchKind.QUERY);
      writer.writeLongString(statement.query);
    } else {
      writer.writeByte(BatchKind.PREPARED);
      writer.writeShortBytes(statement.id);
    }
    writeValues(writer, statement.values, statement.names, version);
  }
  let flags = v5Flags(batch, version);
  if (batch.serialConsistency !== undefined) flags |= QueryFlag.SERIAL_CONSISTENCY;
  if (batch.timestamp !== undefined) flags |= QueryFlag.TIMESTAMP;
  if (named) flags |= QueryFlag.NAMES_FOR_VALUES;
  writer.writeConsistency(batch.consistency);
  writeFlags(writer, flags, version);
  if (batch.serialConsistency !== undefined) writer.writeConsistency(batch.serialConsistency);
  if (batch.timestamp !== undefined) writer.writeLong(batch.timestamp);
  writeV5Fields(writer, batch);
}
