import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventLogError, SchemaCatalogue } from '@cutover/event-log';
import { readMutations } from '../src/index.ts';
import { stored } from './fixtures.ts';

const catalogue = SchemaCatalogue.load();

/** A record as the proxy wrote them before v3: one MutationEvent with its writer's schema id. */
const wire = (id: number, event: object): Buffer => Buffer.concat([Buffer.from([0, 0, 0, 0, id]), catalogue.byId(id)!.type.toBuffer(event)]);

const cluster = (ok: boolean) => ({ ok, errorCode: ok ? null : 4352, errorMessage: ok ? null : 'target did not answer', timedOut: !ok, latencyMs: 1.25 });
const id = { name: 'id', type: 'int', rendered: '7', bytes: Buffer.from([0, 0, 0, 7]), unset: false };
/** As services/proxy/src/publishing/mutation-event.ts writes a MutationEvent. */
const eventV1 = {
  eventId: '6f1c2b1e-2c36-4a5f-9d5e-4b0c6a1d2e3f',
  proxyId: 'proxy-0',
  connectionId: 'c1',
  clientAddress: '127.0.0.1:50000',
  receivedAt: 1_795_000_000_000,
  kind: 'INSERT',
  statement: 'INSERT INTO shop.orders (id, total) VALUES (?, ?)',
  preparedId: '0123456789abcdef0123456789abcdef',
  keyspace: 'shop',
  table: 'orders',
  values: [id, { name: 'total', type: 'decimal', rendered: '<unset>', bytes: null, unset: true }],
  partitionKey: [id],
  consistency: 6,
  serialConsistency: null,
  writeTimestamp: 1_795_000_000_000_123,
  nonIdempotent: { counter: false, listAppend: true, lwt: false, now: false, uuid: false },
  children: [],
  origin: cluster(true),
  target: cluster(false),
};

describe('reading v1 and v2 events', () => {
  it('reads a v1 event in its own shape: no driver', () => {
    const [m, ...more] = readMutations(stored(wire(1, eventV1), 41), catalogue);
    assert.equal(more.length, 0);
    assert.deepEqual({ ...m!, values: m!.values.map((v) => ({ ...v })), partitionKey: m!.partitionKey!.map((v) => ({ ...v })) }, {
      ...eventV1,
      driver: null,
      writeTimestamp: 1_795_000_000_000_123n,
      format: 1,
      source: { topic: 't.cutover.mutations', partition: 2, offset: '41', timestamp: 1_795_000_001_000 },
    });
  });

  it('reads a v2 batch event with its children and driver', () => {
    const child = { statement: 'UPDATE shop.c SET n = n + 1 WHERE k = 1', preparedId: null, keyspace: 'shop', table: 'c', values: [], partitionKey: null };
    const event = { ...eventV1, kind: 'BATCH', statement: `${eventV1.statement}; ${child.statement}`, writeTimestamp: null, children: [{ ...child, statement: eventV1.statement, values: [id] }, child], driver: 'gocql v1.6' };
    const [m] = readMutations(stored(wire(2, event)), catalogue);
    assert.equal(m!.format, 2);
    assert.equal(m!.driver, 'gocql v1.6');
    assert.equal(m!.kind, 'BATCH');
    assert.equal(m!.writeTimestamp, null);
    assert.equal(m!.eventId, eventV1.eventId);
    assert.deepEqual(m!.children.map((c) => [c.statement, c.table, c.values.map((v) => v.rendered)]), [[eventV1.statement, 'c', ['7']], [child.statement, 'c', []]]);
    assert.deepEqual(m!.target, cluster(false));
  });

  it('refuses what is not a MutationEvent, with the reason', () => {
    const reason = (value: Buffer, code: string): string => {
      try {
        readMutations(stored(value), catalogue);
      } catch (error) {
        assert.ok(error instanceof EventLogError, String(error));
        assert.equal(error.code, code);
        return error.message;
      }
      assert.fail('expected an EventLogError');
    };
    assert.match(reason(Buffer.from('{"json": 1}'), 'NOT_WIRE_FORMAT'), /first byte 123/);
    assert.equal(reason(Buffer.from([0, 0, 0, 0, 99, 1]), 'UNKNOWN_SCHEMA'), 'schema id 99 is not in the catalogue');
    assert.equal(reason(Buffer.from([0, 0, 0, 0, 3, 1]), 'WRONG_SUBJECT'), 'schema id 3 is Update, not MutationEvent');
    const good = wire(2, { ...eventV1, driver: null });
    assert.match(reason(good.subarray(0, good.length - 4), 'INVALID_RECORD'), /MutationEvent \(schema id 2\) does not decode/);
  });
});
