import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, Opcode, decodeResponse, encodeFrame, encodeRequest, type Response } from '@cutover/cql-protocol';
import cassandra from 'cassandra-driver';
import { RawClient } from './raw-client.ts';
import { startProxy, type TestProxy } from './support.ts';

/**
 * Bad clients get a protocol ERROR frame or a clean close, and never disturb a healthy client
 * connected at the same time.
 */
const PORT = 19302;
const timeout = 60_000;
let proxy: TestProxy;
let healthy: cassandra.Client;
let healthyLoop: Promise<number>;
let stopHealthy = false;

function protocolError(response: Response | undefined, pattern: RegExp): void {
  assert.ok(response, 'expected an ERROR frame, the connection closed');
  assert.equal(response.type, 'ERROR');
  assert.equal(response.type === 'ERROR' && response.code, ErrorCode.PROTOCOL_ERROR);
  assert.match(response.type === 'ERROR' ? response.message : '', pattern);
}

before(async () => {
  proxy = await startProxy(PORT, { PROXY_MAX_FRAME_BYTES: String(1024 * 1024) });
  healthy = proxy.client();
  await healthy.connect();
  // A well-behaved client keeps reading while the others misbehave.
  healthyLoop = (async () => {
    let ok = 0;
    while (!stopHealthy) {
      const result = await healthy.execute('SELECT release_version FROM system.local');
      assert.equal(result.rowLength, 1);
      ok++;
    }
    return ok;
  })();
});

after(async () => {
  stopHealthy = true;
  await proxy.stop();
});

describe('bad input', () => {
  it('garbage bytes: an ERROR frame, then the connection is closed', { timeout }, async () => {
    const raw = new RawClient(PORT);
    raw.send(Buffer.from('GET / HTTP/1.1\r\nHost: proxy\r\n\r\n'));
    protocolError(await raw.next(), /./);
    await raw.closed;
  });

  it('an oversize length: refused from the header, before the body is sent', { timeout }, async () => {
    const raw = new RawClient(PORT);
    await raw.handshake();
    const header = encodeFrame({ version: 4, isResponse: false, flags: 0, stream: 7, opcode: Opcode.QUERY, body: Buffer.alloc(0) });
    header.writeInt32BE(200 * 1024 * 1024, 5);
    raw.send(header);
    protocolError(await raw.next(), /exceeds the maximum of 1048576/);
    await raw.closed;
  });

  it('a negative length: an ERROR frame and a close', { timeout }, async () => {
    const raw = new RawClient(PORT);
    const header = encodeFrame({ version: 4, isResponse: false, flags: 0, stream: 1, opcode: Opcode.OPTIONS, body: Buffer.alloc(0) });
    header.writeInt32BE(-5, 5);
    raw.send(header);
    protocolError(await raw.next(), /negative/);
    await raw.closed;
  });

  it('a truncated frame followed by a hang-up: the proxy just closes', { timeout }, async () => {
    const raw = new RawClient(PORT);
    await raw.handshake();
    const frame = encodeRequest(4, 3, { type: 'QUERY', query: 'SELECT * FROM system.local', params: { consistency: 1, skipMetadata: false } });
    raw.send(frame.subarray(0, frame.length - 5));
    raw.end();
    assert.equal(await raw.next(), undefined);
    await raw.closed;
  });

  it('a body shorter than its message: an ERROR frame on that stream, and the connection goes on', { timeout }, async () => {
    const raw = new RawClient(PORT);
    await raw.handshake();
    const whole = encodeRequest(4, 9, { type: 'QUERY', query: 'SELECT * FROM system.local', params: { consistency: 1, skipMetadata: false } });
    const body = whole.subarray(9, 20); // the [long string] says more bytes than the body has
    raw.send(encodeFrame({ version: 4, isResponse: false, flags: 0, stream: 9, opcode: Opcode.QUERY, body }));
    protocolError(await raw.next(), /body ends inside/);
    raw.send(encodeRequest(4, 10, { type: 'OPTIONS' }));
    assert.equal((await raw.next())?.type, 'SUPPORTED', 'the connection still works');
    raw.end();
  });

  it('an unknown opcode: an ERROR frame, and the connection goes on', { timeout }, async () => {
    const raw = new RawClient(PORT);
    await raw.handshake();
    raw.send(encodeFrame({ version: 4, isResponse: false, flags: 0, stream: 4, opcode: 0x55, body: Buffer.alloc(0) }));
    protocolError(await raw.next(), /opcode/i);
    raw.send(encodeRequest(4, 5, { type: 'OPTIONS' }));
    assert.equal((await raw.next())?.type, 'SUPPORTED');
    raw.end();
  });

  it("a version the proxy does not speak: the error that makes drivers downgrade, in the client's own header version and stream as Cassandra answers", { timeout }, async () => {
    // DSE v2 (0x42) is what the Node driver opens with, v2 a very old driver; v6 is Cassandra 5's beta.
    for (const [version, answeredIn] of [[6, 5], [0x42, 5], [2, 2]] as const) {
      const raw = new RawClient(PORT);
      const frame = encodeFrame({ version: 4, isResponse: false, flags: 0, stream: 3, opcode: Opcode.OPTIONS, body: Buffer.alloc(0) });
      frame[0] = version;
      raw.send(version === 2 ? Buffer.from([2, 0, 3, Opcode.OPTIONS, 0, 0, 0, 0]) : frame);
      const answer = await raw.nextFrame();
      assert.equal(answer?.version, answeredIn, `the answer to a v${version} frame`);
      assert.equal(answer.stream, 3);
      protocolError(decodeResponse({ ...answer, version: 4 }).message, // an ERROR body reads the same in every version
         new RegExp(`^Invalid or unsupported protocol version \\(${version}\\); supported versions are \\(3/v3, 4/v4, 5/v5\\)$`));
      raw.end();
    }
  });

  it('a version change mid-connection is refused', { timeout }, async () => {
    const raw = new RawClient(PORT);
    await raw.handshake();
    raw.send(encodeRequest(3, 2, { type: 'OPTIONS' }));
    protocolError(await raw.next(), /uses protocol v4, got a v3 frame/);
    raw.end();
  });

  it('a negative stream id: an ERROR frame', { timeout }, async () => {
    const raw = new RawClient(PORT);
    await raw.handshake();
    raw.send(encodeFrame({ version: 4, isResponse: false, flags: 0, stream: -3, opcode: Opcode.OPTIONS, body: Buffer.alloc(0) }));
    protocolError(await raw.next(), /stream id -3 is reserved for server events/);
    raw.end();
  });

  it('STARTUP twice: an ERROR frame', { timeout }, async () => {
    const raw = new RawClient(PORT);
    await raw.handshake();
    raw.send(encodeRequest(4, 1, { type: 'STARTUP', options: { CQL_VERSION: '3.0.0' } }));
    protocolError(await raw.next(), /Unexpected message STARTUP, the connection is already initialized/);
    raw.end();
  });

  it('a request before STARTUP: an ERROR frame', { timeout }, async () => {
    const raw = new RawClient(PORT);
    raw.send(encodeRequest(4, 1, { type: 'QUERY', query: 'SELECT * FROM system.local', params: { consistency: 1, skipMetadata: false } }));
    protocolError(await raw.next(), /Unexpected message QUERY, expecting STARTUP or OPTIONS/);
    raw.end();
  });

  it('a compression the proxy does not offer: the error Cassandra gives', { timeout }, async () => {
    for (const [version, compression, message] of [
      [4, 'zstd', /^Unknown compression algorithm: zstd$/],
      [5, 'snappy', /^Snappy compression is not supported in protocol V5$/],
    ] as const) {
      const raw = new RawClient(PORT);
      raw.send(encodeRequest(version, 0, { type: 'STARTUP', options: { CQL_VERSION: '3.0.0', COMPRESSION: compression } }));
      protocolError(await raw.next(), message);
      raw.end();
    }
  });

  it('the healthy client was never disturbed', { timeout }, async () => {
    stopHealthy = true;
    const ok = await healthyLoop;
    assert.ok(ok > 0, `the healthy client completed ${ok} reads`);
    assert.ok(proxy.proxy.connections >= 1);
  });
});
