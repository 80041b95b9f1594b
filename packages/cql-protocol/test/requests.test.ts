import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Frame } from '../src/frame.ts';
import { BatchType, Consistency, FrameFlag, Opcode } from '../src/opcodes.ts';
import { UNSET, decodeRequest, encodeRequest, encodeRequestBody, type Request } from '../src/requests.ts';
import { SegmentDecoder } from '../src/segments.ts';
import { V5_BATCH, V5_EXECUTE, V5_PREPARE, V5_QUERY_KEYSPACE } from './captured.ts';
import { hex, onlyFrame, protocolError } from './helpers.ts';

function requestFrame(body: Buffer, fields: Partial<Frame> = {}): Frame {
  return { version: 4, isResponse: false, flags: 0, stream: 9, opcode: Opcode.QUERY, body, ...fields };
}

const allParameters = {
  consistency: Consistency.QUORUM,
  values: [hex('0102'), null, UNSET],
  names: ['a', 'b', 'c'],
  skipMetadata: true,
  pageSize: 5000,
  pagingState: hex('abcd'),
  serialConsistency: Consistency.LOCAL_SERIAL,
  timestamp: 1_700_000_000_000_000n,
} as const;

/** One of each request, using every optional part at least once. */
const REQUESTS: readonly Request[] = [
  { type: 'STARTUP', options: { CQL_VERSION: '3.0.0', DRIVER_NAME: 'tëst' } },
  { type: 'OPTIONS' },
  { type: 'AUTH_RESPONSE', token: hex('00636173736100636173736100') },
  { type: 'AUTH_RESPONSE', token: null },
  { type: 'QUERY', query: 'SELECT * FROM system.local', params: { consistency: Consistency.ONE, skipMetadata: false } },
  { type: 'QUERY', query: 'SELECT ?', params: allParameters },
  { type: 'QUERY', query: 'INSERT INTO t (a) VALUES (?)', params: { consistency: Consistency.ALL, values: [hex('00')], skipMetadata: false } },
  { type: 'QUERY', query: '', params: { consistency: Consistency.ANY, values: [], skipMetadata: false } },
  { type: 'PREPARE', query: 'SELECT * FROM ks.t WHERE id = ?' },
  { type: 'EXECUTE', id: hex('0123456789abcdef'), params: { consistency: Consistency.LOCAL_ONE, values: [null, hex('ff')], skipMetadata: true, pageSize: 100 } },
  {
    type: 'BATCH',
    batchType: BatchType.UNLOGGED,
    statements: [
      { kind: 'query', query: 'INSERT INTO t (a) VALUES (?)', values: [hex('01')] },
      { kind: 'prepared', id: hex('beef'), values: [] },
    ],
    consistency: Consistency.TWO,
    serialConsistency: Consistency.SERIAL,
    timestamp: 42n,
  },
  { type: 'BATCH', batchType: BatchType.COUNTER, statements: [], consistency: Consistency.ONE },
  {
    type: 'BATCH',
    batchType: BatchType.LOGGED,
    statements: [
      { kind: 'query', query: 'UPDATE t SET a = :a', values: [hex('02'), null], names: ['a', 'b'] },
      { kind: 'prepared', id: hex('01'), values: [hex('03')], names: ['x'] },
    ],
    consistency: Consistency.QUORUM,
  },
  { type: 'REGISTER', events: ['TOPOLOGY_CHANGE', 'STATUS_CHANGE', 'SCHEMA_CHANGE'] },
];

function usesUnset(request: Request): boolean {
  return request.type === 'QUERY' && request.params.values?.includes(UNSET) === true;
}

describe('request round trips', () => {
  for (const version of [3, 4]) {
    it(`encodes and decodes every request in v${version}`, () => {
      for (const request of REQUESTS.filter((r) => version >= 4 || !usesUnset(r))) {
        const frame = onlyFrame(encodeRequest(version, 3, request));
        assert.equal(frame.version, version);
        assert.equal(frame.isResponse, false);
        assert.equal(frame.stream, 3);
        assert.equal(frame.opcode, Opcode[request.type]);
        assert.deepEqual(decodeRequest(frame), { message: request }, request.type);
        assert.deepEqual(frame.body, encodeRequestBody(request, version));
      }
    });
  }

  it('carries a custom payload before the message and a tracing flag without a body part', () => {
    const payload = new Map([
      ['k1', hex('0102')],
      ['k2', null],
    ]);
    const request = REQUESTS[5] as Request;
    const bytes = encodeRequest(4, 1, request, { tracing: true, customPayload: payload });
    const frame = onlyFrame(bytes);
    assert.equal(frame.flags, FrameFlag.TRACING | FrameFlag.CUSTOM_PAYLOAD);
    assert.deepEqual(frame.body.subarray(0, 20), hex('0002 0002 6b31 00000002 0102 0002 6b32 ffffffff'));
    assert.deepEqual(decodeRequest(frame), { customPayload: payload, message: request });
  });

  it('refuses what v3 cannot carry: UNSET values and custom payloads', () => {
    assert.equal(protocolError(() => encodeRequest(3, 0, REQUESTS[5] as Request)).code, 'UNSUPPORTED_VERSION');
    assert.equal(protocolError(() => encodeRequest(3, 0, { type: 'OPTIONS' }, { customPayload: new Map() })).code, 'UNSUPPORTED_VERSION');
  });

  it('reads a v3 value length of -2 as null, since [value] is a v4 notation', () => {
    const body = hex('00000001 3f' + '0001 01 0001 fffffffe');
    const { message } = decodeRequest(requestFrame(body, { version: 3 }));
    assert.deepEqual(message, { type: 'QUERY', query: '?', params: { consistency: 1, values: [null], skipMetadata: false } });
  });

  it('ignores the custom payload flag in v3, where it does not exist', () => {
    const body = encodeRequestBody({ type: 'PREPARE', query: 'x' }, 3);
    const { message } = decodeRequest(requestFrame(body, { version: 3, opcode: Opcode.PREPARE, flags: FrameFlag.CUSTOM_PAYLOAD }));
    assert.deepEqual(message, { type: 'PREPARE', query: 'x' });
  });

  it('keeps a __proto__ STARTUP option as plain data', () => {
    const body = hex('0001 0009' + Buffer.from('__proto__').toString('hex') + '0001 78');
    const { message } = decodeRequest(requestFrame(body, { opcode: Opcode.STARTUP }));
    assert.ok(message.type === 'STARTUP');
    assert.equal(Object.getPrototypeOf(message.options), Object.prototype);
    assert.deepEqual(Object.entries(message.options), [['__proto__', 'x']]);
  });
});

describe('request byte layouts', () => {
  it('writes a QUERY with every parameter flag exactly as the spec lays it out', () => {
    const expected = hex(
      '04 00 0005 07 0000003c' + // v4 request, stream 5, QUERY, body length 60
        '00000008 53454c454354203f' + // [long string] "SELECT ?"
        '0004 7f' + // QUORUM, flags: values|skip_metadata|page_size|paging_state|serial|timestamp|names
        '0003' + // 3 values
        '0001 61 00000002 0102' + // a = 0x0102
        '0001 62 ffffffff' + // b = null
        '0001 63 fffffffe' + // c = not set
        '00001388' + // page size 5000
        '00000002 abcd' + // paging state
        '0009' + // serial consistency LOCAL_SERIAL
        '00060a24181e4000', // timestamp 1700000000000000 µs
    );
    const request: Request = { type: 'QUERY', query: 'SELECT ?', params: allParameters };
    assert.deepEqual(encodeRequest(4, 5, request), expected);
    assert.deepEqual(decodeRequest(onlyFrame(expected)).message, request);
  });

  it('writes an EXECUTE and a BATCH exactly as the spec lays them out', () => {
    const execute: Request = { type: 'EXECUTE', id: hex('abcd'), params: { consistency: Consistency.ONE, values: [hex('07')], skipMetadata: false } };
    assert.deepEqual(encodeRequestBody(execute, 4), hex('0002 abcd' + '0001 01' + '0001 00000001 07'));
    const batch = REQUESTS[10] as Request;
    const expected = hex(
      '01 0002' + // unlogged, 2 statements
        '00 0000001c' + Buffer.from('INSERT INTO t (a) VALUES (?)').toString('hex') + '0001 00000001 01' +
        '01 0002 beef 0000' + // prepared id, no values
        '0002 30' + // consistency TWO, flags serial|timestamp
        '0008 000000000000002a',
    );
    assert.deepEqual(encodeRequestBody(batch, 4), expected);
  });

  it('writes BATCH names before each value and the names flag after the statements', () => {
    const body = encodeRequestBody(REQUESTS[12] as Request, 4);
    assert.deepEqual(body.subarray(body.length - 3), hex('0004 40'));
  });
});

describe('request decoding errors', () => {
  it('refuses opcodes that are not requests, with stream and version', () => {
    for (const opcode of [0x04, Opcode.READY, Opcode.RESULT, Opcode.ERROR, 0x11, 0xff]) {
      const error = protocolError(() => decodeRequest(requestFrame(Buffer.alloc(0), { opcode })));
      assert.equal(error.code, 'UNKNOWN_OPCODE');
      assert.equal(error.stream, 9);
      assert.equal(error.version, 4);
    }
  });

  it('refuses every truncated body with MALFORMED_BODY, never a RangeError', () => {
    for (const version of [3, 4]) {
      for (const request of REQUESTS.filter((r) => version >= 4 || !usesUnset(r))) {
        const frame = onlyFrame(encodeRequest(version, 2, request, version >= 4 ? { customPayload: new Map([['p', hex('00')]]) } : {}));
        for (let n = 0; n < frame.body.length; n++) {
          const error = protocolError(() => decodeRequest({ ...frame, body: frame.body.subarray(0, n) }));
          assert.equal(error.code, 'MALFORMED_BODY', `${request.type} v${version} cut at ${n}: ${error.message}`);
          assert.equal(error.stream, 2);
          assert.equal(error.version, version);
        }
      }
    }
  });

  it('says where a body ends early', () => {
    const error = protocolError(() => decodeRequest(requestFrame(hex('00000010 41'))));
    assert.equal(error.message, 'body ends inside a [long string] at offset 0');
  });

  it('refuses trailing bytes after a complete request', () => {
    const body = Buffer.concat([encodeRequestBody({ type: 'REGISTER', events: ['UP'] }, 4), hex('00')]);
    const error = protocolError(() => decodeRequest(requestFrame(body, { opcode: Opcode.REGISTER })));
    assert.equal(error.code, 'MALFORMED_BODY');
    assert.match(error.message, /1 unexpected bytes after the REGISTER message/);
    assert.equal(protocolError(() => decodeRequest(requestFrame(hex('00'), { opcode: Opcode.OPTIONS }))).code, 'MALFORMED_BODY');
  });

  it('refuses invalid [value] lengths and BATCH statement kinds', () => {
    assert.match(protocolError(() => decodeRequest(requestFrame(hex('00000000 0001 01 0001 fffffffd')))).message, /invalid length -3/);
    const batch = hex('00 0001 02');
    assert.match(protocolError(() => decodeRequest(requestFrame(batch, { opcode: Opcode.BATCH }))).message, /statement kind 2/);
  });

  it('refuses compressed bodies and versions other than 3, 4 and 5', () => {
    assert.equal(protocolError(() => decodeRequest(requestFrame(hex('00'), { flags: FrameFlag.COMPRESSION }))).code, 'MALFORMED_BODY');
    for (const version of [1, 2, 6]) {
      const error = protocolError(() => decodeRequest(requestFrame(Buffer.alloc(0), { version, opcode: Opcode.OPTIONS })));
      assert.equal(error.code, 'UNSUPPORTED_VERSION');
      assert.equal(error.stream, 9);
      assert.equal(error.version, version);
    }
    assert.equal(protocolError(() => encodeRequest(6, 0, { type: 'OPTIONS' })).code, 'UNSUPPORTED_VERSION');
  });

  it('refuses to encode what the wire cannot hold', () => {
    const params = { consistency: 1, values: [null], names: ['a', 'b'], skipMetadata: false };
    assert.equal(protocolError(() => encodeRequest(4, 0, { type: 'QUERY', query: 'x', params })).stream, 0);
    const mixed: Request = {
      type: 'BATCH',
      batchType: 0,
      consistency: 1,
      statements: [
        { kind: 'query', query: 'a', values: [], names: [] },
        { kind: 'query', query: 'b', values: [] },
      ],
    };
    assert.equal(protocolError(() => encodeRequest(4, 0, mixed)).code, 'MALFORMED_BODY');
    assert.equal(protocolError(() => encodeRequest(4, 0, { type: 'EXECUTE', id: Buffer.alloc(70000), params })).code, 'MALFORMED_BODY');
  });
});

/** v5 requires the result metadata id on every EXECUTE. */
function asV5(request: Request): Request {
  return request.type === 'EXECUTE' ? { ...request, resultMetadataId: hex('f00d') } : request;
}

/** What only v5 can carry: per-statement keyspace, now_in_seconds, PREPARE flags, result metadata ids. */
const V5_REQUESTS: readonly Request[] = [
  { type: 'QUERY', query: 'SELECT * FROM t', params: { consistency: Consistency.ONE, skipMetadata: false, keyspace: 'ks', nowInSeconds: 1_700_000_000 } },
  { type: 'QUERY', query: 'SELECT ?', params: { ...allParameters, keyspace: 'kś' } },
  { type: 'QUERY', query: 'SELECT 1', params: { consistency: Consistency.ONE, skipMetadata: true, nowInSeconds: -1 } },
  { type: 'PREPARE', query: 'SELECT * FROM t WHERE id = ?', keyspace: 'ks' },
  { type: 'PREPARE', query: 'SELECT 1' },
  { type: 'EXECUTE', id: hex('01'), resultMetadataId: Buffer.alloc(0), params: { consistency: Consistency.ONE, skipMetadata: true, nowInSeconds: 5 } },
  {
    type: 'BATCH',
    batchType: BatchType.LOGGED,
    statements: [{ kind: 'query', query: 'INSERT INTO t (a) VALUES (1)', values: [] }],
    consistency: Consistency.QUORUM,
    serialConsistency: Consistency.LOCAL_SERIAL,
    timestamp: 7n,
    keyspace: 'ks',
    nowInSeconds: 99,
  },
  { type: 'BATCH', batchType: BatchType.UNLOGGED, statements: [], consistency: Consistency.ONE, keyspace: 'other' },
];

/** The one envelope in captured v5 segments. */
function capturedFrame(segments: Buffer): Frame {
  const frames = new SegmentDecoder().push(segments);
  assert.equal(frames.length, 1);
  return frames[0] as Frame;
}

describe('v5 requests', () => {
  it('encodes and decodes every request, and what only v5 carries', () => {
    for (const request of [...REQUESTS.map(asV5), ...V5_REQUESTS]) {
      const frame = onlyFrame(encodeRequest(5, 3, request));
      assert.equal(frame.version, 5);
      assert.deepEqual(decodeRequest(frame), { message: request }, request.type);
      assert.deepEqual(frame.body, encodeRequestBody(request, 5));
    }
  });

  it('lays out [int] flags, then keyspace and now_in_seconds after the timestamp', () => {
    const query = V5_REQUESTS[0] as Request;
    assert.deepEqual(
      encodeRequestBody(query, 5),
      hex('0000000f' + Buffer.from('SELECT * FROM t').toString('hex') + '0001 00000180 0002 6b73 6553f100'),
    );
    const prepare = V5_REQUESTS[3] as Request;
    assert.deepEqual(encodeRequestBody(prepare, 5).subarray(-8), hex('00000001 0002 6b73'));
    assert.deepEqual(encodeRequestBody(V5_REQUESTS[4] as Request, 5).subarray(-4), hex('00000000'));
    const execute = V5_REQUESTS[5] as Request;
    assert.deepEqual(encodeRequestBody(execute, 5), hex('0001 01 0000 0001 00000102 00000005'));
    const batch = V5_REQUESTS[6] as Request;
    assert.deepEqual(encodeRequestBody(batch, 5).subarray(-24), hex('0004 000001b0 0009 0000000000000007 0002 6b73 00000063'));
  });

  it('reads what the Python driver sent, and writes it back byte for byte', () => {
    const prepare = capturedFrame(V5_PREPARE);
    assert.deepEqual(decodeRequest(prepare).message, { type: 'PREPARE', query: 'SELECT * FROM cqlproto_capture_5_none.t WHERE id = ?' });
    const execute = decodeRequest(capturedFrame(V5_EXECUTE)).message;
    assert.ok(execute.type === 'EXECUTE');
    assert.equal(execute.resultMetadataId?.length, 16);
    assert.notDeepEqual(execute.resultMetadataId, execute.id);
    assert.deepEqual(execute.params.values, [hex('00000001')]);
    const batch = decodeRequest(capturedFrame(V5_BATCH)).message;
    assert.ok(batch.type === 'BATCH');
    assert.deepEqual(
      batch.statements.map((s) => s.kind),
      ['prepared', 'query'],
    );
    const query = decodeRequest(capturedFrame(V5_QUERY_KEYSPACE)).message;
    assert.ok(query.type === 'QUERY');
    assert.equal(query.params.keyspace, 'cqlproto_capture_5_none');
    assert.equal(query.params.pageSize, 10);
    for (const segments of [V5_PREPARE, V5_EXECUTE, V5_BATCH, V5_QUERY_KEYSPACE]) {
      const frame = capturedFrame(segments);
      assert.deepEqual(encodeRequestBody(decodeRequest(frame).message, 5), frame.body);
    }
  });

  it('refuses to drop what an earlier version cannot carry, and a v5 EXECUTE without its metadata id', () => {
    for (const version of [3, 4]) {
      for (const request of V5_REQUESTS.filter((r) => r.type !== 'PREPARE' || r.keyspace !== undefined)) {
        const error = protocolError(() => encodeRequest(version, 8, request));
        assert.equal(error.code, 'UNSUPPORTED_VERSION', `${request.type} in v${version}`);
        assert.equal(error.stream, 8);
      }
    }
    assert.match(protocolError(() => encodeRequest(4, 0, V5_REQUESTS[0] as Request)).message, /a per-statement keyspace needs protocol v5, not v4/);
    const execute = REQUESTS.find((r) => r.type === 'EXECUTE') as Request;
    assert.match(protocolError(() => encodeRequest(5, 0, execute)).message, /v5 EXECUTE needs the result metadata id/);
  });

  it('reads a v4 flags byte with 0x80 set without looking for a keyspace', () => {
    const body = hex('00000001 3f' + '0001 80');
    assert.deepEqual(decodeRequest(requestFrame(body)).message, { type: 'QUERY', query: '?', params: { consistency: 1, skipMetadata: false } });
    assert.equal(protocolError(() => decodeRequest(requestFrame(body, { version: 5 }))).code, 'MALFORMED_BODY');
  });

  it('refuses every truncated v5 body with MALFORMED_BODY', () => {
    for (const request of V5_REQUESTS) {
      const frame = onlyFrame(encodeRequest(5, 2, request, { customPayload: new Map([['p', hex('00')]]) }));
      for (let n = 0; n < frame.body.length; n++) {
        const error = protocolError(() => decodeRequest({ ...frame, body: frame.body.subarray(0, n) }));
        assert.equal(error.code, 'MALFORMED_BODY', `${request.type} cut at ${n}: ${error.message}`);
        assert.equal(error.version, 5);
      }
    }
  });
});
