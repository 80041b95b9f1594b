import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionFraming, Opcode, SegmentDecoder, encodeFrame, startupCompression, type Frame } from '../src/index.ts';

describe('ConnectionFraming', () => {
  const frame = (version: number, body: Buffer): Frame => ({ version, isResponse: true, flags: 0, stream: 1, opcode: Opcode.RESULT, body });

  it('v3 and v4: bodies compressed from the negotiation on, read back as they were', () => {
    for (const algorithm of ['lz4', 'snappy'] as const) {
      const writer = new ConnectionFraming(1024 * 1024);
      const reader = new ConnectionFraming(1024 * 1024);
      const body = Buffer.alloc(10_000, 'abc');
      assert.ok(writer.write([frame(4, body)]).equals(encodeFrame(frame(4, body))), 'plain before the negotiation');
      writer.compress(algorithm);
      reader.compress(algorithm);
      const bytes = writer.write([frame(4, body)]);
      assert.ok(bytes.length < body.length / 10, `${algorithm} compressed ${body.length} to ${bytes.length}`);
      assert.deepEqual(reader.read(bytes), [frame(4, body)]);
    }
  });

  it('v5: frames as they are during the handshake, then segments both ways, LZ4-compressed if negotiated', () => {
    const writer = new ConnectionFraming(1024 * 1024);
    const ready = frame(5, Buffer.alloc(0));
    assert.ok(writer.write([ready]).equals(encodeFrame(ready)));
    writer.compress('lz4');
    writer.startSegments();
    assert.equal(writer.segmented, true);
    const big = frame(5, Buffer.alloc(300_000, 'x')); // more than one segment
    const bytes = writer.write([frame(5, Buffer.from('small')), big]);
    assert.deepEqual(new SegmentDecoder({ compression: 'lz4' }).push(bytes), [frame(5, Buffer.from('small')), big]);
    const reader = new ConnectionFraming(1024 * 1024);
    reader.compress('lz4');
    reader.startSegments();
    assert.deepEqual(reader.read(bytes), [frame(5, Buffer.from('small')), big]);
  });

  it("a STARTUP's COMPRESSION: what it asks for, or Cassandra's own error", () => {
    assert.equal(startupCompression(4, undefined), undefined);
    assert.equal(startupCompression(4, 'LZ4'), 'lz4');
    assert.equal(startupCompression(4, 'snappy'), 'snappy');
    assert.throws(() => startupCompression(5, 'snappy'), { message: 'Snappy compression is not supported in protocol V5' });
    assert.throws(() => startupCompression(4, 'zstd'), { message: 'Unknown compression algorithm: zstd' });
  });
});
