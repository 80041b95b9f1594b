import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Opcode,
  ProtocolError,
  decodeRequest,
  decodeResponse,
  encodeRequestBody,
  encodeResponse,
  headerLength,
  resultMetadataId,
  translateRequestBody,
  translateResponse,
  type Frame,
  type Request,
  type Response,
} from '../src/index.ts';

const request = (version: number, message: Request): Frame => ({ version, isResponse: false, flags: 0, stream: 3, opcode: opcodeOf(message), body: encodeRequestBody(message, version) });
const opcodeOf = (message: Request): number => ({ QUERY: Opcode.QUERY, EXECUTE: Opcode.EXECUTE, BATCH: Opcode.BATCH, PREPARE: Opcode.PREPARE })[message.type as 'QUERY'] ?? Opcode.OPTIONS;

function response(version: number, message: Response): Frame {
  const bytes = encodeResponse(version, 3, message);
  return { version, isResponse: true, flags: bytes.readUInt8(1), stream: 3, opcode: bytes.readUInt8(4), body: bytes.subarray(headerLength(version)) };
}

const params = { consistency: 1, skipMetadata: false };
const columns = [{ keyspace: 'ks', table: 't', name: 'id', type: { kind: 'primitive', name: 'int' } as const }];

describe('translating between protocol versions', () => {
  it("an EXECUTE from a v5 client loses the metadata id and keyspace a v4 cluster does not know (the statement's tables were resolved when prepared)", () => {
    const v5 = request(5, { type: 'EXECUTE', id: Buffer.from('01', 'hex'), resultMetadataId: Buffer.from('02', 'hex'), params: { ...params, keyspace: 'ks', values: [Buffer.from([1])] } });
    const v4 = decodeRequest({ ...v5, version: 4, body: translateRequestBody(v5, 4) }).message;
    assert.deepEqual(v4, { type: 'EXECUTE', id: Buffer.from('01', 'hex'), params: { ...params, values: [Buffer.from([1])] } });
  });

  it('a per-query keyspace is dropped only where the statement names its own, and refused where it would change what runs', () => {
    const qualified = request(5, { type: 'QUERY', query: 'SELECT * FROM ks.t', params: { ...params, keyspace: 'other' } });
    assert.deepEqual(decodeRequest({ ...qualified, version: 4, body: translateRequestBody(qualified, 4) }).message, { type: 'QUERY', query: 'SELECT * FROM ks.t', params });
    const unqualified = request(5, { type: 'QUERY', query: 'SELECT * FROM t', params: { ...params, keyspace: 'ks' } });
    assert.throws(() => translateRequestBody(unqualified, 4), (error: ProtocolError) => /per-query keyspace/.test(error.message));
    const batch = request(5, { type: 'BATCH', batchType: 0, consistency: 1, keyspace: 'ks', statements: [{ kind: 'query', query: "INSERT INTO t (id) VALUES (1)", values: [] }] });
    assert.throws(() => translateRequestBody(batch, 4), /per-query keyspace/);
    const clock = request(5, { type: 'QUERY', query: 'SELECT * FROM ks.t', params: { ...params, nowInSeconds: 100 } });
    assert.throws(() => translateRequestBody(clock, 4), /now_in_seconds/);
  });

  it("a v4 cluster's PREPARED gets the result metadata id a v5 client needs, the same for the same columns", () => {
    const resultMetadata = { columnCount: 1, columns };
    const prepared: Response = { type: 'RESULT', result: { kind: 'prepared', id: Buffer.from('aa', 'hex'), variables: { pkIndexes: [0], columns }, resultMetadata } };
    const v5 = translateResponse(response(4, prepared), 5);
    assert.equal(v5.version, 5);
    const message = decodeResponse(v5).message;
    assert.ok(message.type === 'RESULT' && message.result.kind === 'prepared');
    assert.deepEqual(message.result.resultMetadataId, resultMetadataId(resultMetadata));
    assert.notDeepEqual(resultMetadataId({ columnCount: 1, columns: [{ ...columns[0]!, name: 'other' }] }), message.result.resultMetadataId);
  });

  it('rows, errors and everything else read the same after translation', () => {
    const rows: Response = { type: 'RESULT', result: { kind: 'rows', metadata: { columnCount: 1, columns }, rows: [[Buffer.from([0, 0, 0, 7])], [null]] } };
    assert.deepEqual(decodeResponse(translateResponse(response(4, rows), 5)).message, rows);
    const error: Response = { type: 'ERROR', code: 0x2200, message: 'no' };
    assert.deepEqual(decodeResponse(translateResponse(response(5, error), 4)).message, error);
  });
});
