/**
 * A client and a cluster need not speak the same protocol version: a v5 client may sit in front
 * of a cluster that speaks v4 at most. A request is then read in the client's version and
 * written in the cluster's, and the answer the other way. What one version cannot carry is
 * refused, never dropped, where it would change what runs (a per-query keyspace that names the
 * tables of an unqualified statement, a clock); v5's result metadata ids, which a v4 cluster
 * does not know, the proxy makes up itself from the columns, as Cassandra does.
 */
import { createHash } from 'node:crypto';
import { classify } from './classify.js';
import { ProtocolError } from './errors.js';
import { headerLength, type Frame } from './frame.js';
import { writeRowsMetadata, type RowsMetadata } from './metadata.js';
import { decodeRequest, encodeRequestBody, type Request } from './requests.js';
import { decodeResponse, encodeResponse } from './responses.js';
import { BodyWriter } from './writer.js';

/** A request frame's body as a cluster speaking `version` reads it. */
export function translateRequestBody(frame: Frame, version: number): Buffer {
  if (frame.version === version) return frame.body;
  const { message, customPayload } = decodeRequest(frame);
  return encodeRequestBody(forVersion(message, version), version, customPayload);
}

/** A cluster's response frame as a client speaking `version` reads it. */
export function translateResponse(frame: Frame, version: number): Frame {
  if (frame.version === version) return frame;
  const { message, warnings, customPayload, tracingId } = decodeResponse(frame);
  let response = message;
  if (response.type === 'RESULT' && response.result.kind === 'prepared') {
    const { resultMetadataId: _dropped, ...prepared } = response.result;
    response = { type: 'RESULT', result: version >= 5 ? { ...prepared, resultMetadataId: resultMetadataId(prepared.resultMetadata) } : prepared };
  } else if (response.type === 'RESULT' && response.result.kind === 'rows' && response.result.metadata.newMetadataId !== undefined && version < 5) {
    const { newMetadataId: _dropped, ...metadata } = response.result.metadata;
    response = { type: 'RESULT', result: { ...response.result, metadata } };
  }
  const extras = { ...(warnings === undefined ? {} : { warnings }), ...(customPayload === undefined ? {} : { customPayload }), ...(tracingId === undefined ? {} : { tracingId }) };
  const bytes = encodeResponse(version, frame.stream, response, extras);
  const header = headerLength(version);
  return { version, isResponse: true, flags: bytes.readUInt8(1), stream: frame.stream, opcode: frame.opcode, body: bytes.subarray(header) };
}

/** The request without what only a later version carries: the metadata id; a keyspace or clock cannot be dropped. */
function forVersion(message: Request, version: number): Request {
  if (version >= 5) return message;
  switch (message.type) {
    case 'EXECUTE': {
      // A prepared statement's tables were resolved when it was prepared: its keyspace changes nothing.
      const { resultMetadataId: _id, ...execute } = message;
      const { keyspace: _keyspace, ...params } = execute.params;
      refuseV5Fields(params);
      return { ...execute, params };
    }
    case 'QUERY': {
      if (!qualified(message.query)) refuseV5Fields(message.params);
      const { keyspace: _keyspace, ...params } = message.params;
      refuseV5Fields(params);
      return { ...message, params };
    }
    case 'BATCH': {
      // Only statements given as text, and naming no keyspace of their own, resolve their tables in the batch's.
      if (message.statements.some((s) => s.kind === 'query' && !qualified(s.query))) refuseV5Fields(message);
      const { keyspace: _keyspace, ...batch } = message;
      refuseV5Fields(batch);
      return batch;
    }
    case 'PREPARE':
      refuseV5Fields(message);
      return message;
    default:
      return message;
  }
}

/** The statement names its table's keyspace itself: a per-query keyspace changes nothing for it. */
function qualified(query: string): boolean {
  return classify(query).keyspace !== undefined;
}

function refuseV5Fields(fields: { readonly keyspace?: string; readonly nowInSeconds?: number }): void {
  if (fields.keyspace !== undefined) throw new ProtocolError('UNSUPPORTED_VERSION', 'a per-query keyspace cannot be sent to a cluster that speaks protocol v4 at most: USE the keyspace, or qualify the table');
  if (fields.nowInSeconds !== undefined) throw new ProtocolError('UNSUPPORTED_VERSION', 'now_in_seconds cannot be sent to a cluster that speaks protocol v4 at most');
}

/** What Cassandra sends as a v5 result metadata id: a digest of the result's columns, so the same columns give the same id. */
export function resultMetadataId(metadata: RowsMetadata): Buffer {
  const writer = new BodyWriter(0);
  const { pagingState: _page, newMetadataId: _id, ...columns } = metadata;
  writeRowsMetadata(writer, columns, 4);
  return createHash('md5').update(writer.toBuffer()).digest();
}
