import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, it } from 'node:test';
import { ErrorCode, FrameDecoder, decodeResponse, encodeRequest } from '@cutover/cql-protocol';
import { startProxy, type TestProxy } from './support.ts';

/** PROXY_MAX_CONNECTIONS: connections past the limit are told why and closed; the others carry on. */
const PORT = 19802;
const timeout = 60_000;
let proxy: TestProxy;

before(async () => {
  proxy = await startProxy(PORT, { PROXY_MAX_CONNECTIONS: '2' });
});

after(async () => {
  await proxy.stop();
});

/** Opens a raw connection, sends OPTIONS, and returns the first answer (undefined if closed without one). */
function options(): Promise<{ answer: ReturnType<typeof decodeResponse>['message'] | undefined; closed: Promise<void>; end: () => void }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: PORT });
    const decoder = new FrameDecoder();
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      const [frame] = decoder.push(chunk);
      if (frame) resolve({ answer: decodeResponse(frame).message, closed, end: () => socket.end() });
    });
    socket.on('close', () => resolve({ answer: undefined, closed, end: () => undefined }));
    socket.write(encodeRequest(4, 0, { type: 'OPTIONS' }));
  });
}

it('refuses connections over the limit with Overloaded, and keeps serving the others', { timeout }, async () => {
  const first = await options();
  const second = await options();
  assert.equal(first.answer?.type, 'SUPPORTED');
  assert.equal(second.answer?.type, 'SUPPORTED');
  assert.equal(proxy.proxy.connections, 2);

  const third = await options();
  assert.equal(third.answer?.type, 'ERROR');
  assert.equal(third.answer?.type === 'ERROR' && third.answer.code, ErrorCode.OVERLOADED);
  assert.match(third.answer?.type === 'ERROR' ? third.answer.message : '', /too many client connections \(PROXY_MAX_CONNECTIONS=2\)/);
  await third.closed;

  first.end();
  await first.closed;
  for (let i = 0; i < 50 && proxy.proxy.connections > 1; i++) await new Promise((r) => setImmediate(r));
  const fourth = await options();
  assert.equal(fourth.answer?.type, 'SUPPORTED', 'a freed slot is used again');
  const metrics = await (await fetch(`http://127.0.0.1:${PORT - 1}/metrics`)).text();
  assert.match(metrics, /cutover_proxy_rejected_connections_total 1/);
  second.end();
  fourth.end();
});
