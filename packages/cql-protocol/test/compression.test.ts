/**
 * Compression is only right if the other side reads it: these tests hold bodies compressed by the
 * Python driver and by Cassandra, and bytes of ours the Python driver was checked to read.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { compressBody, compressFrame, decompressBody, decompressFrame, type CompressionAlgorithm } from '../src/compression.ts';
import { ProtocolError } from '../src/errors.ts';
import type { Frame } from '../src/frame.ts';
import { FrameFlag, Opcode } from '../src/opcodes.ts';
import { decodeRequest, encodeRequest } from '../src/requests.ts';
import { decodeResponse } from '../src/responses.ts';
import {
  V4_LZ4_LARGE_EXECUTE,
  V4_LZ4_PREPARE,
  V4_LZ4_PREPARED,
  V4_LZ4_READ_FAILURE,
  V4_LZ4_READY,
  V4_SNAPPY_PREPARE,
  V4_SNAPPY_PREPARED,
  V4_SNAPPY_READY,
} from './captured.ts';
import { hex, onlyFrame, protocolError } from './helpers.ts';

const ALGORITHMS: readonly CompressionAlgorithm[] = ['lz4', 'snappy'];

const SAMPLE = Buffer.from('SELECT * FROM ks.users WHERE id = ? AND name = ?; '.repeat(3));

/**
 * What this codec writes for SAMPLE, pinned: the Python driver's own decompressors (python-lz4
 * 4.4.5 behind its big-endian length, python-snappy 0.7.3) were checked to read these bytes back.
 */
const PINNED: Readonly<Record<CompressionAlgorithm, Buffer>> = {
  lz4: hex('00000096 ff23' + SAMPLE.subarray(0, 50).toString('hex') + '32004b60203d203f3b20'),
  snappy: hex('9601 c8' + SAMPLE.subarray(0, 51).toString('hex') + 'fe32008a3200'),
};

describe('compressBody and decompressBody', () => {
  it('round-trip bodies of every shape with both algorithms', () => {
    const bodies = [
      Buffer.alloc(0),
      hex('00'),
      SAMPLE,
      randomBytes(100_000),
      Buffer.alloc(1_000_000, 'abc'),
      Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 251)),
    ];
    for (const algorithm of ALGORITHMS) {
      for (const body of bodies) {
        const compressed = compressBody(algorithm, body);
        assert.deepEqual(decompressBody(algorithm, compressed), body, `${algorithm}, ${body.length} bytes`);
      }
      assert.ok(compressBody(algorithm, bodies[4] as Buffer).length < 100_000, `${algorithm} shrinks repetitive bodies tenfold`);
    }
  });

  it('writes the LZ4 length big-endian, then a plain LZ4 block', () => {
    const compressed = compressBody('lz4', SAMPLE);
    assert.equal(compressed.readUInt32BE(0), SAMPLE.length);
    assert.deepEqual(compressBody('lz4', Buffer.alloc(0)), hex('00000000 00'));
  });

  it('writes the bytes the Python driver was checked to read', () => {
    for (const algorithm of ALGORITHMS) assert.deepEqual(compressBody(algorithm, SAMPLE), PINNED[algorithm], algorithm);
  });

  it('refuses a body announcing more than the maximum before decompressing it', () => {
    const error = protocolError(() => decompressBody('lz4', hex('ffffffff 00')));
    assert.equal(error.code, 'FRAME_TOO_LARGE');
    assert.match(error.message, /announces 4294967295 bytes, more than the maximum of 268435456/);
    assert.equal(protocolError(() => decompressBody('lz4', PINNED.lz4, 149)).code, 'FRAME_TOO_LARGE');
    assert.equal(decompressBody('lz4', PINNED.lz4, 150).length, 150);
    // Snappy's varint: 0x96 0x01 is 150.
    assert.equal(protocolError(() => decompressBody('snappy', PINNED.snappy, 149)).code, 'FRAME_TOO_LARGE');
    assert.equal(protocolError(() => decompressBody('snappy', hex('ffffffff0f 00'))).code, 'FRAME_TOO_LARGE');
  });

  it('refuses a length no block of that size can expand to, before allocating it', () => {
    const lz4 = protocolError(() => decompressBody('lz4', hex('0000ffff 1f00')));
    assert.equal(lz4.code, 'MALFORMED_BODY');
    assert.match(lz4.message, /2 bytes of lz4 cannot decompress to the 65535 bytes they announce/);
    assert.match(protocolError(() => decompressBody('snappy', hex('80 80 04 00'))).message, /4 bytes of snappy cannot decompress to the 65536/);
    // The most repetitive bodies stay within the bounds.
    for (const algorithm of ALGORITHMS) {
      const zeros = Buffer.alloc(5_000_000);
      assert.deepEqual(decompressBody(algorithm, compressBody(algorithm, zeros)), zeros, algorithm);
    }
  });

  it('refuses a body that decompresses to another length than it announces', () => {
    const longer = Buffer.from(PINNED.lz4);
    longer.writeUInt32BE(151, 0);
    assert.match(protocolError(() => decompressBody('lz4', longer)).message, /decompresses to 150 bytes, not the 151 announced/);
    const shorter = Buffer.from(PINNED.lz4);
    shorter.writeUInt32BE(149, 0);
    assert.equal(protocolError(() => decompressBody('lz4', shorter)).code, 'MALFORMED_BODY');
    const snappy = Buffer.from(PINNED.snappy);
    snappy[0] = 0x97;
    assert.equal(protocolError(() => decompressBody('snappy', snappy)).code, 'MALFORMED_BODY');
  });

  it('refuses truncated and malformed bodies with MALFORMED_BODY, whatever the bytes', () => {
    assert.match(protocolError(() => decompressBody('lz4', hex('000000'))).message, /lacks its 4-byte length/);
    assert.match(protocolError(() => decompressBody('snappy', Buffer.alloc(0))).message, /does not start with a valid length/);
    assert.match(protocolError(() => decompressBody('snappy', hex('ffffffffff01'))).message, /does not start with a valid length/);
    for (const algorithm of ALGORITHMS) {
      const good = PINNED[algorithm];
      for (let n = algorithm === 'lz4' ? 4 : 2; n < good.length; n++) {
        assert.equal(protocolError(() => decompressBody(algorithm, good.subarray(0, n))).code, 'MALFORMED_BODY', `${algorithm} cut at ${n}`);
      }
      for (let i = 0; i < 300; i++) {
        const noise = randomBytes(4 + (i % 60));
        if (algorithm === 'lz4') noise.writeUInt32BE(i % 7 === 0 ? 0 : 1 + (i % 500), 0);
        try {
          decompressBody(algorithm, noise);
        } catch (error) {
          assert.ok(error instanceof ProtocolError, `${algorithm} noise ${noise.toString('hex')}: ${String(error)}`);
        }
      }
    }
  });

  it('refuses algorithms the protocol does not have', () => {
    assert.match(protocolError(() => compressBody('zstd' as CompressionAlgorithm, SAMPLE)).message, /unknown compression "zstd"/);
    assert.equal(protocolError(() => decompressBody('LZ4' as CompressionAlgorithm, SAMPLE)).code, 'MALFORMED_BODY');
  });
});

describe('compressed frames', () => {
  it('decompresses what the Python driver and Cassandra compressed', () => {
    const cases: readonly (readonly [CompressionAlgorithm, Buffer, string])[] = [
      ['lz4', V4_LZ4_PREPARE, 'SELECT * FROM cqlproto_capture_4_lz4.t WHERE id = ?'],
      ['snappy', V4_SNAPPY_PREPARE, 'SELECT * FROM cqlproto_capture_4_snappy.t WHERE id = ?'],
    ];
    for (const [algorithm, bytes, query] of cases) {
      const frame = onlyFrame(bytes);
      assert.equal(frame.flags, FrameFlag.COMPRESSION);
      const plain = decompressFrame(frame, algorithm);
      assert.equal(plain.flags, 0);
      assert.deepEqual(decodeRequest(plain).message, { type: 'PREPARE', query });
    }
    for (const [algorithm, bytes] of [
      ['lz4', V4_LZ4_READY],
      ['snappy', V4_SNAPPY_READY],
    ] as const) {
      const ready = decompressFrame(onlyFrame(bytes), algorithm);
      assert.equal(ready.body.length, 0, `${algorithm}: Cassandra compresses even empty bodies`);
      assert.deepEqual(decodeResponse(ready).message, { type: 'READY' });
    }
    for (const [algorithm, bytes] of [
      ['lz4', V4_LZ4_PREPARED],
      ['snappy', V4_SNAPPY_PREPARED],
    ] as const) {
      const { message } = decodeResponse(decompressFrame(onlyFrame(bytes), algorithm));
      assert.ok(message.type === 'RESULT' && message.result.kind === 'prepared');
      assert.deepEqual(message.result.variables.pkIndexes, [0]);
      assert.equal(message.result.resultMetadata.columnCount, 3);
    }
  });

  it('decompresses a large body and an error with warnings', () => {
    const execute = decompressFrame(onlyFrame(V4_LZ4_LARGE_EXECUTE), 'lz4');
    assert.equal(execute.body.length, 200_054);
    const { message } = decodeRequest(execute);
    assert.ok(message.type === 'EXECUTE');
    assert.deepEqual(message.params.values?.[2], Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) % 251)));
    const failure = decompressFrame(onlyFrame(V4_LZ4_READ_FAILURE), 'lz4');
    assert.equal(failure.flags, FrameFlag.WARNING, 'only the compression flag is cleared');
    const decoded = decodeResponse(failure);
    assert.match(decoded.warnings?.[0] ?? '', /100001 tombstone cells/);
  });

  it('compresses a frame and sets its flag, reading back the same message', () => {
    const request = { type: 'QUERY', query: SAMPLE.toString(), params: { consistency: 1, skipMetadata: false } } as const;
    const frame = onlyFrame(encodeRequest(4, 11, request));
    for (const algorithm of ALGORITHMS) {
      const compressed = compressFrame(frame, algorithm);
      assert.equal(compressed.flags, FrameFlag.COMPRESSION);
      assert.ok(compressed.body.length < frame.body.length);
      assert.equal(protocolError(() => decodeRequest(compressed)).code, 'MALFORMED_BODY', 'still refused undecompressed');
      assert.deepEqual(decodeRequest(decompressFrame(compressed, algorithm)).message, request);
      assert.equal(compressFrame(compressed, algorithm), compressed, 'a compressed frame is left alone');
    }
  });

  it('leaves empty bodies and uncompressed frames alone', () => {
    const options = onlyFrame(encodeRequest(4, 1, { type: 'OPTIONS' }));
    assert.equal(compressFrame(options, 'lz4'), options);
    assert.equal(decompressFrame(options, 'lz4'), options);
  });

  it('has no compressed v5 envelopes: the flag is ignored, and compressing one is refused', () => {
    const v5: Frame = { version: 5, isResponse: false, flags: FrameFlag.COMPRESSION, stream: 3, opcode: Opcode.OPTIONS, body: Buffer.alloc(0) };
    assert.equal(decompressFrame(v5, 'lz4'), v5);
    assert.deepEqual(decodeRequest(v5).message, { type: 'OPTIONS' });
    const error = protocolError(() => compressFrame({ ...v5, flags: 0, body: SAMPLE }, 'lz4'));
    assert.equal(error.code, 'UNSUPPORTED_VERSION');
    assert.equal(error.stream, 3);
  });

  it('ties decompression errors to the frame', () => {
    const frame: Frame = { version: 4, isResponse: false, flags: FrameFlag.COMPRESSION, stream: 42, opcode: Opcode.QUERY, body: hex('000000') };
    const error = protocolError(() => decompressFrame(frame, 'lz4'));
    assert.equal(error.stream, 42);
    assert.equal(error.version, 4);
  });
});
