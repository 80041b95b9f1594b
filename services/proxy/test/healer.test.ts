import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { Consistency, Opcode, encodeRequestBody, type QueryValue } from '@cutover/cql-protocol';
import { MemoryEventLog, SchemaCatalogue, type EventLog } from '@cutover/event-log';
import { assembleBatch, encodeDescriptor, encodeMutation, type MutationKindName } from '@cutover/mutation-log';
import cassandra from 'cassandra-driver';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { Healer } from '../src/healing/healer.ts';

const catalogue = SchemaCatalogue.load();
const logger = pino({ level: 'silent' });

/** A target that fails the way it is told to, then takes what it is sent. */
class FakeTarget {
  keyspace: string | undefined;
  failures: Error[] = [];
  readonly applied: { query: string; params: unknown; timestamp: unknown }[] = [];

  connect(): Promise<void> {
    return Promise.resolve();
  }

  execute(query: string, params?: unknown, options?: cassandra.QueryOptions): Promise<unknown> {
    if (query.startsWith('USE ')) {
      this.keyspace = query.slice(5).replaceAll('"', '');
      return Promise.resolve({});
    }
    const failure = this.failures.shift();
    if (failure) return Promise.reject(failure);
    this.applied.push({ query, params, timestamp: options?.timestamp });
    return Promise.resolve({});
  }
}

function event(id: string, overrides: { counter?: boolean } = {}): Buffer {
  const result = (ok: boolean) => ({ ok, errorCode: ok ? null : 0x1100, errorMessage: null, timedOut: !ok, latencyMs: 1 });
  // A v2 event, one mutation per record, as proxies before the v3 log wrote them.
  return v2Record({
    eventId: id, proxyId: 'p', connectionId: 'c1', clientAddress: '127.0.0.1:1', receivedAt: 1, kind: 'UPDATE',
    statement: 'UPDATE t SET v = ? WHERE id = ?', preparedId: null, keyspace: 'shop', table: 't',
    values: [{ name: 'v', type: 'int', rendered: '7', bytes: Buffer.from([0, 0, 0, 7]), unset: false }, { name: 'id', type: 'int', rendered: '1', bytes: Buffer.from([0, 0, 0, 1]), unset: false }],
    partitionKey: null, consistency: 6, serialConsistency: null, writeTimestamp: 1_795_000_000_000_123,
    nonIdempotent: { counter: overrides.counter ?? false, listAppend: false, lwt: false, now: false, uuid: false },
    children: [], origin: result(true), target: result(false), driver: null,
  });
}

/** A v3 record of one QUERY origin took and target timed out, its values bound by name when `names` says so. */
function queryRecord(kind: MutationKindName, query: string, values: readonly QueryValue[] = [], names?: readonly string[]): Buffer {
  const descriptor = encodeDescriptor({ cql: query, keyspace: 'shop', table: 't', columns: [], partitionKey: [] });
  const body = encodeRequestBody({ type: 'QUERY', query, params: { consistency: Consistency.QUORUM, values, ...(names === undefined ? {} : { names }), skipMetadata: false } }, 4);
  const mutation = encodeMutation({
    epoch: 1, sequence: 1, receivedAt: 1000, kind, protocolVersion: 4, opcode: Opcode.QUERY, statements: [descriptor.id], body,
    consistency: Consistency.QUORUM, serialConsistency: null, writeTimestamp: kind === 'DDL' ? null : 1_795_000_000_000_123n,
    nonIdempotent: { counter: false, listAppend: false, lwt: false, now: false, uuid: false },
    origin: { ok: true, errorCode: null, errorMessage: null, timedOut: false, latencyMicros: 1 },
    target: { ok: false, errorCode: 0x1100, errorMessage: 'timed out', timedOut: true, latencyMicros: 1 },
    connectionId: 'c1', clientAddress: '127.0.0.1:1', driver: null,
  });
  return assembleBatch('p', [descriptor.bytes], [mutation]);
}

const int = (n: number): Buffer => Buffer.from([0, 0, 0, n]);

function v2Record(event: object): Buffer {
  return Buffer.concat([Buffer.from([0, 0, 0, 0, 2]), catalogue.byId(2)!.type.toBuffer(event)]);
}

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400 && !(await condition()); i++) await delay(10);
  assert.ok(await condition(), 'condition not reached');
}

describe('Healer', () => {
  it('re-applies each heal to target with its values and original timestamp, waiting while target is down', async () => {
    const log = new MemoryEventLog();
    const target = new FakeTarget();
    target.failures = [new cassandra.errors.NoHostAvailableError({}), new cassandra.errors.ResponseError(0x1000, 'Cannot achieve consistency level')];
    const registry = new Registry();
    await log.produce('heals', [{ key: null, value: event('e1') }]);
    const healer = await Healer.start(log, { topic: 'heals', deadLetterTopic: 'dead', group: 'healer', target: target as unknown as cassandra.Client, logger, registry, retryMs: 5 });
    await until(() => target.applied.length === 1);
    await until(async () => (await log.lag('heals', 'healer')) === 0);
    await healer.stop();
    assert.equal(target.keyspace, 'shop', 'unqualified names resolve in the logged keyspace');
    assert.deepEqual(target.applied.map((a) => ({ ...a, timestamp: String(a.timestamp) })), [{ query: 'UPDATE t SET v = ? WHERE id = ?', params: [Buffer.from([0, 0, 0, 7]), Buffer.from([0, 0, 0, 1])], timestamp: '1795000000000123' }]);
    const metrics = await registry.metrics();
    assert.match(metrics, /cutover_proxy_heals_total\{result="healed"\} 1/);
    assert.match(metrics, /cutover_proxy_pending_heals 0/);
    assert.deepEqual(await log.readAll('dead'), []);
  });

  it('sends to the dead letters, with the reason, what cannot be applied again or what target refuses', async () => {
    const log = new MemoryEventLog();
    const target = new FakeTarget();
    target.failures = [new cassandra.errors.ResponseError(0x2200, 'Undefined column name v')];
    await log.produce('heals', [{ key: null, value: event('refused') }, { key: null, value: event('counter', { counter: true }) }, { key: null, value: Buffer.from('garbage') }]);
    const healer = await Healer.start(log, { topic: 'heals', deadLetterTopic: 'dead', group: 'healer', target: target as unknown as cassandra.Client, logger, retryMs: 5 });
    await until(async () => (await log.readAll('dead')).length === 3);
    await healer.stop();
    const reasons = (await log.readAll('dead')).map((r) => r.headers?.['cutover-error']);
    assert.match(reasons[0]!, /target refused it: Undefined column name v/);
    assert.match(reasons[1]!, /counter update adds again/);
    assert.match(reasons[2]!, /unreadable/);
    assert.equal(target.applied.length, 0);
  });

  it('started while Kafka is away, joins once it is back; a heal target keeps timing out goes to the dead letters after maxTries', async () => {
    const memory = new MemoryEventLog();
    let refusals = 3;
    const log: EventLog = Object.assign(Object.create(memory) as EventLog, {
      consume: (...args: Parameters<EventLog['consume']>) => (refusals-- > 0 ? Promise.reject(new Error('Kafka is unreachable')) : memory.consume(...args)),
    });
    const target = new FakeTarget();
    target.failures = Array.from({ length: 4 }, () => new cassandra.errors.ResponseError(0x1100, 'Operation timed out'));
    await memory.produce('heals', [{ key: null, value: event('slow') }, { key: null, value: event('next') }]);
    const healer = await Healer.start(log, { topic: 'heals', deadLetterTopic: 'dead', group: 'healer', target: target as unknown as cassandra.Client, logger, retryMs: 5, maxTries: 4 });
    await until(() => target.applied.length === 1);
    await healer.stop();
    assert.equal(refusals, -1, 'it kept trying to join');
    const dead = await memory.readAll('dead');
    assert.equal(dead.length, 1, 'the heal that kept failing');
    assert.match(dead[0]!.headers?.['cutover-error'] ?? '', /target failed it 4 times: Operation timed out/);
    assert.equal(dead[0]!.headers?.['cutover-event-id'], 'slow');
  });

  it('binds values the client bound by name by name again, whatever their order', async () => {
    const log = new MemoryEventLog();
    const target = new FakeTarget();
    await log.produce('heals', [
      // Named markers: resolved marker by marker (a quoted name keeps its case), sent positionally.
      { key: null, value: queryRecord('INSERT', 'INSERT INTO t (id, a, "B") VALUES (:id, :a, :"B")', [int(3), int(2), int(1)], ['B', 'a', 'id']) },
      // `?` markers bound by their columns' names: sent by name.
      { key: null, value: queryRecord('UPDATE', 'UPDATE t SET v = ? WHERE id = ?', [int(1), int(7)], ['id', 'v']) },
      // By name still, and positional: as the client sent them.
      { key: null, value: queryRecord('UPDATE', 'UPDATE t SET v = ? WHERE id = ?', [int(7), int(1)]) },
    ]);
    const healer = await Healer.start(log, { topic: 'heals', deadLetterTopic: 'dead', group: 'healer', target: target as unknown as cassandra.Client, logger, retryMs: 5 });
    await until(() => target.applied.length === 3);
    await healer.stop();
    const [named, columns, positional] = target.applied.map((a) => (Array.isArray(a.params) ? a.params : { ...(a.params as object) }));
    assert.deepEqual(named, [int(1), int(2), int(3)], 'id, a, B in marker order');
    assert.deepEqual(columns, { id: int(1), v: int(7) });
    assert.deepEqual(positional, [int(7), int(1)]);
    assert.deepEqual(await log.readAll('dead'), []);
  });

  it('sends to the dead letters values bound by a name the driver cannot send again', async () => {
    const log = new MemoryEventLog();
    const target = new FakeTarget();
    await log.produce('heals', [{ key: null, value: queryRecord('UPDATE', 'UPDATE t SET "V" = ? WHERE id = ?', [int(1), int(7)], ['id', 'V']) }]);
    const healer = await Healer.start(log, { topic: 'heals', deadLetterTopic: 'dead', group: 'healer', target: target as unknown as cassandra.Client, logger, retryMs: 5 });
    await until(async () => (await log.readAll('dead')).length === 1);
    await healer.stop();
    assert.match((await log.readAll('dead'))[0]!.headers?.['cutover-error'] ?? '', /it cannot be applied again: .*"V"/);
    assert.equal(target.applied.length, 0);
  });

  it('never heals a TRUNCATE or a schema change: each goes to the dead letters with the reason, counted, logged at error level with its statement, passwords hidden', async () => {
    const log = new MemoryEventLog();
    const target = new FakeTarget();
    const registry = new Registry();
    const lines: Record<string, unknown>[] = [];
    const capturing = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    await log.produce('heals', [
      { key: null, value: queryRecord('TRUNCATE', 'TRUNCATE shop.t') },
      { key: null, value: queryRecord('DDL', 'ALTER TABLE shop.t ADD w int') },
      { key: null, value: queryRecord('DDL', "CREATE ROLE app WITH PASSWORD = 's3cret' AND LOGIN = true") },
      { key: null, value: queryRecord('UPDATE', 'UPDATE t SET v = ? WHERE id = ?', [int(7), int(1)]) },
    ]);
    const healer = await Healer.start(log, { topic: 'heals', deadLetterTopic: 'dead', group: 'healer', target: target as unknown as cassandra.Client, logger: capturing, registry, retryMs: 5 });
    await until(() => target.applied.length === 1);
    await until(async () => (await log.lag('heals', 'healer')) === 0);
    await healer.stop();
    assert.deepEqual(target.applied.map((a) => a.query), ['UPDATE t SET v = ? WHERE id = ?'], 'only the update reached target');
    const dead = await log.readAll('dead');
    assert.deepEqual(dead.map((d) => d.headers?.['cutover-error']), [
      'not healed: a TRUNCATE applied late would erase the writes target has taken since',
      'not healed: a schema change (DDL) is not applied late, out of order with what followed it: make the schema of target match origin by hand',
      'not healed: a schema change (DDL) is not applied late, out of order with what followed it: make the schema of target match origin by hand',
    ]);
    assert.match(await registry.metrics(), /cutover_proxy_heals_total\{result="dead-lettered"\} 3/);
    const errors = lines.filter((l) => l.level === 50);
    assert.deepEqual(errors.map((l) => [l.kind, l.statement]), [
      ['TRUNCATE', 'TRUNCATE shop.t'],
      ['DDL', 'ALTER TABLE shop.t ADD w int'],
      ['DDL', "CREATE ROLE app WITH PASSWORD = '*****' AND LOGIN = true"],
    ]);
    assert.ok(!JSON.stringify(lines).includes('s3cret'), 'no password in the logs');
  });
});
