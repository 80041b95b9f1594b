import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SchemaCatalogue, decodeRecord, encodeRecord } from '@cutover/event-log';
import type { Event } from '@cutover/migration-state';
import { migrationEventFromAvro, migrationEventToAvro, type AvroMigrationEvent } from '../src/index.ts';

it('round-trips every decided event and every migrator fact through the MigrationEvent schema', () => {
  const catalogue = SchemaCatalogue.load();
  const events: Event[] = [
    { type: 'MigrationStarted', tables: ['shop.orders'], collections: ['app.profiles'] },
    { type: 'MigrationStarted', tables: [], collections: ['app.profiles', 'app.users'], into: { 'app.profiles': 'crm.people' } },
    { type: 'CollectionPriorityChanged', collection: 'app.profiles', priority: -1 },
    { type: 'CollectionRemigrationRequested', collection: 'app.profiles', truncate: true },
    { type: 'CollectionVerified', collection: 'app.profiles', round: 1, startedAt: 1_795_000_000_000, documents: 20_000, targetDocuments: 20_001, badDocuments: 0, differences: 2, differingDocuments: [{ id: '{"$numberInt":"7"}', kind: 'extra-on-target' }, { id: '"x"', kind: 'values' }] },
    { type: 'PriorityChanged', table: 'shop.orders', priority: -2 },
    { type: 'RemigrationRequested', table: 'shop.orders', truncate: true, force: false },
    { type: 'Paused', scope: { kind: 'table', name: 'shop.orders' } },
    { type: 'Resumed', scope: { kind: 'all' } },
    { type: 'PrimaryChanged', cluster: 'target' },
    { type: 'ReadModeChanged', mode: 'dual-async' },
    { type: 'MigrationCompleted' },
    { type: 'CommandRejected', commandType: 'Remigrate', rejection: 'no such table' },
    { type: 'TablePlanned', table: 'shop.orders', round: 1, chunks: 16, estimatedBytes: 1_000_000_000, maxBadRows: null, maxBadRowsPercent: 0.5, counter: false },
    { type: 'ChunkUnloaded', table: 'shop.orders', round: 1, chunk: 3, s3Key: 'm1/shop.orders/r1/3.csv.gz', rows: 12_345, bytes: 987_654, sha256: 'ab'.repeat(32), unloadedAt: 1_795_000_000_000 },
    { type: 'ChunkLoaded', table: 'shop.orders', round: 1, chunk: 3, rows: 12_345, writes: 13_000, badRows: 2, badRowsKey: 'm1/shop.orders/r1/3.bad-rows.csv' },
    { type: 'ChunkChecked', table: 'shop.orders', round: 1, chunk: 3, originRows: 12_345, targetRows: 12_344, matches: false },
    { type: 'PrimaryChanged', cluster: 'target', overriding: 'shop.orders is not verified' },
    { type: 'MigrationCompleted', overriding: 'collection app.profiles is not verified' },
    { type: 'TableVerified', table: 'shop.orders', round: 1, startedAt: 1_795_000_000_000, rows: 12_345_678_901, targetRows: 12_345_678_900, differences: 1, repairedRows: 0, complete: true },
    {
      type: 'CollectionPlanned', collection: 'app.profiles', round: 2, target: 'app.profiles', startAt: 1_795_000_000_000_042,
      ranges: [{ type: 'number', from: null, to: '{"$numberInt":"5"}' }, { type: 'number', from: '{"$numberInt":"5"}', to: null }, { type: 'other', from: null, to: null }],
      estimatedDocuments: 20_000, estimatedBytes: 20_480_000, maxBadDocuments: 10, maxBadDocumentsPercent: null,
    },
    { type: 'RangeRead', collection: 'app.profiles', round: 2, range: 1, documents: 9_999, bytes: 10_238_976 },
    { type: 'ChangesRead', collection: 'app.profiles', round: 2, resumeToken: '{"_data":"6b0bd37e00000001"}', through: 1_795_000_001_000_007, changes: 42 },
    { type: 'DocumentsLoaded', collection: 'app.profiles', round: 2, partition: 11, fromOffset: 100, toOffset: 250, documents: 140, deletes: 9, badDocumentIds: ['{"$oid":"6b0bd37ef074ce4b9985df7a"}'], badDocumentsKey: 'bad-documents/m1/app.profiles/round-2/11-100.jsonl', latestChange: 1_795_000_001_000_007 },
    { type: 'CollectionSwept', collection: 'app.profiles', round: 2, deleted: 17 },
    { type: 'ChangeStreamLost', collection: 'app.profiles', round: 2, reason: 'ChangeStreamHistoryLost: resume point no longer in the oplog' },
  ];
  for (const [i, event] of events.entries()) {
    const envelope = { eventId: `c1/${i}`, migrationId: 'm1', commandId: 'c1', at: 1_795_000_000_000, issuer: 'alice', reason: 'why', event };
    const bytes = encodeRecord(catalogue, 'MigrationEvent', migrationEventToAvro(envelope));
    assert.deepEqual(migrationEventFromAvro(decodeRecord<AvroMigrationEvent>(catalogue, 'MigrationEvent', bytes).value), envelope);
  }
});
