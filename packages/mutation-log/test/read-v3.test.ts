import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Consistency, ErrorCode, Opcode } from '@cutover/cql-protocol';
import { EventLogError } from '@cutover/event-log';
import { assembleBatch, encodeDescriptor, encodeMutation, readMutations, type LoggedMutation, type LoggedValue } from '../src/index.ts';
import { UNSET, address, bigint, body, cell, executeBody, int, mutation, stored, tags, text } from './fixtures.ts';

const rendered = (values: readonly LoggedValue[]) => values.map((v) => `${v.name ?? '?'} ${v.type ?? '?'} ${v.rendered}`);

const insert = encodeDescriptor({
  cql: 'INSERT INTO shop.orders (id, customer, tags, ship_to, total) VALUES (?, ?, ?, ?, ?)',
  keyspace: 'shop',
  table: 'orders',
  columns: [{ name: 'id', type: int }, { name: 'customer', type: text }, { name: 'tags', type: tags }, { name: 'ship_to', type: address }, { name: 'total', type: bigint }],
  partitionKey: [1, 0],
});
const adhoc = encodeDescriptor({ cql: "UPDATE shop.stock SET n = ? WHERE sku = 'a'", keyspace: 'shop', table: 'stock', columns: [], partitionKey: [] });
const preparedId = Buffer.from('0123456789abcdef', 'hex');

function readOne(...mutations: Parameters<typeof mutation>[0][]): LoggedMutation[] {
  return readMutations(stored(assembleBatch('proxy-0', [insert.bytes, adhoc.bytes], mutations.map((m) => encodeMutation(mutation(m))))));
}

function invalid(value: Buffer): string {
  try {
    readMutations(stored(value));
  } catch (error) {
    assert.ok(error instanceof EventLogError, String(error));
    assert.equal(error.code, 'INVALID_RECORD');
    return error.message;
  }
  assert.fail('expected an EventLogError');
}

describe('reading v3 batches', () => {
  it('reads an EXECUTE with typed values, rendered from the body, and its partition key in key order', () => {
    const values = [cell(7, int), cell("o'brien", text), cell(new Map([['a', [1, 2]]]), tags), cell({ street: 'Main St', Zip: 12345 }, address), cell(2n ** 62n, bigint)];
    const [m] = readOne({ opcode: Opcode.EXECUTE, statements: [insert.id], body: executeBody(preparedId, values) });
    assert.ok(m);
    assert.deepEqual(rendered(m.values), [
      'id int 7',
      "customer text 'o''brien'",
      "tags map<text, list<int>> {'a': [1, 2]}",
      'ship_to "shop"."address"{"street": text, "Zip": int} {"street": \'Main St\', "Zip": 12345}',
      'total bigint 4611686018427387904',
    ]);
    assert.deepEqual(rendered(m.partitionKey!), ["customer text 'o''brien'", 'id int 7']);
    assert.deepEqual(m.values[0]!.bytes, values[0]);
    const { values: _v, partitionKey: _p, ...rest } = m;
    assert.deepEqual(rest, {
      eventId: 'proxy-0/1795000000000/1',
      proxyId: 'proxy-0',
      connectionId: 'c1',
      clientAddress: '127.0.0.1:50000',
      driver: 'DataStax Node.js Driver 4.10.0',
      receivedAt: 1_795_000_000_123,
      kind: 'INSERT',
      statement: 'INSERT INTO shop.orders (id, customer, tags, ship_to, total) VALUES (?, ?, ?, ?, ?)',
      preparedId: '0123456789abcdef',
      keyspace: 'shop',
      table: 'orders',
      consistency: Consistency.LOCAL_QUORUM,
      serialConsistency: null,
      writeTimestamp: 1_795_000_000_123_456n,
      nonIdempotent: { counter: false, listAppend: false, lwt: false, now: false, uuid: false },
      children: [],
      origin: { ok: true, errorCode: null, errorMessage: null, timedOut: false, latencyMs: 1.25 },
      target: { ok: false, errorCode: ErrorCode.WRITE_TIMEOUT, errorMessage: 'write timeout', timedOut: false, latencyMs: 2000.5 },
      format: 3,
      source: { topic: 't.cutover.mutations', partition: 2, offset: '0', timestamp: 1_795_000_001_000 },
    });
  });

  it('reads a QUERY: its text from the body, untyped values in hex, named values by name', () => {
    const query = "UPDATE shop.stock SET n = ? WHERE sku = 'a'";
    const named = body({ type: 'QUERY', query, params: { consistency: Consistency.ONE, values: [cell(5, int)], names: ['n'], skipMetadata: false, serialConsistency: Consistency.LOCAL_SERIAL } });
    const [m] = readOne({ opcode: Opcode.QUERY, kind: 'UPDATE', statements: [adhoc.id], body: named, serialConsistency: Consistency.LOCAL_SERIAL });
    assert.equal(m!.statement, query);
    assert.equal(m!.preparedId, null);
    assert.equal(m!.table, 'stock');
    assert.equal(m!.kind, 'UPDATE');
    assert.equal(m!.serialConsistency, Consistency.LOCAL_SERIAL);
    assert.deepEqual(rendered(m!.values), ['n ? 0x00000005']);
    assert.equal(m!.byName, true, 'values bound by name say so');
    assert.equal(m!.partitionKey, null);
    const [positional] = readOne({ opcode: Opcode.EXECUTE, statements: [insert.id], body: executeBody(preparedId, [cell(1, int), null, null, null, null]) });
    assert.equal(positional!.byName, undefined);
  });

  it('keeps null and unset values apart', () => {
    const [m] = readOne({ opcode: Opcode.EXECUTE, statements: [insert.id], body: executeBody(preparedId, [cell(1, int), null, UNSET, UNSET, null]) });
    assert.deepEqual(rendered(m!.values), ['id int 1', 'customer text null', 'tags map<text, list<int>> <unset>', 'ship_to "shop"."address"{"street": text, "Zip": int} <unset>', 'total bigint null']);
    assert.deepEqual(m!.values.map((v) => [v.bytes, v.unset]), [[cell(1, int), false], [null, false], [null, true], [null, true], [null, false]]);
  });

  it('reads a BATCH mixing QUERY and EXECUTE children, in order, each with its statement', () => {
    const batchBody = body({
      type: 'BATCH',
      batchType: 0,
      statements: [
        { kind: 'prepared', id: preparedId, values: [cell(1, int), cell('a', text), null, null, cell(3n, bigint)] },
        { kind: 'query', query: "UPDATE shop.stock SET n = ? WHERE sku = 'a'", values: [cell(9, int)] },
      ],
      consistency: Consistency.QUORUM,
      timestamp: 5n,
    });
    const [m] = readOne({ opcode: Opcode.BATCH, kind: 'BATCH', statements: [insert.id, adhoc.id], body: batchBody, consistency: Consistency.QUORUM });
    assert.equal(m!.kind, 'BATCH');
    assert.equal(m!.statement, "INSERT INTO shop.orders (id, customer, tags, ship_to, total) VALUES (?, ?, ?, ?, ?); UPDATE shop.stock SET n = ? WHERE sku = 'a'");
    assert.equal(m!.preparedId, '0123456789abcdef');
    assert.deepEqual(
      m!.children.map((c) => [c.statement, `${c.keyspace}.${c.table}`, rendered(c.values)]),
      [
        ['INSERT INTO shop.orders (id, customer, tags, ship_to, total) VALUES (?, ?, ?, ?, ?)', 'shop.orders', ['id int 1', "customer text 'a'", 'tags map<text, list<int>> null', 'ship_to "shop"."address"{"street": text, "Zip": int} null', 'total bigint 3']],
        ["UPDATE shop.stock SET n = ? WHERE sku = 'a'", 'shop.stock', ['? ? 0x00000009']],
      ],
    );
    assert.deepEqual(rendered(m!.values), rendered(m!.children[0]!.values), 'the top level shows the first statement, as v2 did');
    assert.deepEqual(rendered(m!.partitionKey!), ["customer text 'a'", 'id int 1']);
  });

  it('keeps write timestamps exact over the whole 64-bit range, and the mutations of a batch in order', () => {
    const stamps = [2n ** 62n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, 0n, null];
    const ms = readOne(...stamps.map((writeTimestamp, i) => ({ opcode: Opcode.EXECUTE, sequence: i + 1, statements: [insert.id], body: executeBody(preparedId, []), writeTimestamp })));
    assert.deepEqual(ms.map((m) => m.writeTimestamp), stamps);
    assert.deepEqual(ms.map((m) => m.eventId), stamps.map((_, i) => `proxy-0/1795000000000/${i + 1}`));
  });

  it('round-trips a 4 MB body', () => {
    const large = 'x'.repeat(4 * 1024 * 1024);
    const encoded = encodeMutation(mutation({ opcode: Opcode.EXECUTE, statements: [insert.id], body: executeBody(preparedId, [cell(1, int), cell(large, text)]) }));
    assert.ok(encoded.length > 4 * 1024 * 1024);
    const [m] = readMutations(stored(assembleBatch('proxy-0', [insert.bytes], [encoded])));
    assert.equal(m!.values[1]!.bytes!.length, large.length);
    assert.equal(m!.values[1]!.rendered, `'${large}'`);
  });

  it('refuses a record it cannot read, with the reason', () => {
    const good = assembleBatch('proxy-0', [insert.bytes], [encodeMutation(mutation({ opcode: Opcode.EXECUTE, statements: [insert.id], body: executeBody(preparedId, [cell(1, int)]) }))]);
    assert.match(invalid(good.subarray(0, good.length - 3)), /MutationEvent \(schema id 11\) does not decode/);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1] = 0x7f;
    assert.match(invalid(flipped), /does not decode/);
    const missing = assembleBatch('proxy-0', [adhoc.bytes], [encodeMutation(mutation({ opcode: Opcode.EXECUTE, statements: [insert.id], body: executeBody(preparedId, []) }))]);
    assert.match(invalid(missing), new RegExp(`mutation proxy-0/1795000000000/1: statement ${insert.id.toString('hex')} is not among the record's descriptors`));
    const cut = assembleBatch('proxy-0', [insert.bytes], [encodeMutation(mutation({ opcode: Opcode.EXECUTE, statements: [insert.id], body: executeBody(preparedId, [cell(1, int)]).subarray(0, 10) }))]);
    assert.match(invalid(cut), /mutation proxy-0\/1795000000000\/1: .*body ends inside/);
    const counted = assembleBatch('proxy-0', [insert.bytes], [encodeMutation(mutation({ opcode: Opcode.EXECUTE, statements: [insert.id, insert.id], body: executeBody(preparedId, []) }))]);
    assert.match(invalid(counted), /its body has 1 statement\(s\) and it names 2 descriptor\(s\)/);
    const prepare = assembleBatch('proxy-0', [insert.bytes], [encodeMutation(mutation({ opcode: Opcode.PREPARE, statements: [insert.id], body: body({ type: 'PREPARE', query: 'SELECT 1' }) }))]);
    assert.match(invalid(prepare), /its body is a PREPARE/);
  });

  it('renders a value only when asked, and bytes that do not fit the type without failing the record', () => {
    const [m] = readOne({ opcode: Opcode.EXECUTE, statements: [insert.id], body: executeBody(preparedId, [Buffer.from('abc')]) });
    assert.equal(m!.values[0]!.rendered, '<3 bytes unreadable as int>');
  });
});
