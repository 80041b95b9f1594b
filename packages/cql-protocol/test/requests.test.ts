import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Frame } from '../src/frame.ts';
import { BatchType, Consistency, FrameFlag, Opcode } from '../src/opcodes.ts';
import { UNSET, decodeRequest, encodeRequest, encodeRequestBody, type Request } from '../src/requests.ts';
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

  it('refuses compressed bodies and versions other than 3 and 4', () => {
    assert.equal(protocolError(() => decodeRequest(requestFrame(hex('00'), { flags: FrameFlag.COMPRESSION }))).code, 'MALFORMED_BODY');
    for (const version of [1, 2, 5]) {
      const error = protocolError(() => decodeRequest(requestFrame(Buffer.alloc(0), { version, opcode: Opcode.OPTIONS })));
      assert.equal(error.code, 'UNSUPPORTED_VERSION');
      assert.equal(error.stream, 9);
      assert.equal(error.version, version);
    }
    assert.equal(protocolError(() => encodeRequest(5, 0, { type: 'OPTIONS' })).code, 'UNSUPPORTED_VERSION');
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
