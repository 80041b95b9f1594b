export * from './types.js';
export { ProtocolError, type ProtocolErrorCode, type ProtocolErrorLocation } from './errors.js';
export { BatchType, Consistency, ErrorCode, FrameFlag, Opcode, opcodeName, type OpcodeName } from './opcodes.js';
export { BodyReader, type Inet } from './reader.js';
export { BodyWriter } from './writer.js';
export {
  readPreparedMetadata,
  readRowsMetadata,
  readTypeOption,
  writePreparedMetadata,
  writeRowsMetadata,
  writeTypeOption,
  type ColumnSpec,
  type PreparedMetadata,
  type RowsMetadata,
} from './metadata.js';
export { DEFAULT_MAX_BODY_LENGTH, encodeFrame, headerLength, type Frame } from './frame.js';
export { FrameDecoder, type FrameDecoderOptions } from './decoder.js';
export {
  UNSET,
  decodeRequest,
  encodeRequest,
  encodeRequestBody,
  type BatchStatement,
  type Envelope,
  type QueryParameters,
  type QueryValue,
  type Request,
} from './requests.js';
export {
  decodeResponse,
  encodeResponse,
  type ErrorDetails,
  type Response,
  type ResponseExtras,
  type Result,
  type SchemaChange,
  type ServerEvent,
} from './responses.js';
export { tokenize, type Token, type TokenKind } from './tokenize.js';
export { CLOCK_FUNCTIONS, classify, findFunctionCalls, type MutationKind, type NonIdempotence, type StatementInfo, type StatementKind } from './classify.js';
export { cqlIdentifier, cqlString, decodeValue, encodeValue, renderValue, toDriverType, type DriverType } from './values.js';
