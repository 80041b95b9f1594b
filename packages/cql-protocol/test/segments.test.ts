/**
 * v5 framing is checked against segments a real driver and a real server wrote, byte for byte, so
 * a checksum or layout slip shows here rather than as a connection the proxy silently drops.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeFrame, type Frame } from '../src/frame.ts';
import { Opcode } from '../src/opcodes.ts';
import { decodeRequest } from '../src/requests.ts';
import { decodeResponse } from '../src/responses.ts';
import { MAX_SEGMENT_PAYLOAD_LENGTH, SegmentDecoder, encodeSegments, segmentHeaderCrc, segmentPayloadCrc, type SegmentOptions } from '../src/segments.ts';
import {
  LZ4_LARGE_EXECUTE,
  LZ4_LARGE_ROWS,
  LZ4_PREPARE_STORED,
  LZ4_TWO_ROWS,
  V5_BATCH,
  V5_EXECUTE,
  V5_PREPARE,
  V5_PREPARED,
  V5_QUERY_KEYSPACE,
  V5_TWO_ROWS,
  V5_UNPREPARED,
} from './captured.ts';
import { hex, protocolError } from './helpers.ts';

const LZ4: SegmentOptions = { compression: 'lz4' };

function envelope(stream: number, body: Buffer, fields: Partial<Frame> = {}): Buffer {
  return encodeFrame({ version: 5, isResponse: false, flags: 0, stream, opcode: Opcode.QUERY, body, ...fields });
}

function decodeAll(bytes: Buffer, options: SegmentOptions = {}): Frame[] {
  const decoder = new SegmentDecoder(options);
  const frames = decoder.push(bytes);
  assert.equal(decoder.buffered, 0);
  return frames;
}

/** Frames compare by content; decoded bodies are slices whose backing store differs. */
function plain(frames: readonly Frame[]): unknown[] {
  return frames.map((f) => ({ ...f, body: f.body.toString('hex') }));
}

interface ParsedHeader {
  readonly payloadLength: number;
  readonly uncompressedLength: number;
  readonly selfContained: boolean;
  readonly total: number;
}

/** The segment headers of `bytes`, read independently of the decoder. */
function headers(bytes: Buffer, compressed = false): ParsedHeader[] {
  const out: ParsedHeader[] = [];
  const fieldsLength = compressed ? 5 : 3;
  for (let at = 0; at < bytes.length; ) {
    const fields = bytes.readUIntLE(at, fieldsLength);
    const payloadLength = fields % 2 ** 17;
    const uncompressedLength = compressed ? Math.floor(fields / 2 ** 17) % 2 ** 17 : 0;
    const selfContained = Math.floor(fields / 2 ** (compressed ? 34 : 17)) % 2 === 1;
    const total = fieldsLength + 3 + payloadLength + 4;
    out.push({ payloadLength, uncompressedLength, selfContained, total });
    at += total;
  }
  return out;
}

/** A plain segment built by hand, checksums right, whatever the payload holds. */
function rawSegment(payload: Buffer, selfContained: boolean): Buffer {
  const out = Buffer.alloc(6 + payload.length + 4);
  out.writeUIntLE(payload.length + (selfContained ? 2 ** 17 : 0), 0, 3);
  out.writeUIntLE(segmentHeaderCrc(out, 0, 3), 3, 3);
  payload.copy(out, 6);
  out.writeUInt32LE(segmentPayloadCrc(payload), 6 + payload.length);
  return out;
}

/** The 200,000-byte blob the captured large messages bind and return. */
const BLOB = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) % 251));

describe('segment checksums', () => {
  it('computes the CRC24 of real segment headers, plain and compressed', () => {
    // Plain header 45 00 02: 69 bytes, self-contained; CRC24 bf f1 d8, little-endian.
    assert.equal(segmentHeaderCrc(V5_PREPARE, 0, 3), V5_PREPARE.readUIntLE(3, 3));
    assert.equal(segmentHeaderCrc(hex('450002')), 0xd8f1bf);
    for (const segment of [LZ4_TWO_ROWS, LZ4_PREPARE_STORED]) assert.equal(segmentHeaderCrc(segment, 0, 5), segment.readUIntLE(5, 3));
    // Nothing fed: the register's initial value, as the spec sets it.
    assert.equal(segmentHeaderCrc(Buffer.alloc(0)), 0x875060);
  });

  it('computes the CRC32 of real payloads, seeded with fa 2d 55 ca', () => {
    const payload = V5_PREPARE.subarray(6, V5_PREPARE.length - 4);
    assert.equal(segmentPayloadCrc(payload), 0x664be942);
    assert.equal(segmentPayloadCrc(payload), V5_PREPARE.readUInt32LE(V5_PREPARE.length - 4));
    const stored = LZ4_TWO_ROWS.subarray(8, LZ4_TWO_ROWS.length - 4);
    assert.equal(segmentPayloadCrc(stored), LZ4_TWO_ROWS.readUInt32LE(LZ4_TWO_ROWS.length - 4), 'over the compressed bytes');
    assert.notEqual(segmentPayloadCrc(Buffer.alloc(4)), 0, 'the seed keeps zeros from checking as zero');
  });
});

describe('decoding captured v5 traffic', () => {
  it('reads the Python driver requests and Cassandra responses of a plain connection', () => {
    const requests = decodeAll(Buffer.concat([V5_PREPARE, V5_EXECUTE, V5_BATCH, V5_QUERY_KEYSPACE]));
    assert.deepEqual(
      requests.map((f) => [f.version, f.isResponse, f.stream, f.opcode]),
      [
        [5, false, 15, Opcode.PREPARE],
        [5, false, 16, Opcode.EXECUTE],
        [5, false, 18, Opcode.BATCH],
        [5, false, 37, Opcode.QUERY],
      ],
    );
    assert.deepEqual(
      requests.map((f) => decodeRequest(f).message.type),
      ['PREPARE', 'EXECUTE', 'BATCH', 'QUERY'],
    );
    const responses = decodeAll(Buffer.concat([V5_PREPARED, V5_UNPREPARED, V5_TWO_ROWS]));
    assert.deepEqual(
      responses.map((f) => [f.isResponse, f.stream, decodeResponse(f).message.type]),
      [
        [true, 15, 'RESULT'],
        [true, 34, 'ERROR'],
        [true, 8, 'RESULT'],
        [true, 7, 'RESULT'],
      ],
    );
  });

  it('writes exactly the bytes the driver and the server wrote, envelopes packed alike', () => {
    for (const captured of [V5_PREPARE, V5_EXECUTE, V5_BATCH, V5_QUERY_KEYSPACE, V5_PREPARED, V5_UNPREPARED, V5_TWO_ROWS]) {
      const envelopes = decodeAll(captured).map(encodeFrame);
      assert.deepEqual(encodeSegments(envelopes), captured);
    }
    assert.equal(decodeAll(V5_TWO_ROWS).length, 2, 'two envelopes in one captured segment');
  });

  it('reads LZ4 segments, compressed and stored, whatever the chunking', () => {
    assert.deepEqual(headers(LZ4_PREPARE_STORED, true)[0]?.uncompressedLength, 0);
    assert.ok((headers(LZ4_TWO_ROWS, true)[0]?.uncompressedLength ?? 0) > 0);
    const [prepare] = decodeAll(LZ4_PREPARE_STORED, LZ4);
    assert.deepEqual(decodeRequest(prepare as Frame).message, { type: 'PREPARE', query: 'SELECT * FROM cqlproto_capture_5_lz4.t WHERE id = ?' });
    const rows = decodeAll(LZ4_TWO_ROWS, LZ4);
    assert.deepEqual(
      rows.map((f) => f.stream),
      [3, 4],
    );
    const bytes = Buffer.concat([LZ4_PREPARE_STORED, LZ4_TWO_ROWS]);
    const decoder = new SegmentDecoder(LZ4);
    const oneByOne: Frame[] = [];
    for (let i = 0; i < bytes.length; i++) oneByOne.push(...decoder.push(bytes.subarray(i, i + 1)));
    assert.deepEqual(plain(oneByOne), plain([prepare as Frame, ...rows]));
  });

  it('reassembles a large envelope the driver split over segments that are not self-contained', () => {
    assert.deepEqual(
      headers(LZ4_LARGE_EXECUTE, true).map((h) => [h.uncompressedLength, h.selfContained]),
      [
        [131_071, false],
        [69_013, false],
      ],
    );
    const [frame] = decodeAll(LZ4_LARGE_EXECUTE, LZ4);
    assert.equal(frame?.stream, 19);
    const { message } = decodeRequest(frame);
    assert.ok(message.type === 'EXECUTE');
    assert.deepEqual(message.params.values?.[2], BLOB);
  });

  it('reassembles a large Rows result the server split', () => {
    const [frame] = decodeAll(LZ4_LARGE_ROWS, LZ4);
    const { message } = decodeResponse(frame as Frame);
    assert.ok(message.type === 'RESULT' && message.result.kind === 'rows');
    assert.deepEqual(message.result.rows[0]?.[1], BLOB);
  });
});

describe('encodeSegments', () => {
  const small = [envelope(1, Buffer.from('one')), envelope(2, Buffer.alloc(0)), envelope(3, Buffer.alloc(500, 7))];

  it('packs small envelopes into one self-contained segment, and reads them back in order', () => {
    const bytes = encodeSegments(small);
    assert.deepEqual(headers(bytes), [{ payloadLength: 9 + 3 + 9 + 9 + 500, uncompressedLength: 0, selfContained: true, total: 6 + 530 + 4 }]);
    assert.deepEqual(decodeAll(bytes).map(encodeFrame), small);
    assert.deepEqual(encodeSegments([]), Buffer.alloc(0));
  });

  it('starts a new segment when the next envelope does not fit the payload limit', () => {
    const big = envelope(4, Buffer.alloc(MAX_SEGMENT_PAYLOAD_LENGTH - 9));
    assert.equal(big.length, MAX_SEGMENT_PAYLOAD_LENGTH);
    const bytes = encodeSegments([small[0] as Buffer, big, small[1] as Buffer]);
    assert.deepEqual(
      headers(bytes).map((h) => [h.payloadLength, h.selfContained]),
      [
        [12, true],
        [MAX_SEGMENT_PAYLOAD_LENGTH, true],
        [9, true],
      ],
    );
    assert.deepEqual(
      decodeAll(bytes).map((f) => f.stream),
      [1, 4, 2],
    );
  });

  it('cuts an envelope over the limit into segments that are not self-contained', () => {
    const huge = envelope(9, Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 256)));
    const bytes = encodeSegments([small[0] as Buffer, huge, small[1] as Buffer]);
    assert.deepEqual(
      headers(bytes).map((h) => [h.payloadLength, h.selfContained]),
      [
        [12, true],
        [MAX_SEGMENT_PAYLOAD_LENGTH, false],
        [MAX_SEGMENT_PAYLOAD_LENGTH, false],
        [huge.length - 2 * MAX_SEGMENT_PAYLOAD_LENGTH, false],
        [9, true],
      ],
    );
    assert.deepEqual(decodeAll(bytes).map(encodeFrame), [small[0], huge, small[1]]);
    const compressed = encodeSegments([huge], LZ4);
    assert.equal(headers(compressed, true).length, 3);
    assert.ok(compressed.length < huge.length / 10, 'a repetitive payload shrinks');
    assert.deepEqual(decodeAll(compressed, LZ4).map(encodeFrame), [huge]);
  });

  it('stores a payload LZ4 cannot shrink as it is, with an uncompressed length of 0', () => {
    const noise = envelope(5, Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 97 + 13) % 256 ^ (i >> 2))));
    const bytes = encodeSegments([noise], LZ4);
    const [header] = headers(bytes, true);
    assert.deepEqual(header, { payloadLength: noise.length, uncompressedLength: 0, selfContained: true, total: 8 + noise.length + 4 });
    assert.deepEqual(bytes.subarray(8, 8 + noise.length), noise);
    const text = envelope(6, Buffer.from('SELECT * FROM t WHERE a = 1 AND '.repeat(20)));
    const [shrunk] = headers(encodeSegments([text], LZ4), true);
    assert.equal(shrunk?.uncompressedLength, text.length);
    assert.ok((shrunk?.payloadLength ?? Infinity) < text.length);
    assert.deepEqual(decodeAll(encodeSegments([noise, text], LZ4), LZ4).map(encodeFrame), [noise, text]);
  });

  it('re-encodes captured LZ4 traffic into segments the decoder reads back', () => {
    for (const captured of [LZ4_TWO_ROWS, LZ4_LARGE_EXECUTE, LZ4_LARGE_ROWS]) {
      const envelopes = decodeAll(captured, LZ4).map(encodeFrame);
      assert.deepEqual(decodeAll(encodeSegments(envelopes, LZ4), LZ4).map(encodeFrame), envelopes);
    }
  });

  it('refuses what is not one whole envelope, and compressions v5 does not have', () => {
    assert.equal(protocolError(() => encodeSegments([Buffer.from('body only')])).code, 'MALFORMED_BODY');
    const two = Buffer.concat(small.slice(0, 2));
    assert.match(protocolError(() => encodeSegments([two])).message, /not one whole envelope/);
    assert.equal(protocolError(() => encodeSegments(small, { compression: 'snappy' as 'lz4' })).code, 'MALFORMED_BODY');
    assert.equal(protocolError(() => new SegmentDecoder({ compression: 'snappy' as 'lz4' })).code, 'MALFORMED_BODY');
  });
});

describe('SegmentDecoder', () => {
  const stream = Buffer.concat([V5_PREPARE, V5_EXECUTE, encodeSegments([envelope(40, Buffer.alloc(200_000, 3))]), V5_BATCH]);

  it('returns the same envelopes whatever the chunking', () => {
    const expected = plain(decodeAll(stream));
    assert.equal(expected.length, 4);
    for (const size of [1, 2, 5, 6, 7, 1000, 131_081]) {
      const decoder = new SegmentDecoder();
      const frames: Frame[] = [];
      for (let at = 0; at < stream.length; at += size) frames.push(...decoder.push(stream.subarray(at, at + size)));
      assert.deepEqual(plain(frames), expected, `chunks of ${size}`);
      assert.equal(decoder.buffered, 0);
    }
  });

  it('counts what it holds: a partial segment, then the parts of a large envelope', () => {
    const decoder = new SegmentDecoder();
    assert.deepEqual(decoder.push(V5_PREPARE.subarray(0, 10)), []);
    assert.equal(decoder.buffered, 10);
    assert.equal(decoder.push(V5_PREPARE.subarray(10)).length, 1);
    const large = encodeSegments([envelope(1, Buffer.alloc(140_000))]);
    assert.deepEqual(decoder.push(large.subarray(0, 131_081)), []);
    assert.equal(decoder.buffered, MAX_SEGMENT_PAYLOAD_LENGTH);
    assert.equal(decoder.push(large.subarray(131_081)).length, 1);
    assert.equal(decoder.buffered, 0);
  });

  it('detects every single flipped bit, in header, checksum, payload or trailer, and stays failed', () => {
    for (let bit = 0; bit < V5_PREPARE.length * 8; bit++) {
      const corrupted = Buffer.from(V5_PREPARE);
      corrupted[bit >> 3] = (corrupted[bit >> 3] as number) ^ (1 << (bit & 7));
      const decoder = new SegmentDecoder();
      let error;
      try {
        // A flipped length bit may only make the decoder wait for more: give it the bytes it waits for.
        decoder.push(Buffer.concat([corrupted, Buffer.alloc(140_000)]));
      } catch (thrown) {
        error = thrown;
      }
      assert.ok(error !== undefined, `bit ${bit} went unnoticed`);
      assert.equal(protocolError(() => decoder.push(V5_EXECUTE)), error, 'the same error again');
    }
  });

  it('names both checksums of a mismatch', () => {
    const header = Buffer.from(V5_PREPARE);
    header[3] = 0;
    const headerError = protocolError(() => new SegmentDecoder().push(header));
    assert.equal(headerError.code, 'CORRUPT_SEGMENT');
    assert.match(headerError.message, /^segment header checksum mismatch: header 450002 carries CRC24 0xd8f100, computed 0xd8f1bf/);
    const payload = Buffer.from(V5_PREPARE);
    payload[20] = 0;
    assert.match(protocolError(() => new SegmentDecoder().push(payload)).message, /^segment payload checksum mismatch: the trailer says 0x664be942, the 69 bytes give 0x[0-9a-f]{8}$/);
    assert.match(protocolError(() => new SegmentDecoder().push(LZ4_TWO_ROWS)).message, /is the connection compressed\?/);
  });

  it('returns the envelopes completed before a corrupt segment, then the error again', () => {
    const corrupted = Buffer.from(V5_EXECUTE);
    corrupted[30] = (corrupted[30] as number) ^ 1;
    const decoder = new SegmentDecoder();
    const error = protocolError(() => decoder.push(Buffer.concat([V5_PREPARE, corrupted, V5_BATCH])));
    assert.equal(error.code, 'CORRUPT_SEGMENT');
    assert.deepEqual(
      decoder.push(Buffer.alloc(0)).map((f) => f.stream),
      [15],
    );
    assert.equal(protocolError(() => decoder.push(V5_BATCH)), error);
  });

  it('refuses envelopes that do not fit their segments', () => {
    const whole = envelope(1, Buffer.from('abc'));
    const cases: readonly (readonly [string, Buffer, RegExp])[] = [
      ['self-contained, ends inside a header', rawSegment(whole.subarray(0, 5), true), /ends inside an envelope header/],
      ['self-contained, ends inside a body', rawSegment(whole.subarray(0, 10), true), /ends inside an envelope: its body has 3 bytes/],
      [
        'self-contained in the middle of a large envelope',
        Buffer.concat([rawSegment(whole.subarray(0, 10), false), rawSegment(whole, true)]),
        /before the end of the large envelope/,
      ],
      ['not self-contained, bytes past the envelope', rawSegment(Buffer.concat([whole, whole]), false), /past the end of the large envelope/],
      ['an LZ4 block that does not decompress', lz4Segment(hex('ff'), 50), /segment payload: the LZ4 block/],
    ];
    for (const [what, bytes, message] of cases) {
      const compressed = what.startsWith('an LZ4');
      const error = protocolError(() => new SegmentDecoder(compressed ? LZ4 : {}).push(bytes));
      assert.equal(error.code, 'CORRUPT_SEGMENT', what);
      assert.match(error.message, message, what);
    }
    const v2 = rawSegment(hex('02000001 0500000000'), true);
    assert.equal(protocolError(() => new SegmentDecoder().push(v2)).code, 'UNSUPPORTED_VERSION');
    const negative = rawSegment(hex('05 00 0001 05 ffffffff'), true);
    assert.equal(protocolError(() => new SegmentDecoder().push(negative)).code, 'FRAME_TOO_LARGE');
  });

  it('accepts a large envelope whose first part is shorter than its header', () => {
    const whole = envelope(7, Buffer.from('split early'));
    const bytes = Buffer.concat([rawSegment(whole.subarray(0, 4), false), rawSegment(whole.subarray(4), false), V5_PREPARE]);
    assert.deepEqual(
      decodeAll(bytes).map((f) => [f.stream, f.body.toString()]),
      [
        [7, 'split early'],
        [15, decodeAll(V5_PREPARE)[0]?.body.toString()],
      ],
    );
  });

  it('drops an envelope over the maximum body length and goes on, so its stream can be answered', () => {
    const decoder = new SegmentDecoder({ maxBodyLength: 100 });
    const packed = encodeSegments([envelope(1, Buffer.alloc(10)), envelope(2, Buffer.alloc(101)), envelope(3, Buffer.alloc(100))]);
    const error = protocolError(() => decoder.push(packed));
    assert.equal(error.code, 'FRAME_TOO_LARGE');
    assert.equal(error.stream, 2);
    assert.deepEqual(
      decoder.push(Buffer.alloc(0)).map((f) => f.stream),
      [1, 3],
    );
    const large = encodeSegments([envelope(4, Buffer.alloc(300_000))]);
    assert.equal(protocolError(() => decoder.push(large)).stream, 4);
    assert.deepEqual(
      decoder.push(V5_EXECUTE).map((f) => f.stream),
      [16],
    );
    assert.equal(decoder.buffered, 0, 'the rest of it was dropped, not kept');
    // Two in one segment: one error a push, then the envelopes between them.
    const twice = encodeSegments([envelope(5, Buffer.alloc(101)), envelope(6, Buffer.alloc(1)), envelope(7, Buffer.alloc(200))]);
    assert.equal(protocolError(() => decoder.push(twice)).stream, 5);
    assert.equal(protocolError(() => decoder.push(Buffer.alloc(0))).stream, 7);
    assert.deepEqual(
      decoder.push(Buffer.alloc(0)).map((f) => f.stream),
      [6],
    );
    // The same when the parts trickle in.
    const trickled = new SegmentDecoder({ maxBodyLength: 100 });
    assert.equal(protocolError(() => trickled.push(large.subarray(0, 131_081))).stream, 4);
    assert.deepEqual(trickled.push(large.subarray(131_081)), []);
    assert.equal(trickled.push(V5_PREPARE).length, 1);
  });
});

/** A compressed segment built by hand around any block, checksums right. */
function lz4Segment(block: Buffer, uncompressedLength: number): Buffer {
  const out = Buffer.alloc(8 + block.length + 4);
  out.writeUIntLE(block.length + uncompressedLength * 2 ** 17 + 2 ** 34, 0, 5);
  out.writeUIntLE(segmentHeaderCrc(out, 0, 5), 5, 3);
  block.copy(out, 8);
  out.writeUInt32LE(segmentPayloadCrc(block), 8 + block.length);
  return out;
}
