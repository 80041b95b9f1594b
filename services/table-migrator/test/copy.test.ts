import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { copyPlan, counterRead, counterUpdate, exactJson, listCheck, readChunk, statementsFor, toRecord, withoutCopiedLists, writeChunk, type ColumnSchema, type TableSchema } from '../src/index.ts';

const column = (name: string, type: string, kind: ColumnSchema['kind'] = 'regular', position = -1): ColumnSchema => ({ name, type, kind, position, clusteringOrder: kind === 'clustering' ? 'asc' : 'none' });
const table: TableSchema = {
  keyspace: 'shop',
  name: 'orders',
  columns: [column('id', 'int', 'partition_key', 0), column('at', 'timestamp', 'clustering', 0), column('owner', 'text', 'static'), column('total', 'decimal'), column('tags', 'set<text>'), column('ship_to', 'address')],
  indexes: [],
};
const plan = copyPlan(table, new Set(['address']));
const long = (n: string) => ({ toString: () => n });

describe('copyPlan', () => {
  it('reads each value as JSON with its writetime and TTL, by token range', () => {
    assert.equal(
      plan.select,
      'SELECT toJson("id"), toJson("at"), toJson("owner"), writetime("owner"), ttl("owner"), toJson("total"), writetime("total"), ttl("total"), toJson("tags"), writetime("tags"), ttl("tags"), toJson("ship_to"), writetime("ship_to"), ttl("ship_to"), token("id") FROM "shop"."orders" WHERE token("id") > ? AND token("id") <= ?',
    );
    assert.equal(plan.header.at(-1), 'token', 'each row\'s token last: rows of a replica set are loaded together');
    assert.deepEqual(plan.header.slice(0, 5), ['id', 'at', 'owner', 'owner:writetime', 'owner:expires']);
    assert.deepEqual(plan.columns.map((c) => [c.name, c.static, c.multiCell]), [['owner', true, false], ['total', false, false], ['tags', false, true], ['ship_to', false, true]]);
  });

  it('reads a float or double as the number itself, since toJson writes NaN and the infinities as null', () => {
    const scores = copyPlan({ ...table, columns: [column('id', 'int', 'partition_key', 0), column('score', 'double')] }, new Set());
    assert.match(scores.select, /^SELECT toJson\("id"\), "score", writetime\("score"\)/);
    const json = (score: unknown) => toRecord(scores, ['1', score, long('5'), null, long('0')], 0)[1];
    assert.deepEqual([NaN, -Infinity, -0, 2.5e100, 0.1, null].map(json), ['"NaN"', '"-Infinity"', '"-0.0"', '2.5e+100', '0.1', 'null']);
  });

  it('copies a counter table by its counts alone: counters have no writetime or TTL', () => {
    const counts = copyPlan({ ...table, columns: [column('id', 'int', 'partition_key', 0), column('hits', 'counter'), column('misses', 'counter')] }, new Set());
    assert.equal(counts.counter, true);
    assert.deepEqual(counts.header, ['id', 'hits', 'misses', 'token']);
    assert.equal(counts.select, 'SELECT toJson("id"), toJson("hits"), toJson("misses"), token("id") FROM "shop"."orders" WHERE token("id") > ? AND token("id") <= ?');
    assert.deepEqual(toRecord(counts, ['7', '12', 'null', long('-42')], 0), ['7', '12', 'null', '-42']);
  });

  it('brings target\'s counters to origin\'s by adding the difference, and adds nothing when they agree', () => {
    const counts = copyPlan({ ...table, columns: [column('id', 'int', 'partition_key', 0), column('hits', 'counter'), column('misses', 'counter')] }, new Set());
    assert.deepEqual(counterRead(counts, ['7', '12', '3']), { query: 'SELECT toJson("hits"), toJson("misses") FROM "shop"."orders" WHERE "id" = fromJson(?)', params: ['"7"'] });
    const [update] = counterUpdate(counts, ['7', '12', '3'], ['15', '3'], ['5', 'null']);
    assert.equal(update!.query, 'UPDATE "shop"."orders" SET "hits" = "hits" + ?, "misses" = "misses" + ? WHERE "id" = fromJson(?)');
    assert.deepEqual(update!.params.map(String), ['10', '3', '"7"']);
    assert.deepEqual(counterUpdate(counts, ['7', '12', '3'], ['15', '3'], ['15', '3']), []);
    assert.deepEqual(counterUpdate(counts, ['7', '12', '3'], undefined, ['2', 'null'])[0]!.params.map(String), ['-2', '"7"'], 'gone from origin: back to 0');
    assert.deepEqual(counterUpdate(counts, ['7', '0', 'null'], ['0', 'null'], undefined)[0]!.params.map(String), ['0', '"7"'], 'a row counting 0 is still a row');
  });
});

describe('chunk records', () => {
  it("keeps a set's or map's writetime and expiry per element, and the latest of a user type's; a TTL as the second it ends", () => {
    const record = toRecord(plan, ['1', '"2026-01-01"', '"ann"', long('5'), null, '1.10', long('6'), 60, '["a", "b"]', [long('7'), long('9')], [null, 30], 'null', null, null, long('-42')], 1000.7);
    assert.deepEqual(record, ['1', '"2026-01-01"', '"ann"', '5', '', '1.10', '6', '1060', '["a", "b"]', '["7","9"]', '[null,"1030"]', 'null', '', '', '-42']);
  });

  it('groups the cells of a row by writetime and the TTL that remains when they are written, statics once per partition, expired cells left out', () => {
    const record = ['1', '"2026-01-01"', '"ann"', '5', '', '1.10', '6', '60', '["a", "b"]', '6', '60', 'null', '', ''];
    const statements = statementsFor(plan, record, 10.5, true).map((s) => ({ query: s.query, params: s.params.map(String) }));
    assert.deepEqual(statements, [
      { query: 'UPDATE "shop"."orders" USING TIMESTAMP ? AND TTL ? SET "owner" = fromJson(?) WHERE "id" = fromJson(?)', params: ['5', '0', '"ann"', '"1"'] },
      // The row's oldest cells carry its marker: an INSERT, as the application's wrote them.
      { query: 'INSERT INTO "shop"."orders" ("id", "at", "total", "tags") VALUES (fromJson(?), fromJson(?), fromJson(?), fromJson(?)) USING TIMESTAMP ? AND TTL ?', params: ['"1"', '"2026-01-01"', '"1.10"', '["a","b"]', '6', '50'] },
    ]);
    assert.equal(statementsFor(plan, record, 10, false).length, 1, 'the static cell is written once per partition');
    assert.deepEqual(statementsFor(plan, record, 61, false).map((s) => s.query), [`INSERT INTO "shop"."orders" ("id", "at") VALUES (fromJson(?), fromJson(?)) USING TIMESTAMP 1`], 'expired cells are left out; the row keeps its key');
  });

  it("adds a set's or map's elements each with its own writetime and remaining TTL, numbers exact", () => {
    const record = ['1', '"2026-01-01"', 'null', '', '', 'null', '', '', '["a", "b", "c"]', '["7","9","7"]', '[null,"30",null]', 'null', '', ''];
    const statements = statementsFor(plan, record, 10, true).map((s) => ({ query: s.query, params: s.params.map(String) }));
    assert.deepEqual(statements, [
      // Elements cannot be added by an INSERT: the marker goes alone, with the oldest of them.
      { query: 'INSERT INTO "shop"."orders" ("id", "at") VALUES (fromJson(?), fromJson(?)) USING TIMESTAMP ? AND TTL ?', params: ['"1"', '"2026-01-01"', '7', '0'] },
      { query: 'UPDATE "shop"."orders" USING TIMESTAMP ? AND TTL ? SET "tags" = "tags" + fromJson(?) WHERE "id" = fromJson(?) AND "at" = fromJson(?)', params: ['7', '0', '["a","c"]', '"1"', '"2026-01-01"'] },
      { query: 'UPDATE "shop"."orders" USING TIMESTAMP ? AND TTL ? SET "tags" = "tags" + fromJson(?) WHERE "id" = fromJson(?) AND "at" = fromJson(?)', params: ['9', '20', '["b"]', '"1"', '"2026-01-01"'] },
    ]);
    const counts = copyPlan({ ...table, columns: [column('id', 'int', 'partition_key', 0), column('m', 'map<int, decimal>')] }, new Set());
    const [, added] = statementsFor(counts, ['1', '{"1": 1.10, "2": 2.5}', '["5","5"]', '[null,null]', '0'], 0, true);
    assert.deepEqual(added!.params.map(String), ['5', '0', '{"1":"1.10","2":"2.5"}', '"1"']);
  });

  it('writes a static-only partition as its static cells alone', () => {
    const statements = statementsFor(plan, ['1', 'null', '"ann"', '5', '', 'null', '', '', 'null', '', '', 'null', '', ''], 0, true);
    assert.deepEqual(statements.map((s) => s.query), ['UPDATE "shop"."orders" USING TIMESTAMP ? AND TTL ? SET "owner" = fromJson(?) WHERE "id" = fromJson(?)']);
  });

  it("writes every JSON number as a string, nested ones too, so fromJson reads it exactly, and leaves the rest as Cassandra wrote it", () => {
    assert.equal(exactJson('{"zip": 1.10, "tags": [1, 2e300], "name": "x, \\"1\\""}'), '{"zip":"1.10","tags":["1","2e300"],"name":"x, \\"1\\""}');
    assert.equal(exactJson('"text 1.5"'), '"text 1.5"');
    assert.equal(exactJson('null'), 'null');
    assert.equal(exactJson('true'), 'true');
  });
});

describe('lists', () => {
  const withList = copyPlan({ ...table, columns: [...table.columns.slice(0, 2), column('steps', 'list<text>'), column('frozen_steps', 'frozen<list<text>>')] }, new Set());
  const record = ['1', '"2026-01-01"', '["a"]', '7', '', '["b"]', '7', ''];

  it('asks target for the writetimes of the lists a record writes, frozen ones aside', () => {
    assert.deepEqual(listCheck(withList, record), { query: 'SELECT writetime("steps") FROM "shop"."orders" WHERE "id" = fromJson(?) AND "at" = fromJson(?) LIMIT 1', params: ['"1"', '"2026-01-01"'] });
    assert.equal(listCheck(withList, ['1', '"2026-01-01"', 'null', '', '', '["b"]', '7', '']), undefined, 'no list cell, nothing to ask');
  });

  it('leaves out a list target has from this copy (elements at its writetime), and writes one it has only older or newer elements of', () => {
    assert.deepEqual(withoutCopiedLists(withList, record, [[long('7'), long('9')]]), ['1', '"2026-01-01"', 'null', '', '', '["b"]', '7', '']);
    assert.deepEqual(withoutCopiedLists(withList, record, [[long('6')]]), record);
    assert.deepEqual(withoutCopiedLists(withList, record, [[long('9')]]), record, "the application's elements, appended since the unload");
    assert.deepEqual(withoutCopiedLists(withList, record, [null]), record);
  });

  it('writes a list before the elements appended since the unload, after deleting the older ones', () => {
    const statements = statementsFor(withList, record, 0, true).map((s) => ({ query: s.query, params: s.params.map(String) }));
    assert.deepEqual(statements, [
      { query: 'DELETE "steps" FROM "shop"."orders" USING TIMESTAMP ? WHERE "id" = fromJson(?) AND "at" = fromJson(?)', params: ['6', '"1"', '"2026-01-01"'] },
      { query: 'INSERT INTO "shop"."orders" ("id", "at") VALUES (fromJson(?), fromJson(?)) USING TIMESTAMP ? AND TTL ?', params: ['"1"', '"2026-01-01"', '7', '0'] },
      { query: 'UPDATE "shop"."orders" USING TIMESTAMP ? AND TTL ? SET "steps" = fromJson(?) + "steps", "frozen_steps" = fromJson(?) WHERE "id" = fromJson(?) AND "at" = fromJson(?)', params: ['7', '0', '["a"]', '["b"]', '"1"', '"2026-01-01"'] },
    ]);
  });
});

describe('chunk files', () => {
  it('round-trip as gzipped CSV with a checksum of the CSV, and refuse what is not a chunk of this table', () => {
    const records = [['1', '{"a": "x,\\"y\\""}', '5', '']];
    const file = writeChunk(['id', 'v', 'v:writetime', 'v:ttl'], records);
    assert.equal(file.rows, 1);
    assert.match(file.sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(readChunk(['id', 'v', 'v:writetime', 'v:ttl'], file.body), records);
    assert.throws(() => readChunk(['id', 'w', 'w:writetime', 'w:ttl'], file.body), { code: 'BAD_CHUNK', message: /the chunk's columns \(id, v, v:writetime, v:ttl\) are not the table's/ });
    assert.throws(() => readChunk(['id'], Buffer.from('garbage')), { code: 'BAD_CHUNK', message: /not a chunk file/ });
    assert.throws(() => readChunk(['id'], gzipSync('id\n"unterminated')), { code: 'BAD_CHUNK' });
  });
});
