import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import { FrameDecoder, decodeResponse, encodeRequest } from '@cutover/cql-protocol';
import { LocalStack } from '@cutover/stack';
import { REPLICATION, configWith, freeze, startProxy, uniqueKeyspace, type TestProxy } from './support.ts';

/**
 * A cluster that cannot keep up stops the proxy reading from its client, instead of the proxy
 * buffering without bound: the bytes stay in the client's socket until the cluster drains.
 */
const PORT = 19422;
const timeout = 120_000;
const ks = uniqueKeyspace('backpressure');
let proxy: TestProxy;

before(async () => {
  proxy = await startProxy(PORT, { PROXY_REQUEST_TIMEOUT_MS: '30000' });
  await proxy.client().execute(`CREATE KEYSPACE ${ks} WITH replication = ${REPLICATION}`);
  await proxy.client().execute(`CREATE TABLE ${ks}.t (id int PRIMARY KEY, b blob)`);
});

after(async () => {
  await proxy.stop();
});

it('stops reading a client while a cluster is congested, and catches up once it drains', { timeout }, async () => {
  const [target] = await new LocalStack(configWith()).status(['target']);
  const socket = connect({ host: '127.0.0.1', port: PORT });
  const decoder = new FrameDecoder();
  let ready = false;
  let answers = 0;
  socket.on('data', (chunk: Buffer) => {
    for (const frame of decoder.push(chunk)) {
      if (decodeResponse(frame).message.type === 'READY') ready = true;
      else answers++;
    }
  });
  socket.write(encodeRequest(4, 0, { type: 'STARTUP', options: { CQL_VERSION: '3.0.0' } }));
  for (let i = 0; i < 200 && !ready; i++) await delay(20);
  assert.ok(ready, 'the handshake completed');

  const requests = 80;
  const blob = Buffer.alloc(1024 * 1024, 1);
  const total = requests * (blob.length + 100);
  try {
    await freeze(target!.pid!);
    for (let id = 1; id <= requests; id++) {
      const value = Buffer.alloc(4);
      value.writeInt32BE(id);
      socket.write(encodeRequest(4, id, { type: 'QUERY', query: `INSERT INTO ${ks}.t (id, b) VALUES (?, ?)`, params: { consistency: 1, skipMetadata: false, values: [value, blob] } }));
    }
    // Give the proxy time to read all it would read: with backpressure it stops after a few MB.
    let pending = socket.writableLength;
    for (let quiet = 0; quiet < 10; ) {
      await delay(100);
      quiet = socket.writableLength === pending ? quiet + 1 : 0;
      pending = socket.writableLength;
    }
    assert.ok(pending > total / 2, `the client still holds ${pending} of ${total} bytes: the proxy stopped reading`);
    assert.equal(answers, 0);
  } finally {
    process.kill(target!.pid!, 'SIGCONT');
  }
  for (let i = 0; i < 600 && answers < requests; i++) await delay(100);
  assert.equal(answers, requests, 'every request was answered once target caught up');
  assert.equal(socket.writableLength, 0);
  socket.end();
});
