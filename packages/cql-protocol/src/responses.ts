import { ProtocolError } from './errors.js';
import { headerLength, writeHeader, type Frame } from './frame.js';
import {
  readPreparedMetadata,
  readRowsMetadata,
  writePreparedMetadata,
  writeRowsMetadata,
  type PreparedMetadata,
  type RowsMetadata,
} from './metadata.js';
import { ErrorCode, FrameFlag, Opcode, opcodeName } from './opcodes.js';
import { BodyReader } from './reader.js';
import { checkMessageVersion, checkUncompressed, type Envelope } from './requests.js';
import { BodyWriter } from './writer.js';

/** One replica's failure in a v5 READ_FAILURE or WRITE_FAILURE: its address and a RequestFailureReason code. */
export interface FailureReason {
  readonly address: string;
  readonly code: number;
}

/**
 * The extra fields some ERROR codes carry after the message (spec section 9). v5 adds the
 * per-replica `reasons` of the failures, whose count is then `numFailures`, and the
 * `contentions` of a CAS write timeout; encoding them for an earlier version is refused.
 */
export type ErrorDetails =
  | { readonly kind: 'unavailable'; readonly consistency: number; readonly required: number; readonly alive: number }
  | {
      readonly kind: 'write_timeout';
      readonly consistency: number;
      readonly received: number;
      readonly blockFor: number;
      readonly writeType: string;
      /** v5, write type CAS only: how many contentions the Paxos round met. */
      readonly contentions?: number;
    }
  | { readonly kind: 'read_timeout'; readonly consistency: number; readonly received: number; readonly blockFor: number; readonly dataPresent: boolean }
  | {
      readonly kind: 'read_failure';
      readonly consistency: number;
      readonly received: number;
      readonly blockFor: number;
      readonly numFailures: number;
      readonly reasons?: readonly FailureReason[];
      readonly dataPresent: boolean;
    }
  | { readonly kind: 'function_failure'; readonly keyspace: string; readonly function: string; readonly argTypes: readonly string[] }
  | {
      readonly kind: 'write_failure';
      readonly consistency: number;
      readonly received: number;
      readonly blockFor: number;
      readonly numFailures: number;
      readonly reasons?: readonly FailureReason[];
      readonly writeType: string;
    }
  | { readonly kind: 'cas_write_unknown'; readonly consistency: number; readonly received: number; readonly blockFor: number }
  | { readonly kind: 'already_exists'; readonly keyspace: string; readonly table: string }
  | { readonly kind: 'unprepared'; readonly id: Buffer };

/**
 * <change_type><target><options> of schema changes. `name` is there for every target but KEYSPACE,
 * `argTypes` for FUNCTION and AGGREGATE.
 */
export type SchemaChange = {
  readonly change: string;
  readonly target: string;
  readonly keyspace: string;
  readonly name?: string;
  readonly argTypes?: readonly string[];
};

export type Result =
  | { readonly kind: 'void' }
  | { readonly kind: 'rows'; readonly metadata: RowsMetadata; readonly rows: readonly (readonly (Buffer | null)[])[] }
  | { readonly kind: 'set_keyspace'; readonly keyspace: string }
  | {
      readonly kind: 'prepared';
      readonly id: Buffer;
      /** v5, and required there: the id the client sends back in EXECUTE. */
      readonly resultMetadataId?: Buffer;
      readonly variables: PreparedMetadata;
      readonly resultMetadata: RowsMetadata;
    }
  | ({ readonly kind: 'schema_change' } & SchemaChange);

export type ServerEvent =
  | { readonly type: 'TOPOLOGY_CHANGE' | 'STATUS_CHANGE'; readonly change: string; readonly address: { readonly ip: string; readonly port: number } }
  | ({ readonly type: 'SCHEMA_CHANGE' } & SchemaChange);

export type Response =
  | { readonly type: 'ERROR'; readonly code: number; readonly message: string; readonly details?: ErrorDetails }
  | { readonly type: 'READY' }
  | { readonly type: 'AUTHENTICATE'; readonly authenticator: string }
  | { readonly type: 'SUPPORTED'; readonly options: Readonly<Record<string, readonly string[]>> }
  | { readonly type: 'RESULT'; readonly result: Result }
  | { readonly type: 'EVENT'; readonly event: ServerEvent }
  | { readonly type: 'AUTH_CHALLENGE'; readonly token: Buffer | null }
  | { readonly type: 'AUTH_SUCCESS'; readonly token: Buffer | null };

export interface ResponseExtras {
  readonly tracingId?: Buffer;
  readonly warnings?: readonly string[];
  readonly customPayload?: ReadonlyMap<string, Buffer | null>;
}

const ResultKind = {
  VOID: 0x0001,
  ROWS: 0x0002,
  SET_KEYSPACE: 0x0003,
  PREPARED: 0x0004,
  SCHEMA_CHANGE: 0x0005,
} as const;

/** Which ERROR codes carry details, and of which kind. */
const DETAILS_BY_CODE: ReadonlyMap<number, ErrorDetails['kind']> = new Map([
  [ErrorCode.UNAVAILABLE, 'unavailable'],
  [ErrorCode.WRITE_TIMEOUT, 'write_timeout'],
  [ErrorCode.READ_TIMEOUT, 'read_timeout'],
  [ErrorCode.READ_FAILURE, 'read_failure'],
  [ErrorCode.FUNCTION_FAILURE, 'function_failure'],
  [ErrorCode.WRITE_FAILURE, 'write_failure'],
  [ErrorCode.CAS_WRITE_UNKNOWN, 'cas_write_unknown'],
  [ErrorCode.ALREADY_EXISTS, 'already_exists'],
  [ErrorCode.UNPREPARED, 'unprepared'],
]);

/**
 * Decodes a response body after its prefixes: tracing id, then warnings, then custom payload
 * (warnings and payload exist from v4; v3 ignores those flags). Bytes after a complete message
 * are ignored, as the spec asks of clients (section 4.2), to leave room for extensions.
 */
export function decodeResponse(frame: Frame): Envelope<Response> {
  checkMessageVersion(frame.version, frame);
  checkUncompressed(frame);
  try {
    const reader = new BodyReader(frame.body);
    const v4 = frame.version >= 4;
    const tracingId = (frame.flags & FrameFlag.TRACING) !== 0 ? reader.readUuid() : undefined;
    const warnings = v4 && (frame.flags & FrameFlag.WARNING) !== 0 ? reader.readStringList() : undefined;
    const customPayload = v4 && (frame.flags & FrameFlag.CUSTOM_PAYLOAD) !== 0 ? reader.readBytesMap() : undefined;
    const message = readResponse(reader, frame.opcode, frame.version);
    if (tracingId === undefined && warnings === undefined && customPayload === undefined) return { message };
    const envelope: { -readonly [K in keyof Envelope<Response>]: Envelope<Response>[K] } = { message };
    if (tracingId !== undefined) envelope.tracingId = tracingId;
    if (warnings !== undefined) envelope.warnings = warnings;
    if (customPayload !== undefined) envelope.customPayload = customPayload;
    return envelope;
  } catch (error) {
    throw error instanceof ProtocolError ? error.at(frame.stream, frame.version) : error;
  }
}

function readResponse(reader: BodyReader, opcode: number, version: number): Response {
  switch (opcode) {
    case Opcode.ERROR:
      return readError(reader, version);
    case Opcode.READY:
      return { type: 'READY' };
    case Opcode.AUTHENTICATE:
      return { type: 'AUTHENTICATE', authenticator: reader.readString() };
    case Opcode.SUPPORTED:
      return { type: 'SUPPORTED', options: reader.readStringMultimap() };
    case Opcode.RESULT:
      return { type: 'RESULT', result: readResult(reader, version) };
    case Opcode.EVENT:
      return { type: 'EVENT', event: readEvent(reader) };
    case Opcode.AUTH_CHALLENGE:
      return { type: 'AUTH_CHALLENGE', token: reader.readBytes() };
    case Opcode.AUTH_SUCCESS:
      return { type: 'AUTH_SUCCESS', token: reader.readBytes() };
    default:
      throw new ProtocolError('UNKNOWN_OPCODE', `opcode ${opcodeName(opcode)} (0x${opcode.toString(16)}) is not a response`);
  }
}

function readError(reader: BodyReader, version: number): Response {
  const code = reader.readInt();
  const message = reader.readString();
  const kind = DETAILS_BY_CODE.get(code);
  return kind === undefined ? { type: 'ERROR', code, message } : { type: 'ERROR', code, message, details: readErrorDetails(reader, kind, version) };
}

/** v5 follows the failure count with that many <endpoint><failure_code> pairs. */
function readFailures(reader: BodyReader, version: number): { numFailures: number; reasons?: FailureReason[] } {
  const start = reader.position;
  const numFailures = reader.readInt();
  if (version < 5) return { numFailures };
  // Each pair takes at least 7 bytes: refuse counts the body cannot hold before allocating.
  if (numFailures < 0 || numFailures * 7 > reader.remaining()) {
    throw new ProtocolError('MALFORMED_BODY', `failure count ${numFailures} at offset ${start} does not fit the body`);
  }
  const reasons: FailureReason[] = [];
  for (let i = 0; i < numFailures; i++) {
    const address = reader.readInetAddr();
    reasons.push({ address, code: reader.readShort() });
  }
  return { numFailures, reasons };
}

function readErrorDetails(reader: BodyReader, kind: ErrorDetails['kind'], version: number): ErrorDetails {
  switch (kind) {
    case 'unavailable': {
      const consistency = reader.readConsistency();
      const required = reader.readInt();
      return { kind, consistency, required, alive: reader.readInt() };
    }
    case 'write_timeout': {
      const consistency = reader.readConsistency();
      const received = reader.readInt();
      const blockFor = reader.readInt();
      const writeType = reader.readString();
      // Cassandra writes the count only from its CAS timeout exception: tolerate a CAS timeout without it.
      if (version >= 5 && writeType === 'CAS' && reader.remaining() >= 2) {
        return { kind, consistency, received, blockFor, writeType, contentions: reader.readShort() };
      }
      return { kind, consistency, received, blockFor, writeType };
    }
    case 'read_timeout': {
      const consistency = reader.readConsistency();
      const received = reader.readInt();
      const blockFor = reader.readInt();
      return { kind, consistency, received, blockFor, dataPresent: reader.readByte() !== 0 };
    }
    case 'read_failure': {
      const consistency = reader.readConsistency();
      const received = reader.readInt();
      const blockFor = reader.readInt();
      const failures = readFailures(reader, version);
      return { kind, consistency, received, blockFor, ...failures, dataPresent: reader.readByte() !== 0 };
    }
    case 'function_failure': {
      const keyspace = reader.readString();
      const name = reader.readString();
      return { kind, keyspace, function: name, argTypes: reader.readStringList() };
    }
    case 'write_failure': {
      const consistency = reader.readConsistency();
      const received = reader.readInt();
      const blockFor = reader.readInt();
      const failures = readFailures(reader, version);
      return { kind, consistency, received, blockFor, ...failures, writeType: reader.readString() };
    }
    case 'cas_write_unknown': {
      const consistency = reader.readConsistency();
      const received = reader.readInt();
      return { kind, consistency, received, blockFor: reader.readInt() };
    }
    case 'already_exists': {
      const keyspace = reader.readString();
      return { kind, keyspace, table: reader.readString() };
    }
    case 'unprepared':
      return { kind, id: reader.readShortBytes() };
  }
}

function readResult(reader: BodyReader, version: number): Result {
  const start = reader.position;
  const kind = reader.readInt();
  switch (kind) {
    case ResultKind.VOID:
      return { kind: 'void' };
    case ResultKind.ROWS:
      return readRows(reader, version);
    case ResultKind.SET_KEYSPACE:
      return { kind: 'set_keyspace', keyspace: reader.readString() };
    case ResultKind.PREPARED: {
      const id = reader.readShortBytes();
      const resultMetadataId = version >= 5 ? reader.readShortBytes() : undefined;
      const variables = readPreparedMetadata(reader, version);
      const resultMetadata = readRowsMetadata(reader, version);
      return resultMetadataId === undefined
        ? { kind: 'prepared', id, variables, resultMetadata }
        : { kind: 'prepared', id, resultMetadataId, variables, resultMetadata };
    }
    case ResultKind.SCHEMA_CHANGE:
      return { kind: 'schema_change', ...readSchemaChange(reader) };
    default:
      throw new ProtocolError('MALFORMED_BODY', `unknown RESULT kind ${kind} at offset ${start}`);
  }
}

function readRows(reader: BodyReader, version: number): Result {
  const metadata = readRowsMetadata(reader, version);
  const start = reader.position;
  const rowCount = reader.readInt();
  const columnCount = metadata.columnCount;
  // Every cell takes at least its 4-byte length: refuse counts the body cannot hold before allocating.
  if (rowCount < 0 || rowCount * columnCount * 4 > reader.remaining()) {
    throw new ProtocolError('MALFORMED_BODY', `row count ${rowCount} of ${columnCount} columns at offset ${start} does not fit the body`);
  }
  const rows: (Buffer | null)[][] = new Array<(Buffer | null)[]>(rowCount);
  for (let r = 0; r < rowCount; r++) {
    const row = new Array<Buffer | null>(columnCount);
    for (let c = 0; c < columnCount; c++) row[c] = reader.readBytes();
    rows[r] = row;
  }
  return { kind: 'rows', metadata, rows };
}

function readSchemaChange(reader: BodyReader): SchemaChange {
  const start = reader.position;
  const change = reader.readString();
  const target = reader.readString();
  const keyspace = reader.readString();
  switch (target) {
    case 'KEYSPACE':
      return { change, target, keyspace };
    case 'TABLE':
    case 'TYPE':
      return { change, target, keyspace, name: reader.readString() };
    case 'FUNCTION':
    case 'AGGREGATE': {
      const name = reader.readString();
      return { change, target, keyspace, name, argTypes: reader.readStringList() };
    }
    default:
      throw new ProtocolError('MALFORMED_BODY', `unknown schema change target "${target}" at offset ${start}`);
  }
}

function readEvent(reader: BodyReader): ServerEvent {
  const start = reader.position;
  const type = reader.readString();
  switch (type) {
    case 'TOPOLOGY_CHANGE':
    case 'STATUS_CHANGE': {
      const change = reader.readString();
      return { type, change, address: reader.readInet() };
    }
    case 'SCHEMA_CHANGE':
      return { type, ...readSchemaChange(reader) };
    default:
      throw new ProtocolError('MALFORMED_BODY', `unknown event type "${type}" at offset ${start}`);
  }
}

/** A whole response frame: direction bit set, flags derived from the extras given. */
export function encodeResponse(version: number, stream: number, response: Response, extras: ResponseExtras = {}): Buffer {
  checkMessageVersion(version, { stream });
  const { tracingId, warnings, customPayload } = extras;
  if (version < 4 && (warnings !== undefined || customPayload !== undefined)) {
    throw new ProtocolError('UNSUPPORTED_VERSION', 'warnings and custom payloads need protocol v4', { stream, version });
  }
  const writer = new BodyWriter(headerLength(version));
  let flags = 0;
  if (tracingId !== undefined) {
    flags |= FrameFlag.TRACING;
    writer.writeUuid(tracingId);
  }
  if (warnings !== undefined) {
    flags |= FrameFlag.WARNING;
    writer.writeStringList(warnings);
  }
  if (customPayload !== undefined) {
    flags |= FrameFlag.CUSTOM_PAYLOAD;
    writer.writeBytesMap(customPayload);
  }
  try {
    writeResponse(writer, response, version);
  } catch (error) {
    throw error instanceof ProtocolError ? error.at(stream, version) : error;
  }
  const frame = writer.toBufferWithHeadroom();
  writeHeader(frame, { version, isResponse: true, flags, stream, opcode: Opcode[response.type] }, writer.length);
  return frame;
}

function writeResponse(writer: BodyWriter, response: Response, version: number): void {
  switch (response.type) {
    case 'ERROR':
      writeError(writer, response.code, response.message, response.details, version);
      return;
    case 'READY':
      return;
    case 'AUTHENTICATE':
      writer.writeString(response.authenticator);
      return;
    case 'SUPPORTED':
      writer.writeStringMultimap(response.options);
      return;
    case 'RESULT':
      writeResult(writer, response.result, version);
      return;
    case 'EVENT':
      writeEvent(writer, response.event);
      return;
    case 'AUTH_CHALLENGE':
    case 'AUTH_SUCCESS':
      writer.writeBytes(response.token);
      return;
  }
}

function writeError(writer: BodyWriter, code: number, message: string, details: ErrorDetails | undefined, version: number): void {
  const expected = DETAILS_BY_CODE.get(code);
  if (details?.kind !== expected) {
    const wanted = expected === undefined ? 'no details' : `${expected} details`;
    throw new ProtocolError('MALFORMED_BODY', `ERROR 0x${code.toString(16).padStart(4, '0')} takes ${wanted}, not ${details?.kind ?? 'none'}`);
  }
  writer.writeInt(code);
  writer.writeString(message);
  if (details !== undefined) writeErrorDetails(writer, details, version);
}

function writeFailures(writer: BodyWriter, numFailures: number, reasons: readonly FailureReason[] | undefined, version: number): void {
  if (version < 5) {
    if (reasons !== undefined) throw needsV5('failure reasons by replica', version);
    writer.writeInt(numFailures);
    return;
  }
  if (reasons === undefined) throw new ProtocolError('MALFORMED_BODY', 'a v5 failure error needs its reasons by replica');
  if (reasons.length !== numFailures) {
    throw new ProtocolError('MALFORMED_BODY', `${numFailures} failures announced but ${reasons.length} reasons given; v5 counts the reasons`);
  }
  writer.writeInt(reasons.length);
  for (const reason of reasons) {
    writer.writeInetAddr(reason.address);
    writer.writeShort(reason.code);
  }
}

function needsV5(what: string, version: number): ProtocolError {
  return new ProtocolError('UNSUPPORTED_VERSION', `${what} needs protocol v5, not v${version}`, { version });
}

function writeErrorDetails(writer: BodyWriter, details: ErrorDetails, version: number): void {
  switch (details.kind) {
    case 'unavailable':
      writer.writeConsistency(details.consistency);
      writer.writeInt(details.required);
      writer.writeInt(details.alive);
      return;
    case 'write_timeout':
    case 'read_timeout':
    case 'read_failure':
    case 'write_failure':
    case 'cas_write_unknown':
      writer.writeConsistency(details.consistency);
      writer.writeInt(details.received);
      writer.writeInt(details.blockFor);
      if (details.kind === 'read_failure' || details.kind === 'write_failure') writeFailures(writer, details.numFailures, details.reasons, version);
      if (details.kind === 'read_timeout' || details.kind === 'read_failure') writer.writeByte(details.dataPresent ? 1 : 0);
      if (details.kind === 'write_timeout' || details.kind === 'write_failure') writer.writeString(details.writeType);
      if (details.kind === 'write_timeout') writeContentions(writer, details, version);
      return;
    case 'function_failure':
      writer.writeString(details.keyspace);
      writer.writeString(details.function);
      writer.writeStringList(details.argTypes);
      return;
    case 'already_exists':
      writer.writeString(details.keyspace);
      writer.writeString(details.table);
      return;
    case 'unprepared':
      writer.writeShortBytes(details.id);
      return;
  }
}

/** v5 readers expect the count after every CAS write timeout, so it cannot be left out there. */
function writeContentions(writer: BodyWriter, details: Extract<ErrorDetails, { kind: 'write_timeout' }>, version: number): void {
  const { writeType, contentions } = details;
  if (version < 5 || writeType !== 'CAS') {
    if (contentions !== undefined) throw new ProtocolError(version < 5 ? 'UNSUPPORTED_VERSION' : 'MALFORMED_BODY', `contentions belong to v5 CAS write timeouts only, not a v${version} ${writeType} one`, { version });
    return;
  }
  if (contentions === undefined) throw new ProtocolError('MALFORMED_BODY', 'a v5 CAS write timeout needs its contentions');
  writer.writeShort(contentions);
}

function writeResult(writer: BodyWriter, result: Result, version: number): void {
  switch (result.kind) {
    case 'void':
      writer.writeInt(ResultKind.VOID);
      return;
    case 'rows':
      writer.writeInt(ResultKind.ROWS);
      writeRows(writer, result.metadata, result.rows, version);
      return;
    case 'set_keyspace':
      writer.writeInt(ResultKind.SET_KEYSPACE);
      writer.writeString(result.keyspace);
      return;
    case 'prepared':
      writer.writeInt(ResultKind.PREPARED);
      writer.writeShortBytes(result.id);
      if (version >= 5) {
        if (result.resultMetadataId === undefined) throw new ProtocolError('MALFORMED_BODY', 'a v5 prepared result needs its result metadata id');
        writer.writeShortBytes(result.resultMetadataId);
      } else if (result.resultMetadataId !== undefined) {
        throw needsV5('a result metadata id', version);
      }
      writePreparedMetadata(writer, result.variables, version);
      writeRowsMetadata(writer, result.resultMetadata, version);
      return;
    case 'schema_change':
      writer.writeInt(ResultKind.SCHEMA_CHANGE);
      writeSchemaChange(writer, result);
      return;
  }
}

function writeRows(writer: BodyWriter, metadata: RowsMetadata, rows: readonly (readonly (Buffer | null)[])[], version: number): void {
  writeRowsMetadata(writer, metadata, version);
  writer.writeInt(rows.length);
  for (const row of rows) {
    if (row.length !== metadata.columnCount) {
      throw new ProtocolError('MALFORMED_BODY', `a row of ${row.length} cells in a result of ${metadata.columnCount} columns`);
    }
    for (const cell of row) writer.writeBytes(cell);
  }
}

function writeSchemaChange(writer: BodyWriter, change: SchemaChange): void {
  writer.writeString(change.change);
  writer.writeString(change.target);
  writer.writeString(change.keyspace);
  switch (change.target) {
    case 'KEYSPACE':
      return;
    case 'TABLE':
    case 'TYPE':
      writer.writeString(required(change.name, change.target, 'a name'));
      return;
    case 'FUNCTION':
    case 'AGGREGATE':
      writer.writeString(required(change.name, change.target, 'a name'));
      writer.writeStringList(required(change.argTypes, change.target, 'argument types'));
      return;
    default:
      throw new ProtocolError('MALFORMED_BODY', `unknown schema change target "${change.target}"`);
  }
}

function required<T>(value: T | undefined, target: string, what: string): T {
  if (value === undefined) throw new ProtocolError('MALFORMED_BODY', `a ${target} schema change needs ${what}`);
  return value;
}

function writeEvent(writer: BodyWriter, event: ServerEvent): void {
  writer.writeString(event.type);
  if (event.type === 'SCHEMA_CHANGE') {
    writeSchemaChange(writer, event);
    return;
  }
  writer.writeString(event.change);
  writer.writeInet(event.address);
}
