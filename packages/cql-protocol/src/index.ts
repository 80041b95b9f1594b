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
export { DEFAULT_MAX_BODY_LENGTH, MAX_FRAME_VERSION, encodeFrame, headerLength, type Frame } from './frame.js';
export { FrameDecoder, type FrameDecoderOptions } from './decoder.js';
export { compressBody, compressFrame, decompressBody, decompressFrame, type CompressionAlgorithm } from './compression.js';
export { ConnectionFraming, startupCompression } from './connection-framing.js';
export { resultMetadataId, translateRequestBody, translateResponse } from './translate.js';
export { MAX_SEGMENT_PAYLOAD_LENGTH, SegmentDecoder, encodeSegments, type SegmentDecoderOptions, type SegmentOptions } from './segments.js';
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
  type FailureReason,
  type Response,
  type ResponseExtras,
  type Result,
  type SchemaChange,
  type ServerEvent,
} from './responses.js';
export { tokenize, type Token, type TokenKind } from './tokenize.js';
export { CLOCK_FUNCTIONS, classify, findFunctionCalls, type MutationKind, type NonIdempotence, type StatementInfo, type StatementKind } from './classify.js';
export { decodeValue, encodeValue, renderValue, toDriverType, type DriverType } from './values.js';
export { cqlString, quoteIdentifier, quoteQualified } from './names.js';
