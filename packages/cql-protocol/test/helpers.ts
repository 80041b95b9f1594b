import assert from 'node:assert/strict';
import { FrameDecoder } from '../src/decoder.ts';
import { ProtocolError } from '../src/errors.ts';
import type { Frame } from '../src/frame.ts';

/** Helpers shared by the codec's tests. */

/** Bytes from spaced hex, as the spec's examples are written: "00 01 ff". */
export function hex(text: string): Buffer {
  return Buffer.from(text.replaceAll(' ', ''), 'hex');
}

/** The one frame in `bytes`. */
export function onlyFrame(bytes: Buffer): Frame {
  const frames = new FrameDecoder().push(bytes);
  assert.equal(frames.length, 1);
  return frames[0] as Frame;
}

/** The ProtocolError `fn` throws; fails the test if it throws nothing or something else. */
export function protocolError(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ProtocolError, `expected a ProtocolError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ProtocolError');
}
