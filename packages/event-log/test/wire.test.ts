import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import avro from 'avsc';
import { EventLogError, SCHEMAS_DIR, SchemaCatalogue, decodeAsWritten, decodeRecord, encodeRecord } from '../src/index.ts';

const catalogue = SchemaCatalogue.load();

/** avsc decodes records as instances of generated classes: compare their plain JSON forms. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

function eventLogError(fn: () => unknown, code: string): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof EventLogError, String(error));
    assert.equal(error.code, code);
    return error.message;
  }
  assert.fail(`expected EventLogError ${code}`);
}

const cluster = (ok: boolean) => ({ ok, errorCode: ok ? null : 4352, errorMessage: ok ? null : 'target did not answer', timedOut: !ok, latencyMs: 1.25 });
const boundValue = { name: 'id', type: 'int', rendered: '7', bytes: Buffer.from([0, 0, 0, 7]), unset: false };
const update = { commandId: 'c1', migrationId: 'm1', issuedAt: 1_795_000_000_000, issuer: 'alice', reason: 'because', factsThrough: 42, command: { 'dev.cutover.control.SetPriority': { table: 'shop.orders', priority: -1 } } };
const mutationV1 = {
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
  values: [boundValue, { name: 'total', type: 'decimal', rendered: '12.50', bytes: null, unset: false }],
  partitionKey: [boundValue],
  consistency: 6,
  serialConsistency: null,
  writeTimestamp: 1_795_000_000_000_123,
  nonIdempotent: { counter: false, listAppend: false, lwt: false, now: false, uuid: false },
  children: [],
  origin: cluster(true),
  target: cluster(false),
};

describe('schemas', () => {
  it('documents every record, every field and every enum', () => {
    for (const { subject, version } of catalogue.versions) {
      const file = JSON.parse(readFileSync(join(SCHEMAS_DIR, `${subject.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? '' : '-') + c.toLowerCase())}.v${version}.avsc`), 'utf8')) as unknown;
      const undocumented: string[] = [];
      const walk = (node: unknown, path: string): void => {
        if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}[${i}]`));
        if (typeof node !== 'object' || node === null) return;
        const n = node as Record<string, unknown>;
        if ((n['type'] === 'record' || n['type'] === 'enum') && !n['doc']) undocumented.push(`${path} (${String(n['name'])})`);
        if (Array.isArray(n['fields'])) for (const field of n['fields'] as Record<string, unknown>[]) {
          if (!field['doc']) undocumented.push(`${path}.${String(field['name'])}`);
          walk(field['type'], `${path}.${String(field['name'])}`);
        }
        if (n['items']) walk(n['items'], `${path}[]`);
      };
      walk(file, `${subject} v${version}`);
      assert.deepEqual(undocumented, []);
    }
  });

  it('gives every version its own id and knows the latest of each subject', () => {
    assert.deepEqual(
      catalogue.versions.map((v) => `${v.id} ${v.subject} v${v.version}`),
      ['1 MutationEvent v1', '2 MutationEvent v2', '3 Update v1', '4 MigrationEvent v1', '5 DocumentEvent v1', '6 WorkItem v1', '7 MigrationEvent v2', '8 WorkItem v2', '9 MigrationEvent v3', '10 Update v2', '11 MutationEvent v3', '12 MigrationEvent v4', '13 Update v3', '14 MigrationEvent v5', '15 Update v4', '16 MigrationEvent v6', '17 WorkItem v3', '18 MigrationEvent v7', '19 DocumentEvent v2', '20 Update v5'],
    );
    assert.equal(catalogue.latest('MutationEvent').id, 11);
    assert.equal(catalogue.latest('MigrationEvent').id, 18);
  });
});

describe('the Confluent wire format', () => {
  it('writes magic byte 0, the schema id and the Avro body, and reads it back', () => {
    const bytes = encodeRecord(catalogue, 'Update', update);
    assert.equal(bytes[0], 0);
    assert.equal(bytes.readUInt32BE(1), 20);
    const decoded = decodeRecord<typeof update>(catalogue, 'Update', bytes);
    assert.equal(decoded.writerVersion, 5);
    assert.deepEqual(plain(decoded.value), plain(update));
  });

  it('writes records of any size, each in a buffer of its own', () => {
    const large = { ...update, reason: 'x'.repeat(300_000) };
    const first = encodeRecord(catalogue, 'Update', large);
    const second = encodeRecord(catalogue, 'Update', { ...update, reason: 'second' });
    assert.equal(decodeRecord<typeof large>(catalogue, 'Update', first).value.reason.length, 300_000, 'the first is intact after the second was written');
    assert.equal(decodeRecord<{ reason: string }>(catalogue, 'Update', second).value.reason, 'second');
  });

  it('reads a record written with the previous version through the resolver, new fields at their defaults', () => {
    const v1 = catalogue.byId(3)!;
    const remigrate = { ...update, command: { 'dev.cutover.control.Remigrate': { table: 'shop.orders', truncate: true } } };
    const written = Buffer.concat([Buffer.from([0, 0, 0, 0, 3]), v1.type.toBuffer(remigrate)]);
    const decoded = decodeRecord<Record<string, unknown>>(catalogue, 'Update', written);
    assert.equal(decoded.writerVersion, 1);
    assert.deepEqual(plain(decoded.value['command']), { 'dev.cutover.control.Remigrate': { table: 'shop.orders', truncate: true, force: false } });
  });

  it('reads MutationEvent v1 and v2 records as they were written: v3 is a batch, too different to resolve them to', () => {
    const v1 = Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), catalogue.byId(1)!.type.toBuffer(mutationV1)]);
    const v2 = Buffer.concat([Buffer.from([0, 0, 0, 0, 2]), catalogue.byId(2)!.type.toBuffer({ ...mutationV1, driver: 'DataStax Node.js Driver 4.10.0' })]);
    const first = decodeAsWritten(catalogue, 'MutationEvent', v1);
    assert.equal(first.writerVersion, 1);
    assert.deepEqual(plain(first.value), plain(mutationV1));
    const second = decodeAsWritten(catalogue, 'MutationEvent', v2);
    assert.equal(second.writerVersion, 2);
    assert.equal((second.value as { driver: string }).driver, 'DataStax Node.js Driver 4.10.0');
    assert.match(eventLogError(() => decodeRecord(catalogue, 'MutationEvent', v2), 'INVALID_RECORD'), /does not decode/);
  });

  it('round-trips every control command and every migration event', () => {
    const envelope = { commandId: 'c1', migrationId: 'm1', issuedAt: 1_795_000_000_000, issuer: 'alice', reason: 'because' };
    const commands = [
      { 'dev.cutover.control.StartMigration': { tables: ['shop.orders'], collections: ['app.profiles'], into: { 'app.profiles': 'ks.profiles' } } },
      { 'dev.cutover.control.SetPriority': { table: 'shop.orders', priority: -1 } },
      { 'dev.cutover.control.Remigrate': { table: 'shop.orders', truncate: true, force: true } },
      { 'dev.cutover.control.Pause': { scope: { kind: 'TABLE', name: 'shop.orders' } } },
      { 'dev.cutover.control.Resume': { scope: { kind: 'ALL', name: null } } },
      { 'dev.cutover.control.SetPrimary': { cluster: 'TARGET', force: true, pendingHeals: 3 } },
      { 'dev.cutover.control.SetReadMode': { mode: 'DUAL_ASYNC' } },
      { 'dev.cutover.control.CompleteMigration': { force: false, pendingHeals: null } },
      { 'dev.cutover.control.SetCollectionPriority': { collection: 'app.profiles', priority: 3 } },
      { 'dev.cutover.control.RemigrateCollection': { collection: 'app.profiles', truncate: true } },
      { 'dev.cutover.control.RecordCollectionVerification': { collection: 'app.profiles', round: 1, startedAt: 1_795_000_000_000, documents: 20_000, targetDocuments: 19_999, badDocuments: 1, differences: 1, differingDocuments: [{ id: '{"$oid":"6b0bd37ef074ce4b9985df7a"}', kind: 'VALUES' }] } },
      { 'dev.cutover.control.RecordVerification': { table: 'shop.orders', round: 2, startedAt: 1_795_000_000_000, rows: 5_000_000_000, targetRows: 4_999_999_999, differences: 1, repairedRows: 0, complete: true, scope: 'CHANGED', since: 1_794_000_000_000, verificationId: 'v1', differingRows: [{ key: "id=7, at='x'", kind: 'MISSING_ON_TARGET', repaired: true }] } },
    ];
    for (const command of commands) {
      const decoded = decodeRecord<{ command: unknown }>(catalogue, 'Update', encodeRecord(catalogue, 'Update', { ...envelope, command }));
      assert.deepEqual(plain(decoded.value.command), command);
    }
    const event = { eventId: 'c1/0', migrationId: 'm1', commandId: 'c1', at: 1, issuer: 'alice', reason: null, event: { 'dev.cutover.migration.CommandRejected': { commandType: 'Remigrate', rejection: 'unknown table shop.nope' } } };
    assert.deepEqual(plain(decodeRecord(catalogue, 'MigrationEvent', encodeRecord(catalogue, 'MigrationEvent', event)).value), event);
    const facts = [
      { 'dev.cutover.migration.ChunkLoaded': { table: 'shop.orders', round: 0, chunk: 3, rows: 1000, writes: 1200, badRows: 1, badRowsKey: 'k.bad-rows.csv' } },
      { 'dev.cutover.migration.VerificationStarted': { table: 'shop.orders', round: 0, verificationId: 'v1', ranges: 32 } },
      { 'dev.cutover.migration.RangeVerified': { table: 'shop.orders', round: 0, verificationId: 'v1', range: 7, rows: 5_000_000_000, targetRows: 3, differences: 2, complete: false, failure: 'a value the driver cannot read' } },
    ];
    for (const fact of facts) assert.deepEqual(plain(decodeRecord(catalogue, 'MigrationEvent', encodeRecord(catalogue, 'MigrationEvent', { ...event, event: fact })).value), { ...event, event: fact });
  });

  it('reads a fact written before bad rows were counted: none, and no error budget', () => {
    const envelope = { eventId: 'w1', migrationId: 'm1', commandId: 'w1', at: 1, issuer: 'worker-1', reason: null };
    const v2 = (event: object) => Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), catalogue.byId(7)!.type.toBuffer({ ...envelope, event })]);
    const loaded = decodeRecord(catalogue, 'MigrationEvent', v2({ 'dev.cutover.migration.ChunkLoaded': { table: 't.t', round: 0, chunk: 3, rows: 10, writes: 12 } }));
    assert.equal(loaded.writerVersion, 2);
    assert.deepEqual(plain(loaded.value), { ...envelope, event: { 'dev.cutover.migration.ChunkLoaded': { table: 't.t', round: 0, chunk: 3, rows: 10, writes: 12, badRows: 0, badRowsKey: null } } });
    const planned = decodeRecord(catalogue, 'MigrationEvent', v2({ 'dev.cutover.migration.TablePlanned': { table: 't.t', round: 0, chunks: 4, estimatedBytes: 9 } }));
    assert.deepEqual(plain(planned.value), { ...envelope, event: { 'dev.cutover.migration.TablePlanned': { table: 't.t', round: 0, chunks: 4, estimatedBytes: 9, maxBadRows: null, maxBadRowsPercent: null, counter: false } } });
  });

  it('reads a decided event written before the migrators had facts', () => {
    const event = { eventId: 'c1/0', migrationId: 'm1', commandId: 'c1', at: 1, issuer: 'alice', reason: null, event: { 'dev.cutover.migration.PrimaryChanged': { cluster: 'TARGET' } } };
    const written = Buffer.concat([Buffer.from([0, 0, 0, 0, 4]), catalogue.byId(4)!.type.toBuffer(event)]);
    const decoded = decodeRecord(catalogue, 'MigrationEvent', written);
    assert.equal(decoded.writerVersion, 1);
    assert.deepEqual(plain(decoded.value), { ...event, event: { 'dev.cutover.migration.PrimaryChanged': { cluster: 'TARGET', overriding: null } } }, 'not forced past a gate that did not exist');
  });

  it('refuses what it cannot read, with a code and a reason', () => {
    const good = Buffer.concat([Buffer.from([0, 0, 0, 0, 2]), catalogue.byId(2)!.type.toBuffer({ ...mutationV1, driver: null })]);
    assert.match(eventLogError(() => decodeRecord(catalogue, 'MutationEvent', Buffer.from('{"json": true}')), 'NOT_WIRE_FORMAT'), /first byte 123/);
    const unknown = Buffer.from(good);
    unknown.writeUInt32BE(99, 1);
    assert.equal(eventLogError(() => decodeRecord(catalogue, 'MutationEvent', unknown), 'UNKNOWN_SCHEMA'), 'schema id 99 is not in the catalogue');
    assert.equal(eventLogError(() => decodeRecord(catalogue, 'Update', good), 'WRONG_SUBJECT'), 'schema id 2 is MutationEvent, not Update');
    assert.match(eventLogError(() => decodeAsWritten(catalogue, 'MutationEvent', good.subarray(0, good.length - 10)), 'INVALID_RECORD'), /does not decode/);
    assert.match(eventLogError(() => encodeRecord(catalogue, 'Update', { ...update, issuer: 42 }), 'INVALID_RECORD'), /bad issuer/);
  });

  it('agrees with avsc on what a schema is', () => {
    // The catalogue's types are plain avsc types: any avsc-based consumer can read our records.
    const type = avro.Type.forSchema(JSON.parse(readFileSync(join(SCHEMAS_DIR, 'update.v5.avsc'), 'utf8')) as avro.Schema);
    assert.equal(type.name, 'dev.cutover.control.Update');
    assert.equal(catalogue.latest('Update').type.fingerprint().toString('hex'), type.fingerprint().toString('hex'));
  });
});
