import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameDecoder } from '../src/decoder.ts';
import { DEFAULT_MAX_BODY_LENGTH, encodeFrame, headerLength, type Frame } from '../src/frame.ts';
import { protocolError } from './helpers.ts';

function frame(fields: Partial<Frame> & Pick<Frame, 'body'>): Frame {
  return { version: 4, isResponse: false, flags: 0, stream: 0, opcode: 0x07, ...fields };
}

/** Frames of several shapes: versions with both header sizes, empty bodies, negative streams. */
const FRAMES: readonly Frame[] = [
  frame({ opcode: 0x05, body: Buffer.alloc(0) }),
  frame({ stream: 1, body: Buffer.from('a query body of some length') }),
  frame({ version: 3, isResponse: true, flags: 0x02, stream: -1, opcode: 0x0c, body: Buffer.from([1, 2, 3]) }),
  frame({ version: 2, stream: -5, opcode: 0x01, body: Buffer.from('v2 has an 8-byte header') }),
  frame({ version: 1, isResponse: true, stream: 127, opcode: 0x02, body: Buffer.alloc(0) }),
  frame({ version: 5, stream: 32767, opcode: 0x05, body: Buffer.alloc(1, 0xff) }),
  frame({ stream: -32768, flags: 0x0f, opcode: 0x08, body: Buffer.alloc(300, 0x61) }),
];

const STREAM = Buffer.concat(FRAMES.map(encodeFrame));

/** Frames compare by content; decoded bodies are slices whose backing store differs. */
function plain(frames: readonly Frame[]): unknown[] {
  return frames.map((f) => ({ ...f, body: f.body.toString('hex') }));
}

function decodeInChunks(bytes: Buffer, cuts: readonly number[]): Frame[] {
  const decoder = new FrameDecoder();
  const frames: Frame[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    frames.push(...decoder.push(bytes.subarray(from, cut)));
    from = cut;
  }
  assert.equal(decoder.buffered, 0);
  return frames;
}

describe('encodeFrame', () => {
  it('writes the 9-byte header of v3 and later with a signed [short] stream', () => {
    const bytes = encodeFrame({ version: 4, isResponse: true, flags: 0x0a, stream: -2, opcode: 0x08, body: Buffer.from([0xaa, 0xbb]) });
    assert.deepEqual([...bytes], [0x84, 0x0a, 0xff, 0xfe, 0x08, 0x00, 0x00, 0x00, 0x02, 0xaa, 0xbb]);
  });

  it('writes the 8-byte header of v1 and v2 with a signed byte stream', () => {
    const bytes = encodeFrame({ version: 2, isResponse: false, flags: 0, stream: -1, opcode: 0x05, body: Buffer.alloc(0) });
    assert.deepEqual([...bytes], [0x02, 0x00, 0xff, 0x05, 0x00, 0x00, 0x00, 0x00]);
  });

  it('refuses streams and versions the header cannot hold', () => {
    assert.equal(protocolError(() => encodeFrame(frame({ stream: 0x8000, body: Buffer.alloc(0) }))).code, 'MALFORMED_BODY');
    assert.equal(protocolError(() => encodeFrame(frame({ version: 2, stream: 128, body: Buffer.alloc(0) }))).code, 'MALFORMED_BODY');
    assert.equal(protocolError(() => encodeFrame(frame({ version: 6, body: Buffer.alloc(0) }))).code, 'UNSUPPORTED_VERSION');
  });

  it('knows the header length of each version', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map(headerLength), [8, 8, 9, 9, 9]);
  });
});

describe('FrameDecoder', () => {
  it('decodes a stream of frames pushed in one chunk', () => {
    assert.deepEqual(plain(decodeInChunks(STREAM, [])), plain(FRAMES));
  });

  it('decodes the same frames pushed one byte at a time', () => {
    const cuts = Array.from({ length: STREAM.length - 1 }, (_, i) => i + 1);
    assert.deepEqual(plain(decodeInChunks(STREAM, cuts)), plain(FRAMES));
  });

  it('decodes the same frames split in two at every point', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      assert.deepEqual(plain(decodeInChunks(STREAM, [cut])), plain(FRAMES), `split at ${cut}`);
    }
  });

  it('decodes the same frames split in three at every pair of points', () => {
    for (let a = 0; a <= STREAM.length; a += 7) {
      for (let b = a; b <= STREAM.length; b += 3) {
        assert.deepEqual(plain(decodeInChunks(STREAM, [a, b])), plain(FRAMES), `split at ${a} and ${b}`);
      }
    }
  });

  it('returns bodies as slices of the chunk they arrived in', () => {
    const chunk = encodeFrame(frame({ body: Buffer.from('hello') }));
    const [decoded] = new FrameDecoder().push(chunk);
    assert.equal(decoded?.body.buffer, chunk.buffer);
    assert.equal(decoded?.body.toString(), 'hello');
  });

  it('reports what it holds while a frame is incomplete', () => {
    const decoder = new FrameDecoder();
    const bytes = encodeFrame(frame({ body: Buffer.alloc(10) }));
    assert.deepEqual(decoder.push(bytes.subarray(0, 4)), []);
    assert.equal(decoder.buffered, 4);
    assert.deepEqual(decoder.push(bytes.subarray(4, 12)), []);
    assert.equal(decoder.buffered, 12);
    assert.equal(decoder.push(bytes.subarray(12)).length, 1);
    assert.equal(decoder.buffered, 0);
  });

  it('refuses an oversize body from its header alone, with stream and version', () => {
    const decoder = new FrameDecoder({ maxBodyLength: 100 });
    const header = encodeFrame(frame({ stream: 42, body: Buffer.alloc(101) })).subarray(0, 9);
    const error = protocolError(() => decoder.push(header));
    assert.equal(error.code, 'FRAME_TOO_LARGE');
    assert.equal(error.stream, 42);
    assert.equal(error.version, 4);
    assert.equal(decoder.buffered, 0);
  });

  it('refuses a body over the default maximum of 256 MiB', () => {
    const header = Buffer.from([0x04, 0, 0, 7, 0x07, 0, 0, 0, 0]);
    header.writeInt32BE(DEFAULT_MAX_BODY_LENGTH + 1, 5);
    const error = protocolError(() => new FrameDecoder().push(header));
    assert.equal(error.code, 'FRAME_TOO_LARGE');
    assert.equal(error.stream, 7);
  });

  it('skips an oversize body and carries on with the next frame', () => {
    const decoder = new FrameDecoder({ maxBodyLength: 100 });
    const big = encodeFrame(frame({ stream: 1, body: Buffer.alloc(150, 1) }));
    const next = encodeFrame(frame({ stream: 2, body: Buffer.from('next') }));
    assert.equal(protocolError(() => decoder.push(big.subarray(0, 50))).code, 'FRAME_TOO_LARGE');
    assert.deepEqual(decoder.push(big.subarray(50, 120)), []);
    const frames = decoder.push(Buffer.concat([big.subarray(120), next]));
    assert.deepEqual(plain(frames), plain([frame({ stream: 2, body: Buffer.from('next') })]));
  });

  it('hands out frames completed before a bad header on the next push', () => {
    const decoder = new FrameDecoder({ maxBodyLength: 100 });
    const good = frame({ stream: 3, body: Buffer.from('ok') });
    const big = encodeFrame(frame({ stream: 4, body: Buffer.alloc(101) }));
    const error = protocolError(() => decoder.push(Buffer.concat([encodeFrame(good), big.subarray(0, 9)])));
    assert.equal(error.stream, 4);
    assert.deepEqual(plain(decoder.push(Buffer.alloc(0))), plain([good]));
  });

  it('refuses a negative body length for good, with stream and version', () => {
    const decoder = new FrameDecoder();
    const header = Buffer.from([0x03, 0, 0x01, 0x00, 0x07, 0xff, 0xff, 0xff, 0xfe]);
    const error = protocolError(() => decoder.push(header));
    assert.equal(error.code, 'FRAME_TOO_LARGE');
    assert.equal(error.stream, 256);
    assert.equal(error.version, 3);
    assert.equal(protocolError(() => decoder.push(encodeFrame(frame({ body: Buffer.alloc(0) })))), error);
  });

  it('refuses version 0, whatever the direction bit', () => {
    for (const first of [0x00, 0x80]) {
      const header = Buffer.from([first, 0, 0, 9, 0x07, 0, 0, 0, 0]);
      const error = protocolError(() => new FrameDecoder().push(header));
      assert.equal(error.code, 'UNSUPPORTED_VERSION', `version byte 0x${first.toString(16)}`);
      assert.equal(error.version, 0);
    }
  });

  it("frames later versions, DSE's 0x41 and 0x42 included, with the 9-byte header", () => {
    for (const version of [0x06, 0x41, 0x42, 0x7f]) {
      const bytes = Buffer.from([version, 0, 0, 3, 0x05, 0, 0, 0, 0]);
      const [decoded] = new FrameDecoder().push(bytes);
      assert.deepEqual({ ...decoded }, { version, isResponse: false, flags: 0, stream: 3, opcode: 0x05, body: Buffer.alloc(0) });
    }
  });

  it('accepts v5 headers, leaving version policy to the caller', () => {
    const [decoded] = new FrameDecoder().push(encodeFrame(frame({ version: 5, opcode: 0x05, body: Buffer.alloc(0) })));
    assert.equal(decoded?.version, 5);
  });

  it('assembles a body that arrives in many small chunks', () => {
    const body = Buffer.alloc(200_000, 7);
    const bytes = encodeFrame(frame({ body }));
    const decoder = new FrameDecoder();
    const frames: Frame[] = [];
    for (let at = 0; at < bytes.length; at += 10) frames.push(...decoder.push(bytes.subarray(at, at + 10)));
    assert.equal(frames.length, 1);
    assert.ok(frames[0]?.body.equals(body));
  });
});
