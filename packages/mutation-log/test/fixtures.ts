import { Consistency, ErrorCode, UNSET, encodeRequestBody, encodeValue, type CqlType, type QueryValue, type Request } from '@cutover/cql-protocol';
import type { StoredRecord } from '@cutover/event-log';
import type { MutationInput } from '../src/index.ts';

/** Shared by the package's tests: CQL types, request bodies and mutations as the proxy makes them. */

export const int: CqlType = { kind: 'primitive', name: 'int' };
export const text: CqlType = { kind: 'primitive', name: 'varchar' };
export const bigint: CqlType = { kind: 'primitive', name: 'bigint' };
export const tags: CqlType = { kind: 'map', key: text, value: { kind: 'list', element: int } };
export const address: CqlType = { kind: 'udt', keyspace: 'shop', name: 'address', fields: [{ name: 'street', type: text }, { name: 'Zip', type: int }] };

export const cell = (value: unknown, type: CqlType): Buffer => encodeValue(value, type, 4)!;

export function body(request: Request, version = 4): Buffer {
  return encodeRequestBody(request, version);
}

export function executeBody(id: Buffer, values: readonly QueryValue[], timestamp?: bigint): Buffer {
  return body({ type: 'EXECUTE', id, params: { consistency: Consistency.LOCAL_QUORUM, values, skipMetadata: true, ...(timestamp === undefined ? {} : { timestamp }) } });
}

export { UNSET };

export function mutation(overrides: Partial<MutationInput> & Pick<MutationInput, 'opcode' | 'statements' | 'body'>): MutationInput {
  return {
    epoch: 1_795_000_000_000,
    sequence: 1,
    receivedAt: 1_795_000_000_123_456,
    kind: 'INSERT',
    protocolVersion: 4,
    consistency: Consistency.LOCAL_QUORUM,
    serialConsistency: null,
    writeTimestamp: 1_795_000_000_123_456n,
    nonIdempotent: { counter: false, listAppend: false, lwt: false, now: false, uuid: false },
    origin: { ok: true, timedOut: false, latencyMicros: 1250 },
    target: { ok: false, errorCode: ErrorCode.WRITE_TIMEOUT, errorMessage: 'write timeout', timedOut: false, latencyMicros: 2_000_500 },
    connectionId: 'c1',
    clientAddress: '127.0.0.1:50000',
    driver: 'DataStax Node.js Driver 4.10.0',
    ...overrides,
  };
}

export function stored(value: Buffer, offset = 0): StoredRecord {
  return { topic: 't.cutover.mutations', partition: 2, offset: String(offset), timestamp: 1_795_000_001_000, key: null, value };
}
