import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import avro from 'avsc';
import { Consistency, ErrorCode, Opcode } from '@cutover/cql-protocol';
import { SCHEMAS_DIR, SchemaCatalogue } from '@cutover/event-log';
import { MUTATION_BATCH_SCHEMA_ID, assembleBatch, encodeDescriptor, encodeMutation } from '../src/index.ts';
import { bigint, body, cell, executeBody, int, mutation, tags, text } from './fixtures.ts';

const catalogue = SchemaCatalogue.load();
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));

/** The schema's named types as plain avsc builds them, for encoding the expected bytes. */
const registry: Record<string, avro.Type> = {};
avro.Type.forSchema(JSON.parse(readFileSync(join(SCHEMAS_DIR, 'mutation-event.v3.avsc'), 'utf8')) as avro.Schema, { registry });
const mutationType = registry['dev.cutover.Mutation']!;
const descriptorType = registry['dev.cutover.StatementDescriptor']!;

const insert = { cql: 'INSERT INTO shop.orders (id, customer, tags) VALUES (?, ?, ?)', keyspace: 'shop', table: 'orders', columns: [{ name: 'id', type: int }, { name: 'customer', type: text }, { name: 'tags', type: tags }], partitionKey: [0] };

/** What the mutation fixture is in the schema's shape, as plain avsc takes it. */
function expectedMutation(statements: Buffer[], requestBody: Buffer) {
  return {
    epoch: 1_795_000_000_000,
    sequence: 1,
    receivedAt: 1_795_000_000_123_456,
    kind: 'INSERT',
    protocolVersion: 4,
    opcode: Opcode.EXECUTE,
    statements,
    body: requestBody,
    consistency: Consistency.LOCAL_QUORUM,
    serialConsistency: null,
    writeTimestamp: 1_795_000_000_123_456,
    nonIdempotent: { counter: false, listAppend: false, lwt: false, now: false, uuid: false },
    origin: { ok: true, errorCode: null, errorMessage: null, timedOut: false, latencyMicros: 1250 },
    target: { ok: false, errorCode: ErrorCode.WRITE_TIMEOUT, errorMessage: 'write timeout', timedOut: false, latencyMicros: 2_000_500 },
    connectionId: 'c1',
    clientAddress: '127.0.0.1:50000',
    driver: 'DataStax Node.js Driver 4.10.0',
  };
}

describe('writing', () => {
  it('encodes a descriptor as avsc does, its id the SHA-256 of the rest, and the same statement to the same id', () => {
    const { id, bytes } = encodeDescriptor(insert);
    const rest = descriptorType.toBuffer({ ...insert, id: Buffer.alloc(8), columns: [{ name: 'id', type: 'int' }, { name: 'customer', type: 'text' }, { name: 'tags', type: 'map<text, list<int>>' }] }).subarray(8);
    assert.deepEqual(bytes, Buffer.concat([id, rest]));
    assert.deepEqual(id, createHash('sha256').update(rest).digest().subarray(0, 8));
    assert.deepEqual(encodeDescriptor({ ...insert }).id, id);
    assert.notDeepEqual(encodeDescriptor({ ...insert, table: 'orders2' }).id, id);
    const bare = encodeDescriptor({ cql: 'TRUNCATE t', columns: [], partitionKey: [] });
    assert.deepEqual(bare.bytes.subarray(8), descriptorType.toBuffer({ id: Buffer.alloc(8), cql: 'TRUNCATE t', keyspace: null, table: null, columns: [], partitionKey: [] }).subarray(8));
  });

  it('encodes a mutation byte for byte as avsc does, unicode, negative and large numbers included', () => {
    const { id } = encodeDescriptor(insert);
    const requestBody = executeBody(Buffer.from('cafe', 'hex'), [cell(7, int), cell('ünïcødé', text), null]);
    assert.deepEqual(encodeMutation(mutation({ opcode: Opcode.EXECUTE, statements: [id], body: requestBody })), mutationType.toBuffer(expectedMutation([id], requestBody)));
    const odd = { sequence: 2 ** 40, receivedAt: -5, driver: null, clientAddress: 'é'.repeat(70), serialConsistency: 9, writeTimestamp: -(2n ** 31n) };
    const expected = { ...expectedMutation([id, id], requestBody), ...odd, writeTimestamp: -(2 ** 31), kind: 'BATCH', opcode: Opcode.BATCH };
    assert.deepEqual(encodeMutation(mutation({ opcode: Opcode.BATCH, kind: 'batch', statements: [id, id], body: requestBody, ...odd })), mutationType.toBuffer(expected));
    assert.throws(() => encodeMutation(mutation({ opcode: Opcode.EXECUTE, statements: [id], body: requestBody, origin: { ok: true, timedOut: false, latencyMicros: 1.5 } })), /not a whole number/);
  });

  it('assembles a batch that plain avsc decodes as the schema says', () => {
    const a = encodeDescriptor(insert);
    const b = encodeDescriptor({ cql: 'UPDATE shop.c SET n = ? WHERE k = ?', keyspace: 'shop', table: 'c', columns: [{ name: 'n', type: bigint }, { name: 'k', type: text }], partitionKey: [1] });
    const first = executeBody(Buffer.from('01', 'hex'), [cell(1, int), cell('x', text), null]);
    const second = body({ type: 'QUERY', query: 'UPDATE shop.c SET n = 1 WHERE k = 2', params: { consistency: Consistency.ONE, skipMetadata: false } });
    const mutations = [mutation({ opcode: Opcode.EXECUTE, statements: [a.id], body: first }), mutation({ opcode: Opcode.QUERY, sequence: 2, statements: [b.id], body: second })];
    const record = assembleBatch('proxy-0', [a.bytes, b.bytes], mutations.map(encodeMutation));
    assert.equal(record[0], 0);
    assert.equal(record.readUInt32BE(1), MUTATION_BATCH_SCHEMA_ID);
    const v3 = catalogue.byId(MUTATION_BATCH_SCHEMA_ID)!;
    assert.equal(`${v3.subject} v${v3.version}`, 'MutationEvent v3');
    assert.deepEqual(plain(v3.type.fromBuffer(record.subarray(5))), plain({
      proxyId: 'proxy-0',
      statements: [
        { id: a.id, cql: insert.cql, keyspace: 'shop', table: 'orders', columns: [{ name: 'id', type: 'int' }, { name: 'customer', type: 'text' }, { name: 'tags', type: 'map<text, list<int>>' }], partitionKey: [0] },
        { id: b.id, cql: 'UPDATE shop.c SET n = ? WHERE k = ?', keyspace: 'shop', table: 'c', columns: [{ name: 'n', type: 'bigint' }, { name: 'k', type: 'text' }], partitionKey: [1] },
      ],
      mutations: [expectedMutation([a.id], first), { ...expectedMutation([b.id], second), sequence: 2, opcode: Opcode.QUERY }],
    }));
    assert.deepEqual(plain(v3.type.fromBuffer(assembleBatch('p', [], []).subarray(5))), { proxyId: 'p', statements: [], mutations: [] });
  });

  it('costs little per mutation (timed, not asserted)', () => {
    const { id } = encodeDescriptor(insert);
    // A typical EXECUTE: 5 values, a body of about 100 bytes, the proxy's timestamp.
    const requestBody = executeBody(Buffer.alloc(16, 7), [cell(42, int), cell('customer-000042', text), cell(new Map([['a', [1, 2]]]), tags), cell(123456789n, bigint), cell('note', text)], 1_795_000_000_123_456n);
    const input = mutation({ opcode: Opcode.EXECUTE, statements: [id], body: requestBody });
    const time = (n: number): number => {
      const started = process.hrtime.bigint();
      for (let i = 0; i < n; i++) encodeMutation(input);
      return Number(process.hrtime.bigint() - started) / n / 1000;
    };
    time(200_000);
    const micros = Math.min(time(500_000), time(500_000));
    console.log(`encodeMutation: ${micros.toFixed(3)} µs for a ${requestBody.length}-byte EXECUTE body, ${encodeMutation(input).length} bytes out`);
    assert.ok(requestBody.length >= 90 && requestBody.length <= 120, `body of ${requestBody.length} bytes`);
  });
});
