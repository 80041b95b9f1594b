import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify, decodeRequest, encodeRequestBody, Opcode, type Frame, type Request } from '@cutover/cql-protocol';
import type { PreparedStatement } from '../src/prepared-cache.ts';
import { planRequest, type Plan, type PlannedMessage, type PlannerInputs } from '../src/request-planner.ts';

/** The request planner, without sockets: what goes where, in which bytes, and what the log keeps. */
const ONE = 1; // consistency ONE

function frameOf(message: PlannedMessage): Frame {
  const opcode = message.type === 'QUERY' ? Opcode.QUERY : message.type === 'EXECUTE' ? Opcode.EXECUTE : Opcode.BATCH;
  return { version: 4, isResponse: false, flags: 0, stream: 1, opcode, body: encodeRequestBody(message, 4) };
}

function inputs(overrides: Partial<PlannerInputs> = {}): PlannerInputs {
  let next = 1_000n;
  return { live: { readMode: 'primary-only' }, replaceNowUuid: false, classify, prepared: () => undefined, timestamp: () => next++, ...overrides };
}

function plan(message: PlannedMessage, with_: Partial<PlannerInputs> = {}): Plan {
  return planRequest(frameOf(message), message, undefined, inputs(with_));
}

/** What a cluster receives, decoded. */
function sent(planned: Plan, cluster: 'origin' | 'target'): Request {
  assert.ok(planned.kind === 'both' || planned.kind === 'read', `a plan that sends something, not ${planned.kind}`);
  const request = planned.request;
  return decodeRequest({ version: 4, isResponse: false, flags: request.flags, stream: 1, opcode: request.opcode, body: request.body(cluster) }).message;
}

const query = (text: string, params: Partial<Extract<Request, { type: 'QUERY' }>['params']> = {}): PlannedMessage => ({ type: 'QUERY', query: text, params: { consistency: ONE, skipMetadata: false, ...params } });

const statement = (text: string, ids: { origin: string; target: string }): PreparedStatement => ({
  clientId: Buffer.from(ids.origin, 'hex'),
  query: text,
  info: classify(text),
  variables: { pkIndexes: [0], columns: [{ keyspace: 'ks', table: 't', name: 'id', type: { kind: 'primitive', name: 'int' } }] },
  injected: [],
  ids: { origin: Buffer.from(ids.origin, 'hex'), target: Buffer.from(ids.target, 'hex') },
});

describe('planRequest', () => {
  it('a read goes to the primary as the client sent it; in dual-async the other cluster shadows it', () => {
    const message = query('SELECT * FROM ks.t WHERE id = 1');
    const planned = plan(message);
    assert.equal(planned.kind, 'read');
    assert.equal(planned.kind === 'read' && planned.shadow, false);
    assert.ok(planned.kind === 'read' && planned.request.body('origin').equals(frameOf(message).body), 'the same bytes');
    const shadowed = plan(message, { live: { readMode: 'dual-async' } });
    assert.equal(shadowed.kind === 'read' && shadowed.shadow, true);
  });

  it('system.local and system.peers are answered from the virtual topology', () => {
    assert.deepEqual(plan(query('SELECT * FROM system.local')), { kind: 'virtual', table: 'local' });
    assert.deepEqual(plan(query('SELECT * FROM system.peers')), { kind: 'virtual', table: 'peers' });
  });

  it("a write without a timestamp gets the proxy's on both clusters, and the log records it", () => {
    const planned = plan(query("INSERT INTO ks.t (id, v) VALUES (1, 'a')"));
    assert.equal(planned.kind, 'both');
    for (const cluster of ['origin', 'target'] as const) {
      const request = sent(planned, cluster);
      assert.equal(request.type === 'QUERY' && request.params.timestamp, 1_000n, cluster);
    }
    assert.ok(planned.kind === 'both' && planned.recording);
    assert.equal(planned.recording.kind, 'insert');
    assert.equal(planned.recording.writeTimestamp, 1_000n);
    assert.equal(planned.use, false);
  });

  it("a write that brings its own timestamp, in the text or the request, keeps it and gets none of the proxy's", () => {
    const own = plan(query("INSERT INTO ks.t (id, v) VALUES (1, 'a') USING TIMESTAMP 42"));
    const request = sent(own, 'target');
    assert.equal(request.type === 'QUERY' && request.params.timestamp, undefined);
    const client = plan(query("INSERT INTO ks.t (id, v) VALUES (1, 'a')", { timestamp: 7n }));
    const sentClient = sent(client, 'origin');
    assert.equal(sentClient.type === 'QUERY' && sentClient.params.timestamp, 7n);
  });

  it('USE goes to both and is not recorded', () => {
    const planned = plan(query('USE ks'));
    assert.ok(planned.kind === 'both' && planned.use && planned.recording === undefined);
  });

  it('an EXECUTE of an id the proxy does not know is UNPREPARED; a known one carries each cluster its own id', () => {
    assert.deepEqual(plan({ type: 'EXECUTE', id: Buffer.from('aa', 'hex'), params: { consistency: ONE, skipMetadata: false } }), { kind: 'unprepared', id: Buffer.from('aa', 'hex') });
    const prepared = statement('INSERT INTO ks.t (id) VALUES (?)', { origin: '01', target: '02' });
    const planned = plan({ type: 'EXECUTE', id: prepared.clientId, params: { consistency: ONE, skipMetadata: false, values: [Buffer.from([0, 0, 0, 1])] } }, { prepared: (id) => (id.equals(prepared.clientId) ? prepared : undefined) });
    assert.equal(planned.kind, 'both');
    const origin = sent(planned, 'origin');
    const target = sent(planned, 'target');
    assert.equal(origin.type === 'EXECUTE' && origin.id.toString('hex'), '01');
    assert.equal(target.type === 'EXECUTE' && target.id.toString('hex'), '02');
    assert.equal(target.type === 'EXECUTE' && target.params.timestamp, 1_000n);
    // A cluster that prepares the statement again gets its new id in the next body built.
    prepared.ids.target = Buffer.from('03', 'hex');
    const again = sent(planned, 'target');
    assert.equal(again.type === 'EXECUTE' && again.id.toString('hex'), '03');
  });

  it("a batch whose statements carry USING TIMESTAMP only in part: the others get the proxy's timestamp on both clusters", () => {
    const planned = plan({
      type: 'BATCH',
      batchType: 0,
      consistency: ONE,
      statements: [
        { kind: 'query', query: "INSERT INTO ks.t (id, v) VALUES (1, 'a') USING TIMESTAMP 42", values: [] },
        { kind: 'query', query: "INSERT INTO ks.t (id, v) VALUES (2, 'b')", values: [] },
      ],
    });
    for (const cluster of ['origin', 'target'] as const) {
      const request = sent(planned, cluster);
      assert.equal(request.type === 'BATCH' && request.timestamp, 1_000n, cluster);
    }
    assert.ok(planned.kind === 'both' && planned.recording?.kind === 'batch' && planned.recording.writeTimestamp === 1_000n);
  });

  it('a batch naming a statement the proxy does not know is UNPREPARED', () => {
    const planned = plan({ type: 'BATCH', batchType: 0, consistency: ONE, statements: [{ kind: 'prepared', id: Buffer.from('bb', 'hex'), values: [] }] });
    assert.deepEqual(planned, { kind: 'unprepared', id: Buffer.from('bb', 'hex') });
  });

  it('with PROXY_REPLACE_NOW_UUID, both clusters get the same generated values in place of now() and uuid()', () => {
    const planned = plan(query('INSERT INTO ks.t (id, u) VALUES (1, now())'), { replaceNowUuid: true });
    const origin = sent(planned, 'origin');
    const target = sent(planned, 'target');
    assert.ok(origin.type === 'QUERY' && !/now\(\)/i.test(origin.query), origin.type === 'QUERY' ? origin.query : '');
    assert.deepEqual(origin, target);
  });
});
