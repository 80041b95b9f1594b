import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Frame } from '../src/frame.ts';
import type { ColumnSpec } from '../src/metadata.ts';
import { Consistency, ErrorCode, FrameFlag, Opcode } from '../src/opcodes.ts';
import { decodeResponse, encodeResponse, type ErrorDetails, type Response } from '../src/responses.ts';
import type { CqlType } from '../src/types.ts';
import { SegmentDecoder } from '../src/segments.ts';
import { LZ4_METADATA_CHANGED, LZ4_READ_FAILURE, V4_LZ4_READ_FAILURE, V5_PREPARED, V5_TWO_ROWS, V5_UNPREPARED } from './captured.ts';
import { decompressFrame } from '../src/compression.ts';
import { hex, onlyFrame, protocolError } from './helpers.ts';

function ascii(text: string): string {
  return Buffer.from(text).toString('hex');
}

function responseFrame(body: Buffer, fields: Partial<Frame> = {}): Frame {
  return { version: 4, isResponse: true, flags: 0, stream: 6, opcode: Opcode.RESULT, body, ...fields };
}

const int: CqlType = { kind: 'primitive', name: 'int' };
const text: CqlType = { kind: 'primitive', name: 'varchar' };
const users = (name: string, type: CqlType): ColumnSpec => ({ keyspace: 'ks', table: 'users', name, type });

/** Details for every ERROR code that carries them. */
const DETAILS: ReadonlyMap<number, ErrorDetails> = new Map<number, ErrorDetails>([
  [ErrorCode.UNAVAILABLE, { kind: 'unavailable', consistency: Consistency.QUORUM, required: 3, alive: 1 }],
  [ErrorCode.WRITE_TIMEOUT, { kind: 'write_timeout', consistency: Consistency.ONE, received: 0, blockFor: 1, writeType: 'SIMPLE' }],
  [ErrorCode.READ_TIMEOUT, { kind: 'read_timeout', consistency: Consistency.TWO, received: 1, blockFor: 2, dataPresent: false }],
  [ErrorCode.READ_FAILURE, { kind: 'read_failure', consistency: Consistency.ALL, received: 2, blockFor: 3, numFailures: 1, dataPresent: true }],
  [ErrorCode.FUNCTION_FAILURE, { kind: 'function_failure', keyspace: 'ks', function: 'f', argTypes: ['int', 'text'] }],
  [ErrorCode.WRITE_FAILURE, { kind: 'write_failure', consistency: Consistency.LOCAL_QUORUM, received: 1, blockFor: 2, numFailures: 1, writeType: 'BATCH_LOG' }],
  [ErrorCode.CAS_WRITE_UNKNOWN, { kind: 'cas_write_unknown', consistency: Consistency.SERIAL, received: 1, blockFor: 2 }],
  [ErrorCode.ALREADY_EXISTS, { kind: 'already_exists', keyspace: 'ks', table: '' }],
  [ErrorCode.UNPREPARED, { kind: 'unprepared', id: hex('00112233') }],
]);

const ERRORS: readonly Response[] = Object.entries(ErrorCode).map(([name, code]): Response => {
  const details = DETAILS.get(code);
  return details === undefined ? { type: 'ERROR', code, message: name } : { type: 'ERROR', code, message: name, details };
});

const rowsColumns = [users('id', int), users('name', text)];

const RESPONSES: readonly Response[] = [
  ...ERRORS,
  { type: 'READY' },
  { type: 'AUTHENTICATE', authenticator: 'org.apache.cassandra.auth.PasswordAuthenticator' },
  { type: 'SUPPORTED', options: { CQL_VERSION: ['3.4.5'], COMPRESSION: ['lz4', 'snappy'], PROTOCOL_VERSIONS: [] } },
  { type: 'RESULT', result: { kind: 'void' } },
  {
    type: 'RESULT',
    result: { kind: 'rows', metadata: { columnCount: 2, columns: rowsColumns }, rows: [[hex('00000001'), Buffer.from('ann')], [hex('00000002'), null]] },
  },
  { type: 'RESULT', result: { kind: 'rows', metadata: { columnCount: 1, pagingState: hex('0badf00d') }, rows: [[Buffer.alloc(0)]] } },
  {
    type: 'RESULT',
    result: { kind: 'rows', metadata: { columnCount: 2, columns: [users('a', int), { ...users('b', int), table: 'other' }] }, rows: [] },
  },
  { type: 'RESULT', result: { kind: 'set_keyspace', keyspace: 'ks' } },
  {
    type: 'RESULT',
    result: {
      kind: 'prepared',
      id: hex('cafebabe'),
      variables: { pkIndexes: [0], columns: [users('id', int)] },
      resultMetadata: { columnCount: 2, columns: rowsColumns },
    },
  },
  {
    type: 'RESULT',
    result: { kind: 'prepared', id: hex('01'), variables: { pkIndexes: [], columns: [] }, resultMetadata: { columnCount: 0 } },
  },
  { type: 'RESULT', result: { kind: 'schema_change', change: 'CREATED', target: 'KEYSPACE', keyspace: 'ks' } },
  { type: 'RESULT', result: { kind: 'schema_change', change: 'UPDATED', target: 'TABLE', keyspace: 'ks', name: 'users' } },
  { type: 'RESULT', result: { kind: 'schema_change', change: 'DROPPED', target: 'TYPE', keyspace: 'ks', name: 'address' } },
  { type: 'RESULT', result: { kind: 'schema_change', change: 'CREATED', target: 'FUNCTION', keyspace: 'ks', name: 'f', argTypes: ['int'] } },
  { type: 'RESULT', result: { kind: 'schema_change', change: 'CREATED', target: 'AGGREGATE', keyspace: 'ks', name: 'g', argTypes: [] } },
  { type: 'EVENT', event: { type: 'TOPOLOGY_CHANGE', change: 'NEW_NODE', address: { ip: '10.0.0.1', port: 9042 } } },
  { type: 'EVENT', event: { type: 'STATUS_CHANGE', change: 'DOWN', address: { ip: '2001:db8::1', port: 9042 } } },
  { type: 'EVENT', event: { type: 'SCHEMA_CHANGE', change: 'DROPPED', target: 'TABLE', keyspace: 'ks', name: 't' } },
  { type: 'AUTH_CHALLENGE', token: hex('0102') },
  { type: 'AUTH_SUCCESS', token: null },
];

/** v3 prepared metadata has no partition key indexes, so they come back empty. */
function asSeenInV3(response: Response): Response {
  if (response.type !== 'RESULT' || response.result.kind !== 'prepared') return response;
  return { ...response, result: { ...response.result, variables: { ...response.result.variables, pkIndexes: [] } } };
}

describe('response round trips', () => {
  for (const version of [3, 4]) {
    it(`encodes and decodes every response in v${version}`, () => {
      for (const response of RESPONSES) {
        const frame = onlyFrame(encodeResponse(version, -1, response));
        assert.equal(frame.isResponse, true);
        assert.equal(frame.version, version);
        assert.equal(frame.stream, -1);
        assert.equal(frame.flags, 0);
        assert.equal(frame.opcode, Opcode[response.type]);
        const expected = version >= 4 ? response : asSeenInV3(response);
        assert.deepEqual(decodeResponse(frame), { message: expected }, response.type);
      }
    });
  }

  it('covers every ERROR code, with details where the spec defines them', () => {
    assert.equal(ERRORS.length, 20);
    assert.equal(ERRORS.filter((e) => e.type === 'ERROR' && e.details !== undefined).length, 9);
  });

  it('carries tracing id, warnings and custom payload together, in that order', () => {
    const tracingId = hex('000102030405060708090a0b0c0d0e0f');
    const warnings = ['Aggregation query used without partition key'];
    const customPayload = new Map([['k', hex('ff')]]);
    const bytes = encodeResponse(4, 7, { type: 'READY' }, { tracingId, warnings, customPayload });
    const warning = warnings[0] as string;
    const body = hex(
      tracingId.toString('hex') +
        '0001' + (warning.length.toString(16).padStart(4, '0') + ascii(warning)) + // [string list]
        '0001 0001 6b 00000001 ff', // [bytes map]
    );
    assert.deepEqual(bytes, Buffer.concat([hex(`84 0e 0007 02 ${body.length.toString(16).padStart(8, '0')}`), body]));
    const frame = onlyFrame(bytes);
    assert.equal(frame.flags, FrameFlag.TRACING | FrameFlag.WARNING | FrameFlag.CUSTOM_PAYLOAD);
    assert.deepEqual(decodeResponse(frame), { tracingId, warnings, customPayload, message: { type: 'READY' } });
  });

  it('reads a tracing id in v3 but ignores the flags v3 does not define', () => {
    const tracingId = hex('ffffffffffffffffffffffffffffffff');
    const body = Buffer.concat([tracingId, hex('00000001')]);
    const frame = responseFrame(body, { version: 3, flags: FrameFlag.TRACING | FrameFlag.WARNING | FrameFlag.CUSTOM_PAYLOAD });
    assert.deepEqual(decodeResponse(frame), { tracingId, message: { type: 'RESULT', result: { kind: 'void' } } });
    const error = protocolError(() => encodeResponse(3, 0, { type: 'READY' }, { warnings: ['w'] }));
    assert.equal(error.code, 'UNSUPPORTED_VERSION');
  });

  it('writes IPv6 addresses in RFC 5952 form', () => {
    const cases: readonly (readonly [string, string])[] = [
      ['::', '::'],
      ['::1', '::1'],
      ['2001:0DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['fe80::', 'fe80::'],
      ['::ffff:192.0.2.1', '::ffff:c000:201'],
      ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ];
    for (const [input, output] of cases) {
      const response: Response = { type: 'EVENT', event: { type: 'STATUS_CHANGE', change: 'UP', address: { ip: input, port: 1 } } };
      const { message } = decodeResponse(onlyFrame(encodeResponse(4, -1, response)));
      assert.ok(message.type === 'EVENT' && message.event.type === 'STATUS_CHANGE');
      assert.equal(message.event.address.ip, output, input);
    }
    for (const bad of ['1.2.3', '256.0.0.1', '1::2::3', '1:2:3:4:5:6:7:8:9', 'g::1', ':1::', 'localhost']) {
      const response: Response = { type: 'EVENT', event: { type: 'STATUS_CHANGE', change: 'UP', address: { ip: bad, port: 1 } } };
      assert.equal(protocolError(() => encodeResponse(4, -1, response)).code, 'MALFORMED_BODY', bad);
    }
  });
});

describe('response byte layouts', () => {
  it('reads a Rows RESULT with a global table spec, byte for byte as the spec lays it out', () => {
    const body = hex(
      '00000002' + // kind Rows
        '00000001 00000002' + // flags Global_tables_spec, 2 columns
        '0002 6b73 0005 7573657273' + // ks.users
        '0002 6964 0009' + // id int
        '0004 6e616d65 000d' + // name varchar
        '00000002' + // 2 rows
        '00000004 00000001 00000003 616e6e' + // 1, 'ann'
        '00000004 00000002 ffffffff', // 2, null
    );
    const response = RESPONSES.find((r) => r.type === 'RESULT' && r.result.kind === 'rows') as Response;
    assert.deepEqual(encodeResponse(4, 6, response), Buffer.concat([hex(`84 00 0006 08 ${body.length.toString(16).padStart(8, '0')}`), body]));
    const { message } = decodeResponse(responseFrame(body));
    assert.deepEqual(message, response);
    assert.ok(message.type === 'RESULT' && message.result.kind === 'rows');
    assert.equal(message.result.rows[0]?.[1]?.buffer, body.buffer, 'cells are slices of the body');
  });

  it('writes an ERROR with details as the spec lays it out', () => {
    const unavailable = ERRORS.find((e) => e.type === 'ERROR' && e.code === ErrorCode.UNAVAILABLE) as Response;
    const body = hex('00001000 000b' + ascii('UNAVAILABLE') + '0004 00000003 00000001');
    assert.deepEqual(onlyFrame(encodeResponse(4, 0, unavailable)).body, body);
    const readTimeout = ERRORS.find((e) => e.type === 'ERROR' && e.code === ErrorCode.READ_TIMEOUT) as Response;
    assert.deepEqual(onlyFrame(encodeResponse(4, 0, readTimeout)).body, hex('00001200 000c' + ascii('READ_TIMEOUT') + '0002 00000001 00000002 00'));
  });

  it('writes each schema change target with its own options', () => {
    const body = (r: Response): string => onlyFrame(encodeResponse(4, 0, r)).body.toString('hex');
    const keyspace = RESPONSES.find((r) => r.type === 'RESULT' && r.result.kind === 'schema_change' && r.result.target === 'KEYSPACE') as Response;
    assert.equal(body(keyspace), `00000005 0007${ascii('CREATED')} 0008${ascii('KEYSPACE')} 0002${ascii('ks')}`.replaceAll(' ', ''));
    const fn = RESPONSES.find((r) => r.type === 'RESULT' && r.result.kind === 'schema_change' && r.result.target === 'FUNCTION') as Response;
    assert.equal(body(fn), `00000005 0007${ascii('CREATED')} 0008${ascii('FUNCTION')} 0002${ascii('ks')} 0001${ascii('f')} 0001 0003${ascii('int')}`.replaceAll(' ', ''));
  });

  it('writes an [inet] as size, address bytes and [int] port', () => {
    const event = RESPONSES.find((r) => r.type === 'EVENT' && r.event.type === 'TOPOLOGY_CHANGE') as Response;
    const expected = hex(`000f${ascii('TOPOLOGY_CHANGE')} 0008${ascii('NEW_NODE')} 04 0a000001 00002352`);
    assert.deepEqual(onlyFrame(encodeResponse(4, -1, event)).body, expected);
  });
});

describe('response decoding errors', () => {
  it('refuses every truncated body with MALFORMED_BODY, with stream and version', () => {
    const extras = { tracingId: Buffer.alloc(16, 1), warnings: ['w'], customPayload: new Map([['k', null]]) };
    for (const version of [3, 4]) {
      for (const response of RESPONSES) {
        const frame = onlyFrame(encodeResponse(version, 12, response, version >= 4 ? extras : { tracingId: extras.tracingId }));
        for (let n = 0; n < frame.body.length; n++) {
          const error = protocolError(() => decodeResponse({ ...frame, body: frame.body.subarray(0, n) }));
          assert.equal(error.code, 'MALFORMED_BODY', `${response.type} v${version} cut at ${n}: ${error.message}`);
          assert.equal(error.stream, 12);
          assert.equal(error.version, version);
        }
      }
    }
  });

  it('refuses opcodes that are not responses', () => {
    for (const opcode of [Opcode.QUERY, Opcode.STARTUP, 0x04, 0x42]) {
      const error = protocolError(() => decodeResponse(responseFrame(Buffer.alloc(0), { opcode })));
      assert.equal(error.code, 'UNKNOWN_OPCODE');
      assert.equal(error.stream, 6);
      assert.equal(error.version, 4);
    }
  });

  it('refuses unknown result kinds, event types, schema targets and address sizes', () => {
    assert.match(protocolError(() => decodeResponse(responseFrame(hex('00000009')))).message, /unknown RESULT kind 9/);
    const event = (hexBody: string): Frame => responseFrame(hex(hexBody), { opcode: Opcode.EVENT });
    assert.match(protocolError(() => decodeResponse(event(`0002${ascii('UP')}`))).message, /unknown event type "UP"/);
    assert.match(
      protocolError(() => decodeResponse(event(`000d${ascii('SCHEMA_CHANGE')} 0001${ascii('x')} 0005${ascii('INDEX')} 0001${ascii('k')}`))).message,
      /unknown schema change target "INDEX"/,
    );
    assert.match(
      protocolError(() => decodeResponse(event(`000d${ascii('STATUS_CHANGE')} 0002${ascii('UP')} 05 0000000000 00000001`))).message,
      /\[inet\] address of 5 bytes/,
    );
  });

  it('refuses row counts the body cannot hold before allocating them', () => {
    const body = hex('00000002 00000004 00000001 7fffffff 00000000');
    assert.match(protocolError(() => decodeResponse(responseFrame(body))).message, /row count 2147483647/);
  });

  it('ignores bytes after a complete response, as the spec asks of clients', () => {
    assert.deepEqual(decodeResponse(responseFrame(hex('00000001 dead'))), { message: { type: 'RESULT', result: { kind: 'void' } } });
  });

  it('refuses to encode details that do not match the error code, or schema changes missing parts', () => {
    const wrong: Response = { type: 'ERROR', code: ErrorCode.UNAVAILABLE, message: 'x', details: { kind: 'unprepared', id: hex('01') } };
    assert.equal(protocolError(() => encodeResponse(4, 3, wrong)).stream, 3);
    assert.equal(protocolError(() => encodeResponse(4, 0, { type: 'ERROR', code: ErrorCode.UNAVAILABLE, message: 'x' })).code, 'MALFORMED_BODY');
    const extra: Response = { type: 'ERROR', code: ErrorCode.INVALID, message: 'x', details: { kind: 'unprepared', id: hex('01') } };
    assert.equal(protocolError(() => encodeResponse(4, 0, extra)).code, 'MALFORMED_BODY');
    const table: Response = { type: 'RESULT', result: { kind: 'schema_change', change: 'CREATED', target: 'TABLE', keyspace: 'ks' } };
    assert.equal(protocolError(() => encodeResponse(4, 0, table)).code, 'MALFORMED_BODY');
    const row: Response = { type: 'RESULT', result: { kind: 'rows', metadata: { columnCount: 2 }, rows: [[null]] } };
    assert.equal(protocolError(() => encodeResponse(4, 0, row)).code, 'MALFORMED_BODY');
    assert.equal(protocolError(() => encodeResponse(4, 0, { type: 'READY' }, { tracingId: hex('01') })).code, 'MALFORMED_BODY');
  });
});

/** v5 requires result metadata ids on Prepared results and the reasons of failures. */
function asV5(response: Response): Response {
  if (response.type === 'RESULT' && response.result.kind === 'prepared') {
    return { ...response, result: { ...response.result, resultMetadataId: hex('abcdef') } };
  }
  if (response.type === 'ERROR' && (response.details?.kind === 'read_failure' || response.details?.kind === 'write_failure')) {
    const reasons = Array.from({ length: response.details.numFailures }, (_, i) => ({ address: `10.0.0.${i + 1}`, code: i }));
    return { ...response, details: { ...response.details, reasons } };
  }
  return response;
}

/** What only v5 carries. */
const V5_RESPONSES: readonly Response[] = [
  {
    type: 'ERROR',
    code: ErrorCode.READ_FAILURE,
    message: 'r',
    details: {
      kind: 'read_failure',
      consistency: Consistency.QUORUM,
      received: 1,
      blockFor: 2,
      numFailures: 2,
      reasons: [
        { address: '127.0.0.1', code: 1 },
        { address: '2001:db8::7', code: 0x0102 },
      ],
      dataPresent: true,
    },
  },
  {
    type: 'ERROR',
    code: ErrorCode.WRITE_FAILURE,
    message: 'w',
    details: { kind: 'write_failure', consistency: Consistency.ONE, received: 0, blockFor: 1, numFailures: 0, reasons: [], writeType: 'CDC' },
  },
  {
    type: 'ERROR',
    code: ErrorCode.WRITE_TIMEOUT,
    message: 'cas',
    details: { kind: 'write_timeout', consistency: Consistency.SERIAL, received: 1, blockFor: 2, writeType: 'CAS', contentions: 3 },
  },
  { type: 'ERROR', code: ErrorCode.CAS_WRITE_UNKNOWN, message: 'u', details: { kind: 'cas_write_unknown', consistency: Consistency.LOCAL_SERIAL, received: 0, blockFor: 1 } },
  { type: 'ERROR', code: ErrorCode.CDC_WRITE_FAILURE, message: 'cdc space exceeded' },
  {
    type: 'RESULT',
    result: { kind: 'rows', metadata: { columnCount: 2, newMetadataId: hex('0102030405'), columns: rowsColumns }, rows: [[hex('00000001'), null]] },
  },
  {
    type: 'RESULT',
    result: {
      kind: 'rows',
      metadata: { columnCount: 1, pagingState: hex('aa'), newMetadataId: Buffer.alloc(0), columns: [users('id', int)] },
      rows: [],
    },
  },
];

/** The one envelope in captured v5 segments. */
function capturedFrame(segments: Buffer, compressed = false): Frame {
  const frames = new SegmentDecoder(compressed ? { compression: 'lz4' } : {}).push(segments);
  assert.equal(frames.length, 1);
  return frames[0] as Frame;
}

describe('v5 responses', () => {
  it('encodes and decodes every response, and what only v5 carries', () => {
    for (const response of [...RESPONSES.map(asV5), ...V5_RESPONSES]) {
      const frame = onlyFrame(encodeResponse(5, -1, response));
      assert.equal(frame.version, 5);
      assert.deepEqual(decodeResponse(frame), { message: response }, response.type);
    }
  });

  it('lays out a failure reason map, a CAS contention count and a new metadata id', () => {
    const readFailure = onlyFrame(encodeResponse(5, 0, V5_RESPONSES[0] as Response)).body;
    assert.deepEqual(readFailure.subarray(7), hex('0004 00000001 00000002 00000002 04 7f000001 0001 10 20010db8000000000000000000000007 0102 01'));
    const cas = onlyFrame(encodeResponse(5, 0, V5_RESPONSES[2] as Response)).body;
    assert.deepEqual(cas.subarray(-7), hex('0003' + ascii('CAS') + '0003'));
    const rows = onlyFrame(encodeResponse(5, 0, V5_RESPONSES[6] as Response)).body;
    assert.deepEqual(rows.subarray(0, 19), hex('00000002 0000000b 00000001 00000001 aa 0000'));
  });

  it('reads what Cassandra sent, and writes it back byte for byte', () => {
    const prepared = capturedFrame(V5_PREPARED);
    const { message } = decodeResponse(prepared);
    assert.ok(message.type === 'RESULT' && message.result.kind === 'prepared');
    assert.equal(message.result.resultMetadataId?.length, 16);
    assert.deepEqual(message.result.variables.pkIndexes, [0]);
    const unprepared = decodeResponse(capturedFrame(V5_UNPREPARED)).message;
    assert.ok(unprepared.type === 'ERROR' && unprepared.details?.kind === 'unprepared');
    assert.equal(unprepared.details.id.length, 16);
    const changed = capturedFrame(LZ4_METADATA_CHANGED, true);
    const rows = decodeResponse(changed).message;
    assert.ok(rows.type === 'RESULT' && rows.result.kind === 'rows');
    assert.equal(rows.result.metadata.newMetadataId?.length, 16);
    assert.deepEqual(
      rows.result.metadata.columns?.map((c) => c.name),
      ['id', 'a', 'b'],
    );
    assert.deepEqual(rows.result.rows, [[hex('00000001'), hex('00000002'), null]]);
    const failure = decodeResponse(capturedFrame(LZ4_READ_FAILURE, true)).message;
    assert.ok(failure.type === 'ERROR');
    assert.deepEqual(failure.details, {
      kind: 'read_failure',
      consistency: Consistency.LOCAL_ONE,
      received: 0,
      blockFor: 1,
      numFailures: 1,
      reasons: [{ address: '127.0.0.1', code: 1 }],
      dataPresent: false,
    });
    const frames = [prepared, capturedFrame(V5_UNPREPARED), changed, capturedFrame(LZ4_READ_FAILURE, true), ...new SegmentDecoder().push(V5_TWO_ROWS)];
    for (const frame of frames) {
      const decoded = decodeResponse(frame);
      const encoded = onlyFrame(encodeResponse(5, frame.stream, decoded.message, decoded));
      assert.deepEqual({ ...encoded, body: encoded.body.toString('hex') }, { ...frame, body: frame.body.toString('hex') });
    }
  });

  it('reads the failure count alone in v4, as Cassandra sends it there', () => {
    const { message } = decodeResponse(decompressFrame(onlyFrame(V4_LZ4_READ_FAILURE), 'lz4'));
    assert.ok(message.type === 'ERROR');
    assert.deepEqual(message.details, { kind: 'read_failure', consistency: Consistency.LOCAL_ONE, received: 0, blockFor: 1, numFailures: 1, dataPresent: false });
  });

  it('accepts a v5 CAS write timeout without its contention count, and ignores it before v5', () => {
    const body = hex('00001100 0001' + ascii('x') + '0009 00000000 00000001 0003' + ascii('CAS'));
    const error = (version: number): unknown => decodeResponse(responseFrame(body, { version, opcode: Opcode.ERROR })).message;
    assert.deepEqual(error(5), { type: 'ERROR', code: ErrorCode.WRITE_TIMEOUT, message: 'x', details: { kind: 'write_timeout', consistency: 9, received: 0, blockFor: 1, writeType: 'CAS' } });
    const withCount = Buffer.concat([body, hex('0004')]);
    const v4 = decodeResponse(responseFrame(withCount, { version: 4, opcode: Opcode.ERROR })).message;
    assert.ok(v4.type === 'ERROR' && v4.details?.kind === 'write_timeout');
    assert.equal(v4.details.contentions, undefined);
  });

  it('refuses what an earlier version cannot carry, and v5 messages missing their parts', () => {
    for (const version of [3, 4]) {
      for (const response of [...V5_RESPONSES.slice(0, 3), ...V5_RESPONSES.slice(5), asV5(RESPONSES.find((r) => r.type === 'RESULT' && r.result.kind === 'prepared') as Response)]) {
        assert.equal(protocolError(() => encodeResponse(version, 4, response)).code, 'UNSUPPORTED_VERSION', `${JSON.stringify(response).slice(0, 80)} v${version}`);
      }
    }
    const missing: readonly (readonly [Response, RegExp])[] = [
      [RESPONSES.find((r) => r.type === 'RESULT' && r.result.kind === 'prepared') as Response, /prepared result needs its result metadata id/],
      [ERRORS.find((e) => e.type === 'ERROR' && e.code === ErrorCode.READ_FAILURE) as Response, /needs its reasons by replica/],
      [{ type: 'ERROR', code: ErrorCode.WRITE_TIMEOUT, message: 'x', details: { kind: 'write_timeout', consistency: 9, received: 0, blockFor: 1, writeType: 'CAS' } }, /needs its contentions/],
      [
        { type: 'ERROR', code: ErrorCode.WRITE_TIMEOUT, message: 'x', details: { kind: 'write_timeout', consistency: 1, received: 0, blockFor: 1, writeType: 'SIMPLE', contentions: 1 } },
        /contentions belong to v5 CAS write timeouts only/,
      ],
      [
        { type: 'ERROR', code: ErrorCode.READ_FAILURE, message: 'x', details: { kind: 'read_failure', consistency: 1, received: 0, blockFor: 1, numFailures: 2, reasons: [], dataPresent: false } },
        /2 failures announced but 0 reasons given/,
      ],
      [{ type: 'RESULT', result: { kind: 'rows', metadata: { columnCount: 1, newMetadataId: hex('01') }, rows: [] } }, /must describe its columns/],
    ];
    for (const [response, message] of missing) {
      const error = protocolError(() => encodeResponse(5, 4, response));
      assert.equal(error.code, 'MALFORMED_BODY');
      assert.match(error.message, message);
    }
  });

  it('refuses every truncated v5 body with MALFORMED_BODY, and failure counts the body cannot hold', () => {
    for (const response of [...RESPONSES.map(asV5), ...V5_RESPONSES]) {
      const frame = onlyFrame(encodeResponse(5, 12, response));
      const cas = response.type === 'ERROR' && response.details?.kind === 'write_timeout' && response.details.writeType === 'CAS';
      for (let n = 0; n < frame.body.length; n++) {
        if (cas && n >= frame.body.length - 2) {
          // Tolerated, as above: a CAS timeout whose count is cut off reads without it.
          const { message } = decodeResponse({ ...frame, body: frame.body.subarray(0, n) });
          assert.ok(message.type === 'ERROR' && message.details?.kind === 'write_timeout' && message.details.contentions === undefined);
          continue;
        }
        const error = protocolError(() => decodeResponse({ ...frame, body: frame.body.subarray(0, n) }));
        assert.equal(error.code, 'MALFORMED_BODY', `${response.type} cut at ${n}: ${error.message}`);
      }
    }
    const huge = hex('00001300 0000 0001 00000000 00000001 7fffffff 00');
    assert.match(protocolError(() => decodeResponse(responseFrame(huge, { version: 5, opcode: Opcode.ERROR }))).message, /failure count 2147483647/);
    const badAddress = hex('00001300 0000 0001 00000000 00000001 00000001 05 0000000000 0001 00');
    assert.match(protocolError(() => decodeResponse(responseFrame(badAddress, { version: 5, opcode: Opcode.ERROR }))).message, /\[inetaddr\] address of 5 bytes/);
  });
});
