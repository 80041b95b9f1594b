import { Consistency, Opcode, decodeResponse, encodeRequestBody, quoteIdentifier } from '@cutover/cql-protocol';
import type { ClusterConnection } from './cluster-connection.js';

/** What it takes to open a cluster connection again as a client session had it. */
export interface SessionHandshake {
  readonly version: number;
  /** The client's STARTUP body. */
  readonly startup: Buffer;
  /** The AUTH_RESPONSE body that logs this session in, if the cluster asks. */
  readonly token: Buffer | undefined;
  readonly keyspace: string | undefined;
}

/**
 * Replays a session's handshake and keyspace on a new connection, so the session can go on
 * with it as with the one it lost. Resolves with the cluster's reason if it refuses.
 */
export async function rejoin(connection: ClusterConnection, session: SessionHandshake): Promise<string | undefined> {
  let answer = decodeResponse(await connection.send(Opcode.STARTUP, session.startup)).message;
  if (answer.type === 'AUTHENTICATE') {
    if (session.token === undefined) return 'it asks for credentials this session never gave it';
    answer = decodeResponse(await connection.send(Opcode.AUTH_RESPONSE, session.token)).message;
  }
  if (answer.type === 'ERROR') return answer.message;
  if (session.keyspace !== undefined) {
    const used = decodeResponse(await connection.send(Opcode.QUERY, useRequest(session.keyspace, session.version))).message;
    if (used.type === 'ERROR') return used.message;
  }
  return undefined;
}

/** The body of a QUERY that makes `keyspace` a connection's own. */
export function useRequest(keyspace: string, version: number): Buffer {
  return encodeRequestBody({ type: 'QUERY', query: `USE ${quoteIdentifier(keyspace)}`, params: { consistency: Consistency.ONE, skipMetadata: false } }, version);
}
