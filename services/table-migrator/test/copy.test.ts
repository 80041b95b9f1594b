import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { buffer } from 'node:stream/consumers';
import cassandra from 'cassandra-driver';
import { chunkWriter, collectionOf, copyPlan, counterRead, counterUpdate, elementsOf, hashRow, int64, listCheck, readChunk, rowKey, rowWrites, stagedRow, withoutCopiedLists, type ColumnSchema, type StagedCell, type StagedRow, type Statement, type TableSchema } from '../src/index.ts';

const column = (name: string, type: string, kind: ColumnSchema['kind'] = 'regular', position = -1): ColumnSchema => ({ name, type, kind, position, clusteringOrder: kind === 'clustering' ? 'asc' : 'none' });
const table: TableSchema = {
  keyspace: 'shop',
  name: 'orders',
  columns: [column('id', 'int', 'partition_key', 0), column('at', 'timestamp', 'clustering', 0), column('owner', 'text', 'static'), column('total', 'decimal'), column('tags', 'set<text>'), column('ship_to', 'address')],
  indexes: [],
};
const plan = copyPlan(table, new Set(['address']));

/** Native bytes, as hex in what the tests compare. */
const int = (n: number): Buffer => Buffer.from(n.toString(16).padStart(8, '0'), 'hex');
const text = (s: string): Buffer => Buffer.from(s);
const hex = (params: unknown[]): string[] => params.map((p) => (Buffer.isBuffer(p) ? (p.length === 8 && p[0] === 0 ? String(p.readBigInt64BE()) : p.toString('hex')) : String(p)));
const shown = (statements: Statement[]) => statements.map((s) => ({ query: s.query, params: hex(s.params) }));
/** A staged cell, its times given as numbers. */
const cell = (value: Buffer, writetime: bigint, expires = 0n, elements: { writetime: bigint; expires: bigint }[] | null = null): StagedCell => ({
  value,
  writetime: int64(writetime),
  expires: Number(expires),
  elements: elements?.map((e) => ({ writetime: int64(e.writetime), expires: Number(e.expires) })) ?? null,
});
const setOf = (...values: string[]): Buffer => collectionOf(values.map((v) => Buffer.concat([int(v.length), text(v)])));


/** A list's native bytes, null items as CQL writes them (length -1). */
function listOf(...items: (Buffer | null)[]): Buffer {
  const length = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  return Buffer.concat([length(items.length), ...items.flatMap((item) => (item === null ? [length(-1)] : [length(item.length), item]))]);
}

describe('copyPlan', () => {
  it('reads each value with its own type, its writetime and TTL, by token range: no function on any value', () => {
    assert.equal(
      plan.select,
      'SELECT "id" AS c0, "at" AS c1, "owner" AS c2, writetime("owner") AS c3, ttl("owner") AS c4, "total" AS c5, writetime("total") AS c6, ttl("total") AS c7, "tags" AS c8, writetime("tags") AS c9, ttl("tags") AS c10, "ship_to" AS c11, writetime("ship_to") AS c12, ttl("ship_to") AS c13, token("id") AS c14 FROM "shop"."orders" WHERE token("id") > ? AND token("id") <= ?',
    );
    assert.deepEqual(plan.columns.map((c) => [c.name, c.static, c.multiCell, c.perElement]), [['owner', true, false, false], ['total', false, false, false], ['tags', false, true, true], ['ship_to', false, true, false]]);
  });

  it('copies a counter table by its counts alone: counters have no writetime or TTL', () => {
    const counts = copyPlan({ ...table, columns: [column('id', 'int', 'partition_key', 0), column('hits', 'counter'), column('misses', 'counter')] }, new Set());
    assert.equal(counts.counter, true);
    assert.equal(counts.select, 'SELECT "id" AS c0, "hits" AS c1, "misses" AS c2, token("id") AS c3 FROM "shop"."orders" WHERE token("id") > ? AND token("id") <= ?');
    const row = stagedRow(counts, [int(7), int64(12), null, int64(-42)]);
    assert.deepEqual([row.token.readBigInt64BE(), hex(row.key as Buffer[]), row.cells[0]!.value.readBigInt64BE(), row.cells[1]], [-42n, ['00000007'], 12n, null]);
  });

  it("brings target's counters to origin's by adding the difference, and adds nothing when they agree", () => {
    const counts = copyPlan({ ...table, columns: [column('id', 'int', 'partition_key', 0), column('hits', 'counter'), column('misses', 'counter')] }, new Set());
    const row: StagedRow = { token: int64(0n), key: [int(7)], cells: [null, null] };
    assert.deepEqual(shown([counterRead(counts, row)]), [{ query: 'SELECT "hits", "misses" FROM "shop"."orders" WHERE "id" = ?', params: ['00000007'] }]);
    const long = (n: number) => cassandra.types.Long.fromNumber(n);
    const [update] = counterUpdate(counts, row, [long(15), long(3)], [long(5), null]);
    assert.equal(update!.query, 'UPDATE "shop"."orders" SET "hits" = "hits" + ?, "misses" = "misses" + ? WHERE "id" = ?');
    assert.deepEqual(hex(update!.params), ['10', '3', '00000007']);
    assert.deepEqual(counterUpdate(counts, row, [long(15), long(3)], [long(15), long(3)]), []);
    assert.deepEqual(hex(counterUpdate(counts, row, undefined, [long(2), null])[0]!.params), ['-2', '00000007'], 'gone from origin: back to 0');
    assert.deepEqual(hex(counterUpdate(counts, row, [long(0), null], undefined)[0]!.params), ['0', '00000007'], 'a row counting 0 is still a row');
  });
});

describe('staged rows', () => {
  // What the driver gives with rawValues: every value as its bytes; a writetime or TTL of a non-frozen collection as a list.

  it("keeps each value as its native bytes, a set's writetimes and expiries per element, the latest of a user type's, a TTL as the second it ends", () => {
    const udt = Buffer.from('00000008' + '7ff8000000000000', 'hex');
    const values = [int(1), int64(0), text('ann'), int64(5), null, Buffer.from('000000026e', 'hex'), int64(6), int(60), setOf('a', 'b'), listOf(int64(7), int64(9)), listOf(null, int(30)), udt, listOf(int64(3), int64(8)), listOf(int(10), int(20)), int64(-42)];
    const row = stagedRow(plan, values, 1000.7);
    assert.equal(row.token.readBigInt64BE(), -42n);
    assert.deepEqual(hex(row.key as Buffer[]), ['00000001', '0']);
    assert.deepEqual(row.cells[0], cell(text('ann'), 5n));
    assert.deepEqual(row.cells[1], cell(Buffer.from('000000026e', 'hex'), 6n, 1060n), 'decimal 1.10 as its bytes: scale 2, unscaled 110');
    assert.deepEqual(row.cells[2], cell(setOf('a', 'b'), 9n, 1030n, [{ writetime: 7n, expires: 0n }, { writetime: 9n, expires: 1030n }]));
    assert.deepEqual(row.cells[3], cell(udt, 8n, 1020n), 'NaN inside a user type, as it is; the latest writetime and expiry');
  });

  it('keeps a value of no bytes as no bytes, apart from no value', () => {
    const ints = copyPlan({ ...table, columns: [column('id', 'int', 'partition_key', 0), column('n', 'int'), column('m', 'int')] }, new Set());
    const row = stagedRow(ints, [int(1), Buffer.alloc(0), int64(5), null, null, null, null, int64(0)]);
    assert.deepEqual(row.cells, [cell(Buffer.alloc(0), 5n), null]);
  });

  it('hashes what the check compares: keys, values, writetimes and whether a cell has a TTL, not when it ends', () => {
    const digest = (row: StagedRow) => {
      const hash = createHash('sha256');
      hashRow(hash, row);
      return hash.digest('hex');
    };
    const row: StagedRow = { token: int64(1n), key: [int(1), null], cells: [cell(text('a'), 5n, 100n), null, null, null] };
    assert.equal(digest(row), digest({ ...row, cells: [cell(text('a'), 5n, 200n), null, null, null] }));
    for (const other of [{ ...row, key: [int(2), null] }, { ...row, cells: [cell(text('b'), 5n, 100n), null, null, null] }, { ...row, cells: [cell(text('a'), 6n, 100n), null, null, null] }, { ...row, cells: [cell(text('a'), 5n), null, null, null] }, { ...row, cells: [null, cell(text('a'), 5n, 100n), null, null] }]) {
      assert.notEqual(digest(other), digest(row), JSON.stringify(other, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
    }
    assert.equal(rowKey(row), 'AAAAAQ==.-');
  });
});

describe('row writes', () => {
  const row: StagedRow = { token: int64(0n), key: [int(1), int(2)], cells: [cell(text('ann'), 5n), cell(int(3), 6n, 60n), cell(setOf('a', 'b'), 6n, 60n, [{ writetime: 6n, expires: 60n }, { writetime: 6n, expires: 60n }]), null] };

  it('groups the cells of a row by writetime and the TTL that remains when they are written, values bound as bytes, statics once per partition, expired cells left out', () => {
    assert.deepEqual(shown(rowWrites(plan, row, 10.5, true)), [
      // Elements of a set cannot be added by an INSERT: the marker goes alone, with the oldest cells' time.
      { query: 'INSERT INTO "shop"."orders" ("id", "at") VALUES (?, ?) USING TIMESTAMP ? AND TTL ?', params: ['00000001', '00000002', '6', '50'] },
      { query: 'UPDATE "shop"."orders" USING TIMESTAMP ? AND TTL ? SET "owner" = ? WHERE "id" = ?', params: ['5', '0', '616e6e', '00000001'] },
      { query: 'UPDATE "shop"."orders" USING TIMESTAMP ? AND TTL ? SET "total" = ?, "tags" = "tags" + ? WHERE "id" = ? AND "at" = ?', params: ['6', '50', '00000003', setOf('a', 'b').toString('hex'), '00000001', '00000002'] },
    ]);
    assert.equal(rowWrites(plan, row, 10, false).length, 2, 'the static cell is written once per partition');
    assert.deepEqual(shown(rowWrites(plan, row, 61, false)), [{ query: 'INSERT INTO "shop"."orders" ("id", "at") VALUES (?, ?) USING TIMESTAMP 1', params: ['00000001', '00000002'] }], 'expired cells are left out; the row keeps its key');
  });

  it('writes the row marker with the oldest cells in one INSERT when none of them is added to a collection', () => {
    const plain: StagedRow = { ...row, cells: [null, cell(int(3), 6n), null, cell(Buffer.from('ff', 'hex'), 9n)] };
    assert.deepEqual(shown(rowWrites(plan, plain, 0, true)), [
      { query: 'INSERT INTO "shop"."orders" ("id", "at", "total") VALUES (?, ?, ?) USING TIMESTAMP ? AND TTL ?', params: ['00000001', '00000002', '00000003', '6', '0'] },
      { query: 'UPDATE "shop"."orders" USING TIMESTAMP ? AND TTL ? SET "ship_to" = ? WHERE "id" = ? AND "at" = ?', params: ['9', '0', 'ff', '00000001', '00000002'] },
    ]);
  });

  it("adds a set's or map's elements each with its own writetime and remaining TTL", () => {
    const tags: StagedRow = { ...row, cells: [null, null, cell(setOf('a', 'b', 'c'), 9n, 30n, [{ writetime: 7n, expires: 0n }, { writetime: 9n, expires: 30n }, { writetime: 7n, expires: 0n }]), null] };
    const statements = shown(rowWrites(plan, tags, 10, true));
    assert.deepEqual(statements.slice(1), [
      { query: 'UPDATE "shop"."orders" USING TIMESTAMP ? AND TTL ? SET "tags" = "tags" + ? WHERE "id" = ? AND "at" = ?', params: ['7', '0', setOf('a', 'c').toString('hex'), '00000001', '00000002'] },
      { query: 'UPDATE "shop"."orders" USING TIMESTAMP ? AND TTL ? SET "tags" = "tags" + ? WHERE "id" = ? AND "at" = ?', params: ['9', '20', setOf('b').toString('hex'), '00000001', '00000002'] },
    ]);
  });

  it('writes a static-only partition as its static cells alone', () => {
    const statics: StagedRow = { token: int64(0n), key: [int(1), null], cells: [cell(text('ann'), 5n), null, null, null] };
    assert.deepEqual(rowWrites(plan, statics, 0, true).map((s) => s.query), ['UPDATE "shop"."orders" USING TIMESTAMP ? AND TTL ? SET "owner" = ? WHERE "id" = ?']);
  });

  it("takes a set's or map's bytes apart into elements and puts some of them together again", () => {
    const map = Buffer.concat([int(2), int(1), text('a'), int(4), int(1), int(1), text('b'), int(4), int(2)]);
    const entries = elementsOf(map, true);
    assert.deepEqual(entries.map((e) => e.toString('hex')), [Buffer.concat([int(1), text('a'), int(4), int(1)]).toString('hex'), Buffer.concat([int(1), text('b'), int(4), int(2)]).toString('hex')]);
    assert.deepEqual(collectionOf(entries), map);
    assert.deepEqual(collectionOf(entries.slice(1)), Buffer.concat([int(1), int(1), text('b'), int(4), int(2)]));
    assert.throws(() => elementsOf(Buffer.concat([map, Buffer.from([0])]), true), /1 bytes more/);
  });
});

describe('lists', () => {
  const withList = copyPlan({ ...table, columns: [...table.columns.slice(0, 2), column('steps', 'list<text>'), column('frozen_steps', 'frozen<list<text>>')] }, new Set());
  const row: StagedRow = { token: int64(0n), key: [int(1), int(2)], cells: [cell(setOf('a'), 7n), cell(setOf('b'), 7n)] };

  it('asks target for the writetimes of the lists a row writes, frozen ones aside', () => {
    assert.deepEqual(shown([listCheck(withList, row)!]), [{ query: 'SELECT writetime("steps") FROM "shop"."orders" WHERE "id" = ? AND "at" = ? LIMIT 1', params: ['00000001', '00000002'] }]);
    assert.equal(listCheck(withList, { ...row, cells: [null, cell(setOf('b'), 7n)] }), undefined, 'no list cell, nothing to ask');
  });

  it('leaves out a list target has from this copy (elements at its writetime), and writes one it has only older or newer elements of', () => {
    const long = (n: number) => cassandra.types.Long.fromNumber(n);
    assert.deepEqual(withoutCopiedLists(withList, row, [[long(7), long(9)]]).cells, [null, row.cells[1]]);
    assert.deepEqual(withoutCopiedLists(withList, row, [[long(6)]]), row);
    assert.deepEqual(withoutCopiedLists(withList, row, [[long(9)]]), row, "the application's elements, appended since the unload");
    assert.deepEqual(withoutCopiedLists(withList, row, [null]), row);
  });

  it('writes a list before the elements appended since the unload, after deleting the older ones', () => {
    assert.deepEqual(shown(rowWrites(withList, row, 0, true)), [
      { query: 'DELETE "steps" FROM "shop"."orders" USING TIMESTAMP ? WHERE "id" = ? AND "at" = ?', params: ['6', '00000001', '00000002'] },
      { query: 'INSERT INTO "shop"."orders" ("id", "at") VALUES (?, ?) USING TIMESTAMP ? AND TTL ?', params: ['00000001', '00000002', '7', '0'] },
      { query: 'UPDATE "shop"."orders" USING TIMESTAMP ? AND TTL ? SET "steps" = ? + "steps", "frozen_steps" = ? WHERE "id" = ? AND "at" = ?', params: ['7', '0', setOf('a').toString('hex'), setOf('b').toString('hex'), '00000001', '00000002'] },
    ]);
  });
});

describe('chunk files', () => {
  const rows: StagedRow[] = [
    { token: int64(-(2n ** 63n)), key: [int(1), null], cells: [cell(text('ann'), 2n ** 62n, 1_900_000_000n), null, cell(setOf('a'), 5n, 0n, [{ writetime: 5n, expires: 0n }]), null] },
    { token: int64(2n ** 63n - 1n), key: [int(2), int(3)], cells: [null, cell(Buffer.alloc(0), -1n), null, null] },
  ];
  const file = async (written: StagedRow[], of = plan): Promise<Buffer> => {
    const writer = chunkWriter(of);
    const bytes = buffer(writer);
    for (const row of written) writer.write(row);
    writer.end();
    return bytes;
  };
  const read = async (body: Buffer, of = plan): Promise<StagedRow[]> => {
    const rows: StagedRow[] = [];
    for await (const row of readChunk(of, Readable.from([body]))) rows.push(row);
    return rows;
  };

  it('round-trip as an Avro container file: every long of 64 bits, bytes as they were', async () => {
    const body = await file(rows);
    assert.equal(body.subarray(0, 4).toString('latin1'), 'Obj\u0001', 'an Avro object container file');
    // avsc reads records as instances of a class of its own: compared by their fields.
    assert.deepEqual((await read(body)).map((row) => ({ ...row, cells: row.cells.map((c) => (c === null ? null : { ...c, elements: c.elements?.map((e) => ({ ...e })) ?? null })) })), rows);
    assert.deepEqual(await read(await file([])), []);
  });

  it("refuses a file of another table's columns, or that is no chunk file", async () => {
    const other = copyPlan({ ...table, columns: table.columns.slice(0, 3) }, new Set());
    await assert.rejects(read(await file(rows), other), { code: 'BAD_CHUNK', message: /the chunk's columns \(id, at, owner, total, tags, ship_to\) are not the table's \(id, at, owner\)/ });
    await assert.rejects(read(Buffer.from('id,v\n1,2\n')), { code: 'BAD_CHUNK', message: /not a chunk file/ });
    const body = await file(rows);
    await assert.rejects(read(body.subarray(0, body.length - 20)), { code: 'BAD_CHUNK' });
  });
});
