import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import { FrameDecoder, decodeResponse, encodeRequest, type Frame, type ServerEvent } from '@cutover/cql-protocol';
import { REPLICATION, startProxy, uniqueKeyspace, type TestProxy } from './support.ts';

/** REGISTER goes to both clusters; a schema change reaches the client once (origin's), on stream -1. */
const PORT = 19952;
const timeout = 60_000;
const ks = uniqueKeyspace('events');
let proxy: TestProxy;

before(async () => {
  proxy = await startProxy(PORT);
});

after(async () => {
  await proxy.stop();
});

it('a client registered for SCHEMA_CHANGE gets each schema change exactly once', { timeout }, async () => {
  const socket = connect({ host: '127.0.0.1', port: PORT });
  const decoder = new FrameDecoder();
  const frames: Frame[] = [];
  socket.on('data', (chunk: Buffer) => frames.push(...decoder.push(chunk)));
  const next = async (): Promise<Frame> => {
    for (let i = 0; i < 200 && frames.length === 0; i++) await delay(20);
    return frames.shift() ?? assert.fail('no frame arrived');
  };
  socket.write(encodeRequest(4, 1, { type: 'STARTUP', options: { CQL_VERSION: '3.0.0' } }));
  assert.equal(decodeResponse(await next()).message.type, 'READY');
  socket.write(encodeRequest(4, 2, { type: 'REGISTER', events: ['SCHEMA_CHANGE'] }));
  const registered = await next();
  assert.equal(registered.stream, 2);
  assert.equal(decodeResponse(registered).message.type, 'READY');

  const client = proxy.client();
  await client.execute(`CREATE KEYSPACE ${ks} WITH replication = ${REPLICATION}`);
  await client.execute(`CREATE TABLE ${ks}.t (id int PRIMARY KEY)`);

  const events: ServerEvent[] = [];
  for (let i = 0; i < 100 && events.length < 2; i++) {
    await delay(20);
    for (const frame of frames.splice(0)) {
      assert.equal(frame.stream, -1);
      const { message } = decodeResponse(frame);
      if (message.type === 'EVENT') events.push(message.event);
    }
  }
  // Whatever else arrives in the next moments must not be a second copy from target.
  await delay(500);
  for (const frame of frames.splice(0)) {
    const { message } = decodeResponse(frame);
    if (message.type === 'EVENT') events.push(message.event);
  }
  const ours = events.filter((e) => e.type === 'SCHEMA_CHANGE' && e.keyspace === ks);
  assert.deepEqual(
    ours.map((e) => (e.type === 'SCHEMA_CHANGE' ? `${e.change} ${e.target} ${e.name ?? ''}`.trim() : '')),
    ['CREATED KEYSPACE', 'CREATED TABLE t'],
  );
  socket.end();
});
