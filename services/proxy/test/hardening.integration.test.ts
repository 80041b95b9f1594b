import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Opcode, decodeResponse, encodeRequest } from '@cutover/cql-protocol';
import { RawClient } from './raw-client.ts';
import { REPLICATION, startProxy, uniqueKeyspace, type TestProxy } from './support.ts';

/**
 * Clients that would tie the proxy up: a handshake pipelining many frames, a client that never
 * finishes its handshake, one that goes idle, and one that never reads its answers.
 */
const timeout = 120_000;
const HANDSHAKE_TIMEOUT_MS = 400;
const IDLE_TIMEOUT_MS = 700;
let proxy: TestProxy;
let patient: TestProxy;

before(async () => {
  proxy = await startProxy(19352, {
    PROXY_HANDSHAKE_TIMEOUT_MS: String(HANDSHAKE_TIMEOUT_MS),
    PROXY_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
  });
  // No idle timeout here: a client that does not read is idle too, and would be closed as such.
  patient = await startProxy(19362, { PROXY_REQUEST_TIMEOUT_MS: '60000' });
});

after(async () => {
  await proxy?.stop();
  await patient?.stop();
});

async function clusterConnections(): Promise<Record<string, number>> {
  const metric = await proxy.proxy.metrics.registry.getSingleMetric('cutover_proxy_cluster_connections')!.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels['cluster']), v.value]));
}

/** Resolves with how long the proxy took to close the connection. */
async function closedAfter(raw: RawClient, started: number): Promise<number> {
  await raw.closed;
  return Date.now() - started;
}

/** The most the proxy holds for its clients over three seconds. */
async function mostBuffered(of: TestProxy): Promise<number> {
  let most = 0;
  for (let i = 0; i < 60; i++) {
    most = Math.max(most, of.proxy.bufferedBytes);
    await delay(50);
  }
  console.log(`most buffered: ${most} bytes`);
  return most;
}

describe('a hardened handshake', () => {
  it('a handshake pipelining many OPTIONS and a STARTUP opens one pair of cluster connections', { timeout }, async () => {
    const raw = new RawClient(19352);
    const frames = [...Array.from({ length: 50 }, (_, i) => encodeRequest(4, i, { type: 'OPTIONS' })), encodeRequest(4, 50, { type: 'STARTUP', options: { CQL_VERSION: '3.0.0' } })];
    raw.send(Buffer.concat(frames));
    const answers = [];
    for (let i = 0; i < frames.length; i++) answers.push(await raw.nextFrame());
    assert.equal(answers.filter((f) => f?.opcode === Opcode.SUPPORTED).length, 50);
    assert.deepEqual(decodeResponse(answers.find((f) => f?.stream === 50)!).message, { type: 'READY' });
    assert.deepEqual(await clusterConnections(), { origin: 1, target: 1 });
    raw.end();
    await raw.closed;
  });

  it('a client that does not finish its handshake within PROXY_HANDSHAKE_TIMEOUT_MS is disconnected; one that did is not', { timeout }, async () => {
    const started = Date.now();
    const silent = new RawClient(19352);
    const optionsOnly = new RawClient(19352);
    optionsOnly.send(encodeRequest(4, 0, { type: 'OPTIONS' }));
    assert.equal((await optionsOnly.next())?.type, 'SUPPORTED');
    const ready = new RawClient(19352);
    await ready.handshake();

    const [silentMs, optionsMs] = await Promise.all([closedAfter(silent, started), closedAfter(optionsOnly, started)]);
    assert.ok(silentMs >= HANDSHAKE_TIMEOUT_MS - 50 && silentMs < HANDSHAKE_TIMEOUT_MS + 5_000, `closed after ${silentMs} ms`);
    assert.ok(optionsMs >= HANDSHAKE_TIMEOUT_MS - 50, `closed after ${optionsMs} ms`);
    // The client that finished its handshake is still served past the handshake timeout.
    ready.send(encodeRequest(4, 1, { type: 'OPTIONS' }));
    assert.equal((await ready.next())?.type, 'SUPPORTED');
    ready.end();
  });

  it('a client silent for PROXY_IDLE_TIMEOUT_MS is disconnected', { timeout }, async () => {
    const raw = new RawClient(19352);
    await raw.handshake();
    const started = Date.now();
    const idleMs = await closedAfter(raw, started);
    assert.ok(idleMs >= IDLE_TIMEOUT_MS - 50, `closed after ${idleMs} ms of silence`);
  });

  it('a client that never reads its answers cannot make the proxy buffer without bound, and loses none of them', { timeout }, async () => {
    const ks = uniqueKeyspace('unread');
    const client = patient.client();
    await client.execute(`CREATE KEYSPACE ${ks} WITH replication = ${REPLICATION}`);
    await client.execute(`CREATE TABLE ${ks}.big (id int PRIMARY KEY, v blob)`);
    const value = Buffer.alloc(1024 * 1024, 7);
    await client.execute(`INSERT INTO ${ks}.big (id, v) VALUES (1, ?)`, [value], { prepare: true });

    const raw = new RawClient(19362);
    await raw.handshake();
    raw.socket.pause(); // reads nothing from now on
    const requests = 200; // 200 MiB of answers
    const select = (stream: number): Buffer => encodeRequest(4, stream, { type: 'QUERY', query: `SELECT v FROM ${ks}.big WHERE id = 1`, params: { consistency: 1, skipMetadata: false } });
    raw.send(Buffer.concat(Array.from({ length: requests }, (_, i) => select(i + 1))));

    // While the client does not read, what the proxy holds for it stays bounded.
    const most = await mostBuffered(patient);
    assert.ok(most > 0, 'answers were waiting for the client');
    assert.ok(most < 16 * 1024 * 1024, `the proxy held ${most} bytes for a client that reads nothing`);

    raw.socket.resume();
    for (let i = 0; i < requests; i++) {
      const answer = await raw.next();
      assert.equal(answer?.type, 'RESULT', `answer ${i + 1}: ${JSON.stringify(answer)?.slice(0, 200)}`);
    }

    // Requests the proxy answers itself: it stops reading them while their answers wait.
    raw.socket.pause();
    const options = 200_000; // about 30 MiB of answers
    raw.send(Buffer.concat(Array.from({ length: options }, (_, i) => encodeRequest(4, i % 30_000, { type: 'OPTIONS' }))));
    const heldAnswers = await mostBuffered(patient);
    assert.ok(heldAnswers > 0 && heldAnswers < 8 * 1024 * 1024, `the proxy held ${heldAnswers} bytes of answers to OPTIONS`);
    raw.socket.resume();
    for (let i = 0; i < options; i++) assert.equal((await raw.nextFrame())?.opcode, Opcode.SUPPORTED);
    raw.end();
  });
});
