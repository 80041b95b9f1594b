import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchemaCatalogue, decodeRecord, encodeRecord } from '@cutover/event-log';
import fc from 'fast-check';
import { initialState, type MigrationState, type TableCopy, type TableState } from '@cutover/migration-state';
import type cassandra from 'cassandra-driver';
import { MAX_TOKEN, MIN_TOKEN, chunkCount, estimateTableBytes, manifestKey, nextToPlan, planChunks, splitRing, tableManifest, unloadItem, verifyItem, workDecision, type WorkItem } from '../src/index.ts';

describe('splitRing', () => {
  it('covers the whole Murmur3 ring in contiguous ranges of nearly equal width', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), (count) => {
        const ranges = splitRing(count);
        assert.equal(ranges.length, count);
        assert.equal(ranges[0]!.start, MIN_TOKEN);
        assert.equal(ranges.at(-1)!.end, MAX_TOKEN);
        const widths = ranges.map((r, i) => {
          if (i > 0) assert.equal(r.start, ranges[i - 1]!.end, 'no gap, no overlap');
          return r.end - r.start;
        });
        const smallest = widths.reduce((a, b) => (a < b ? a : b));
        assert.ok(widths.every((w) => w - smallest < BigInt(count)), 'the last range takes the remainder, no more');
      }),
    );
  });

  it('refuses a count that is not a positive whole number', () => {
    for (const count of [0, -1, 1.5, Number.NaN]) assert.throws(() => splitRing(count), RangeError);
  });
});

describe('planChunks', () => {
  const sizing = { chunkBytes: 100, minChunks: 2, maxChunks: 10 };

  it('sizes chunks from the estimate, within the bounds', () => {
    assert.deepEqual([0, 1, 150, 200, 201, 999, 10_000].map((bytes) => chunkCount(bytes, sizing)), [2, 2, 2, 2, 3, 10, 10]);
  });

  it("keeps the tables' order and numbers each table's chunks in token order", () => {
    const chunks = planChunks([{ name: 'shop.users', estimatedBytes: 250 }, { name: 'shop.orders', estimatedBytes: 0 }], sizing);
    assert.deepEqual(chunks.map((c) => `${c.keyspace}.${c.table}#${c.chunk}`), ['shop.users#0', 'shop.users#1', 'shop.users#2', 'shop.orders#0', 'shop.orders#1']);
    assert.equal(chunks[2]!.rangeEnd, MAX_TOKEN);
    assert.equal(chunks[3]!.rangeStart, MIN_TOKEN);
  });

  it('makes an unload work item the WorkItem schema takes, with an id naming the chunk and the copy round', () => {
    const [chunk] = planChunks([{ name: 'shop.users', estimatedBytes: 0 }], sizing);
    const item = unloadItem('m1', chunk!, 2);
    assert.equal(item.workId, 'm1/shop.users/r2/0/unload');
    const catalogue = SchemaCatalogue.load();
    assert.deepEqual({ ...decodeRecord<WorkItem>(catalogue, 'WorkItem', encodeRecord(catalogue, 'WorkItem', item)).value }, item);
    assert.equal(BigInt(item.rangeStart), MIN_TOKEN);
  });
});

it('makes a verify work item the WorkItem schema takes, with an id naming the verification and the range', () => {
  const item = verifyItem({ migrationId: 'm1', table: 'shop.users', round: 1, verificationId: 'v9', range: 3, tokens: { start: -5n, end: 7n } });
  assert.equal(item.workId, 'm1/shop.users/r1/verify-v9/3');
  assert.deepEqual([item.kind, item.keyspace, item.table, item.chunk, item.rangeStart, item.rangeEnd], ['VERIFY', 'shop', 'users', 3, '-5', '7']);
  const catalogue = SchemaCatalogue.load();
  assert.deepEqual({ ...decodeRecord<WorkItem>(catalogue, 'WorkItem', encodeRecord(catalogue, 'WorkItem', item)).value }, item);
});

describe('workDecision', () => {
  const state = (over: Partial<MigrationState> = {}, table: Partial<TableState> = {}): MigrationState => ({
    ...initialState,
    migrationId: 'm1',
    status: 'running',
    tables: { 'shop.users': { name: 'shop.users', priority: 0, position: 0, paused: false, remigrations: 1, ...table } },
    ...over,
  });
  const [chunk] = planChunks([{ name: 'shop.users', estimatedBytes: 0 }], { chunkBytes: 1, minChunks: 1, maxChunks: 1 });
  const item = unloadItem('m1', chunk!, 1);

  it('runs current work, defers a paused table\'s, drops an earlier round\'s or another migration\'s', () => {
    assert.equal(workDecision(state(), item), 'run');
    assert.equal(workDecision(state({}, { paused: true }), item), 'defer');
    assert.equal(workDecision(state({ paused: true }), item), 'defer');
    assert.equal(workDecision(state({}, { remigrations: 2 }), item), 'drop');
    assert.equal(workDecision(state({ migrationId: 'm2' }), item), 'drop');
    assert.equal(workDecision(state({ tables: {} }), item), 'drop');
  });

  it("drops the work of a table whose round failed (over its error budget)", () => {
    const failed: TableCopy = { round: 1, chunks: 2, estimatedBytes: 0, maxBadRows: 0, maxBadRowsPercent: null, counter: false, unloaded: {}, loaded: { 0: { rows: 9, badRows: 1, badRowsKey: 'k' } }, checked: {} };
    assert.equal(workDecision(state({}, { copy: failed }), item), 'drop');
    assert.equal(workDecision(state({}, { copy: { ...failed, maxBadRows: 1 } }), item), 'run', 'within the budget');
  });

  it('runs a range of a verification under way not compared yet, even while the copy is paused; waits a while for one it has not seen begin', () => {
    const range = verifyItem({ migrationId: 'm1', table: 'shop.users', round: 1, verificationId: 'v1', range: 2, tokens: { start: 0n, end: 9n } });
    const verification = { id: 'v1', recorded: false, startedAt: 1, issuer: 'bob', ranges: 4, done: {} };
    const compared = { rows: 1, targetRows: 1, differences: 0, complete: true, failure: null, by: 'w' };
    assert.equal(workDecision(state({ paused: true }, { verification }), range), 'run');
    assert.equal(workDecision(state({}, { verification: { ...verification, done: { 2: compared } } }), range), 'drop', 'compared already');
    assert.equal(workDecision(state({}, { verification: { ...verification, recorded: true } }), range), 'drop', 'over');
    assert.equal(workDecision(state({}, { remigrations: 2, verification }), range), 'drop', 'of an earlier round');
    assert.equal(workDecision(state(), range), 'defer', 'its start not read yet');
    assert.equal(workDecision(state({}, { verification: { ...verification, id: 'v2' } }), range), 'defer');
    assert.equal(workDecision(state(), { ...range, attempt: 20 }), 'drop', 'long enough: one that was replaced');
  });
});

describe('nextToPlan', () => {
  const table = (name: string, position: number, over: Partial<TableState> = {}): TableState => ({ name, priority: 0, position, paused: false, remigrations: 0, ...over });
  const copy = (chunks: number, unloaded: number): TableCopy => ({
    round: 0, chunks, estimatedBytes: 0, maxBadRows: 0, maxBadRowsPercent: null, counter: false, loaded: {}, checked: {},
    unloaded: Object.fromEntries(Array.from({ length: unloaded }, (_, i) => [i, { s3Key: `k${i}`, rows: 1, bytes: 1, sha256: 'ab' }])),
  });
  const state = (...tables: TableState[]): MigrationState => ({ ...initialState, migrationId: 'm1', status: 'running', tables: Object.fromEntries(tables.map((t) => [t.name, t])) });

  it('plans one table at a time, in priority order, the next once the planned ones are all unloaded', () => {
    assert.equal(nextToPlan(state(table('a', 0), table('b', 1), table('c', 2, { priority: -1 }))), 'c');
    assert.equal(nextToPlan(state(table('a', 0, { copy: copy(4, 3) }), table('b', 1))), undefined, "a's chunks are still being unloaded");
    assert.equal(nextToPlan(state(table('a', 0, { copy: copy(4, 4) }), table('b', 1), table('c', 2))), 'b', "a's loads keep the workers busy meanwhile");
    assert.equal(nextToPlan(state(table('a', 0, { copy: copy(4, 4) }), table('b', 1), table('c', 2, { priority: -5 }))), 'c', 'a priority change re-orders what is not planned yet');
  });

  it('neither plans nor waits for a paused table; plans a re-migrated one again; nothing unless running', () => {
    assert.equal(nextToPlan(state(table('a', 0, { paused: true }), table('b', 1))), 'b');
    assert.equal(nextToPlan(state(table('a', 0, { paused: true, copy: copy(4, 1) }), table('b', 1))), 'b');
    assert.equal(nextToPlan(state(table('a', 0, { copy: copy(4, 4), remigrations: 1 }))), 'a');
    assert.equal(nextToPlan(state(table('a', 0, { copy: copy(4, 4) }))), undefined);
    assert.equal(nextToPlan({ ...state(table('a', 0)), status: 'completed' }), undefined);
  });
});

describe('tableManifest', () => {
  const unloaded = (chunk: number) => ({ s3Key: `m1/shop.users/r1/chunk-0000${chunk}.csv.gz`, rows: 10 + chunk, bytes: 100, sha256: `sha${chunk}` });
  const table = (chunksUnloaded: number): TableState => ({
    name: 'shop.users', priority: 0, position: 0, paused: false, remigrations: 1,
    copy: { round: 1, chunks: 2, estimatedBytes: 0, maxBadRows: 0, maxBadRowsPercent: null, counter: false, loaded: {}, checked: {}, unloaded: Object.fromEntries(Array.from({ length: chunksUnloaded }, (_, i) => [i, unloaded(i)])) },
  });

  it("lists every chunk of the round with its token range, rows and checksum, once they are all staged", () => {
    assert.equal(tableManifest('m1', table(1)), undefined, 'a chunk is still to be unloaded');
    const manifest = tableManifest('m1', table(2))!;
    assert.deepEqual({ ...manifest, chunks: manifest.chunks.map((c) => [c.chunk, c.key, c.rows, c.sha256]) }, {
      migrationId: 'm1', table: 'shop.users', round: 1, rows: 21, bytes: 200,
      chunks: [[0, 'm1/shop.users/r1/chunk-00000.csv.gz', 10, 'sha0'], [1, 'm1/shop.users/r1/chunk-00001.csv.gz', 11, 'sha1']],
    });
    assert.deepEqual([manifest.chunks[0]!.rangeStart, manifest.chunks[1]!.rangeEnd], [MIN_TOKEN.toString(), MAX_TOKEN.toString()]);
    assert.equal(manifestKey(manifest), 'm1/shop.users/r1/manifest.json');
    assert.equal(tableManifest('m1', { ...table(2), remigrations: 2 }), undefined, 'a newer round is not staged yet');
  });
});

it("sums the size estimates of every node, each holding its primary ranges', a node that does not answer counting as empty", async () => {
  const hosts = ['10.0.0.1:9042', '10.0.0.2:9042', '10.0.0.3:9042'].map((address) => ({ address }));
  const estimates: Record<string, { mean_partition_size: number; partitions_count: number }[]> = {
    '10.0.0.1:9042': [{ mean_partition_size: 100, partitions_count: 10 }, { mean_partition_size: 200, partitions_count: 5 }],
    '10.0.0.2:9042': [{ mean_partition_size: 50, partitions_count: 4 }],
  };
  const asked: string[] = [];
  const client = {
    connect: () => Promise.resolve(),
    hosts: { values: () => hosts },
    execute: (_query: string, _params: unknown[], options: { host: { address: string } }) => {
      asked.push(options.host.address);
      const rows = estimates[options.host.address];
      return rows === undefined ? Promise.reject(new Error('node down')) : Promise.resolve({ rows });
    },
  } as unknown as cassandra.Client;
  assert.equal(await estimateTableBytes(client, 'shop', 'orders'), 100 * 10 + 200 * 5 + 50 * 4);
  assert.deepEqual(asked.sort(), hosts.map((h) => h.address));
});
