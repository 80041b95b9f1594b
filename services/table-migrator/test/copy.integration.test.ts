import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { loadConfig } from '@cutover/config';
import { cassandraClient, s3Client } from '@cutover/stack';
import cassandra from 'cassandra-driver';
import { parse } from 'csv-parse/sync';
import { MAX_TOKEN, MIN_TOKEN, badRowsKey, checkRange, chunkColumns, copyPlan, loadChunk, loadCounterChunk, planChunks, rangePages, readSchema, rowKey, splitRing, stagedRow, syncSchema, unloadChunk, writeBadRows, type CopyPlan, type StagedRow } from '../src/index.ts';

/**
 * A table with every kind of column copied origin → S3 → target through the real clusters
 * and S3: the same values, the same writetimes, the TTLs that remain; loading twice changes
 * nothing.
 */
const config = loadConfig();
const origin = cassandraClient(config.origin);
const target = cassandraClient(config.target);
const staging = { s3: s3Client(config), bucket: `copy-${randomBytes(3).toString('hex')}` };
const ks = `copy_${randomBytes(3).toString('hex')}`;
const timeout = 180_000;
const load = { concurrency: 64, rate: 0 };
/** Nothing writes while these tests check: every cell compares, however recent. */
const QUIET = { inFlightMs: 0, retryMs: 100 };
/** The first key value of a row (an int or a bigint), from `rowKey`. */
const firstKey = (key: string): string => {
  const bytes = Buffer.from(key.split('.')[0]!, 'base64');
  return String(bytes.length === 8 ? bytes.readBigInt64BE() : bytes.readInt32BE());
};
let plan: CopyPlan;

before(async () => {
  await staging.s3.send(new CreateBucketCommand({ Bucket: staging.bucket }));
  await origin.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await origin.execute(`CREATE TYPE ${ks}.addr (street text, zip int, tags frozen<set<text>>)`);
  await origin.execute(`CREATE TABLE ${ks}.every (
    id bigint, ck timeuuid, s text STATIC,
    i int, b bigint, v varint, d decimal, f float, db double, sm smallint, ti tinyint, bo boolean,
    t text, a ascii, bl blob, ts timestamp, dt date, tm time, du duration, u uuid, ip inet,
    fa frozen<addr>, na addr, tu frozen<tuple<int, text, decimal>>, l list<decimal>, st set<int>,
    m map<text, frozen<list<int>>>, fl frozen<list<text>>,
    PRIMARY KEY (id, ck))`);
  const columns = 'id, ck, s, i, b, v, d, f, db, sm, ti, bo, t, a, bl, ts, dt, tm, du, u, ip, fa, na, tu, l, st, m, fl';
  for (let n = 0; n < 40; n++) {
    const values = [
      `${n * 7919 - 100_000}`, 'now()', `'static ${n}'`, `${n}`, '9223372036854775807', '123456789012345678901234567890', '1.10', '0.1', '2.5e100', '7', '-3', 'true',
      `'it''s ${n}'`, "'ascii'", '0xcafe', "'2026-01-01 00:00:00+0000'", "'2026-11-21'", "'12:34:56.789'", '1mo2d3h', 'uuid()', "'127.0.0.1'",
      `{street: 's,"${n}"', zip: ${n}, tags: {'a'}}`, `{street: 't', zip: 1, tags: {'b'}}`, "(1, 'a', 1.10)", '[1.10, 2.20]', '{1, 2, 3}', "{'k': [1, 2]}", "['x']",
    ];
    const using = n % 4 === 0 ? ' USING TTL 3600' : n % 4 === 1 ? ` USING TIMESTAMP ${1_700_000_000_000_000 + n}` : '';
    await origin.execute(`INSERT INTO ${ks}.every (${columns}) VALUES (${values.join(', ')})${using}`);
  }
  // Cells written apart from their rows, with timestamps and TTLs of their own; nulls; a
  // partition with its static cell only; a row with its key only.
  await origin.execute(`UPDATE ${ks}.every USING TIMESTAMP 1800000000000000 AND TTL 7200 SET t = 'later' WHERE id = 0 AND ck = maxTimeuuid('2030-01-01')`);
  await origin.execute(`UPDATE ${ks}.every USING TIMESTAMP 1800000000000001 SET st = st + {9} WHERE id = 7919 AND ck = minTimeuuid('2020-01-01')`);
  // A set and a map whose elements were written at different times, some with a TTL.
  await origin.execute(`INSERT INTO ${ks}.every (id, ck, st, m) VALUES (515151, minTimeuuid('2021-01-01'), {1, 2}, {'a': [1]}) USING TIMESTAMP 1700000000000000`);
  await origin.execute(`UPDATE ${ks}.every USING TIMESTAMP 1800000000000000 AND TTL 5000 SET st = st + {3}, m = m + {'b': [2]} WHERE id = 515151 AND ck = minTimeuuid('2021-01-01')`);
  // Numbers toJson would write as null.
  await origin.execute(`INSERT INTO ${ks}.every (id, ck, f, db) VALUES (616161, minTimeuuid('2022-01-01'), NaN, -Infinity)`);
  await origin.execute(`INSERT INTO ${ks}.every (id, ck, f, db) VALUES (616161, minTimeuuid('2022-01-02'), -0.0, Infinity)`);
  await origin.execute(`INSERT INTO ${ks}.every (id, s) VALUES (424242, 'only static')`);
  await origin.execute(`INSERT INTO ${ks}.every (id, ck) VALUES (434343, now())`);
  await syncSchema(origin, target, [`${ks}.every`]);
  const schema = (await readSchema(origin, [ks])).keyspaces.get(ks)!;
  plan = copyPlan(schema.tables.get('every')!, new Set(schema.types.keys()));
});

after(async () => {
  await origin.shutdown();
  await target.shutdown();
});

/** Every row of the table, as a chunk holds it, in token order. */
async function everything(client: cassandra.Client): Promise<StagedRow[]> {
  const rows: StagedRow[] = [];
  for await (const page of rangePages(client, plan, { start: MIN_TOKEN, end: MAX_TOKEN })) rows.push(...page.map((row) => stagedRow(plan, row, Date.now() / 1000)));
  return rows;
}

/** The same rows, keys, values (byte for byte) and writetimes; expiries are taken at each read, from TTLs that count down meanwhile: equal within a second or two. */
function assertSameData(copied: StagedRow[], source: StagedRow[]): void {
  assert.equal(copied.length, source.length);
  const columns = chunkColumns(plan).slice(plan.partitionKey.length + plan.clustering.length);
  source.forEach((row, r) => {
    const there = copied[r]!;
    assert.deepEqual([there.token, there.key], [row.token, row.key], `row ${r}`);
    row.cells.forEach((cell, i) => {
      const other = there.cells[i] ?? null;
      const what = `${columns[i]} of row ${r}`;
      if (cell === null || other === null) return assert.equal(other, cell, what);
      assert.equal(other.value.toString('hex'), cell.value.toString('hex'), what);
      const [here, source] = [other.elements ?? [other], cell.elements ?? [cell]];
      assert.equal(here.length, source.length, what);
      source.forEach((t, e) => {
        assert.equal(here[e]!.writetime.toString('hex'), t.writetime.toString('hex'), `${what}: writetime`);
        assert.ok(t.expires === 0 ? here[e]!.expires === 0 : Math.abs(here[e]!.expires - t.expires) <= 2, `${what}: expires ${here[e]!.expires} on target, ${t.expires} on origin`);
      });
    });
  });
}

it('copies every kind of column through S3 keeping values, writetimes and the remaining TTLs; loading again changes nothing', { timeout }, async () => {
  const chunks = planChunks([{ name: `${ks}.every`, estimatedBytes: 0 }], { chunkBytes: 1, minChunks: 4, maxChunks: 4 });
  const unloaded = [];
  for (const chunk of chunks) unloaded.push(await unloadChunk(origin, staging, plan, chunk, `${ks}/every/chunk-${chunk.chunk}.avro`));
  assert.equal(unloaded.reduce((sum, u) => sum + u.rows, 0), 47, 'every row, the static-only partition included, once');
  for (const chunk of unloaded) await loadChunk(target, staging, plan, chunk, load);
  const source = await everything(origin);
  assertSameData(await everything(target), source);
  assert.ok((await target.execute(`SELECT d FROM ${ks}.every`)).rows.every((row) => row['d'] === null || String(row['d']) === '1.10'), 'decimals keep their scale');
  const odd = (await target.execute(`SELECT f, db FROM ${ks}.every WHERE id = 616161`)).rows.map((row) => [row['f'], row['db']] as number[]);
  assert.deepEqual([Number.isNaN(odd[0]![0]), odd[0]![1], Object.is(odd[1]![0], -0), odd[1]![1]], [true, -Infinity, true, Infinity], 'NaN, the infinities and -0 are copied as they are');
  const st = plan.columns.findIndex((c) => c.name === 'st');
  assert.ok(source.some((row) => new Set(row.cells[st]?.elements?.map((e) => e.writetime.toString('hex'))).size > 1), "a set's elements keep writetimes of their own");
  // The driver read a list holding nulls (no TTL) as all nulls, and target lost the TTLs (patches/cassandra-driver+4.10.0.patch).
  const elementTtls = async (client: cassandra.Client) => ((await client.execute(`SELECT ttl(st) AS t FROM ${ks}.every WHERE id = 515151`)).first()['t'] as (number | null)[]).map((t) => (t === null ? null : Math.round(t / 1000)));
  assert.deepEqual(await elementTtls(origin), [null, null, 5], 'origin: elements 1 and 2 without a TTL, 3 with one');
  assert.deepEqual(await elementTtls(target), await elementTtls(origin), "target: each element's TTL");

  for (const chunk of unloaded) await loadChunk(target, staging, plan, chunk, load);
  assertSameData(await everything(target), source);
});

it('the check finds every range equal on both sides, then names the one range a changed row is in, and the row', { timeout }, async () => {
  const ranges = splitRing(4);
  assert.deepEqual((await Promise.all(ranges.map((r) => checkRange(origin, target, plan, r, QUIET)))).map((c) => c.matches), [true, true, true, true]);
  await target.execute(`UPDATE ${ks}.every SET t = 'changed on target only' WHERE id = 434343 AND ck = ?`, [(await target.execute(`SELECT ck FROM ${ks}.every WHERE id = 434343`)).first()['ck']], { prepare: true });
  const checks = await Promise.all(ranges.map((r) => checkRange(origin, target, plan, r, QUIET)));
  assert.deepEqual(checks.filter((c) => !c.matches).map((c) => [c.differences, c.examples.map((d) => [firstKey(d.key), d.kind])]), [[1, [['434343', 'values']]]]);
  assert.equal(checks.reduce((sum, c) => sum + c.rows.origin, 0), 47);
});

it('the check tells writes in flight from rows that differ: a range written to throughout matches, a row lost or changed on one side long ago does not', { timeout }, async () => {
  await origin.execute(`CREATE TABLE ${ks}.live (id int PRIMARY KEY, v int)`);
  await syncSchema(origin, target, [`${ks}.live`]);
  const both = (cql: string, params: unknown[]) => Promise.all([origin, target].map((c) => c.execute(cql, params, { prepare: true })));
  await cassandra.concurrent.executeConcurrent(origin, `INSERT INTO ${ks}.live (id, v) VALUES (?, ?) USING TIMESTAMP 1000`, Array.from({ length: 3000 }, (_, id) => [id, id]));
  await cassandra.concurrent.executeConcurrent(target, `INSERT INTO ${ks}.live (id, v) VALUES (?, ?) USING TIMESTAMP 1000`, Array.from({ length: 3000 }, (_, id) => [id, id]));
  const live = copyPlan((await readSchema(origin, [ks])).keyspaces.get(ks)!.tables.get('live')!, new Set());
  const ring = { start: MIN_TOKEN, end: MAX_TOKEN };
  // The proxy's way: each write to origin, then to target a moment later; new rows, changed rows, deleted rows.
  let writing = true;
  const application = (async () => {
    for (let n = 0; writing; n++) {
      const id = n % 2900; // not the rows changed below
      if (n % 5 === 4) {
        await origin.execute(`DELETE FROM ${ks}.live WHERE id = ?`, [id], { prepare: true });
        await delay(5);
        await target.execute(`DELETE FROM ${ks}.live WHERE id = ?`, [id], { prepare: true });
      } else {
        const at = cassandra.types.Long.fromNumber(Date.now() * 1000);
        await origin.execute(`INSERT INTO ${ks}.live (id, v) VALUES (?, ?) USING TIMESTAMP ?`, [id, n, at], { prepare: true });
        await delay(5);
        await target.execute(`INSERT INTO ${ks}.live (id, v) VALUES (?, ?) USING TIMESTAMP ?`, [id, n, at], { prepare: true });
      }
    }
  })();
  try {
    for (let look = 0; look < 3; look++) {
      const check = await checkRange(origin, target, live, ring);
      assert.equal(check.matches, true, `look ${look}: ${check.differences} rows differ, e.g. ${JSON.stringify(check.examples, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
    }
  } finally {
    writing = false;
    await application;
  }
  // Differences that do not pass: a row missing on target, a value changed on origin, both written long ago.
  await target.execute(`DELETE FROM ${ks}.live USING TIMESTAMP 2000 WHERE id = 2999`);
  await origin.execute(`UPDATE ${ks}.live USING TIMESTAMP 2000 SET v = -1 WHERE id = 2998`);
  await both(`UPDATE ${ks}.live USING TIMESTAMP 2000 SET v = -2 WHERE id = ?`, [2997]);
  const check = await checkRange(origin, target, live, ring, { retryMs: 100 });
  assert.equal(check.matches, false);
  assert.deepEqual(check.examples.map((d) => [firstKey(d.key), d.kind]).sort(), [['2998', 'values'], ['2999', 'missing-on-target']]);
});

it('keeps a row target refuses out, with the reason, and loads the rest; the check leaves it out on both sides', { timeout }, async () => {
  await origin.execute(`CREATE TABLE ${ks}.files (id int PRIMARY KEY, name text, body blob)`);
  await syncSchema(origin, target, [`${ks}.files`]);
  for (let id = 0; id < 5; id++) {
    // 6 MiB is over target's limit on a write (5 MiB), not origin's.
    const body = Buffer.alloc(id === 3 ? 6 * 2 ** 20 : 10, id);
    await origin.execute(`INSERT INTO ${ks}.files (id, name, body) VALUES (?, ?, ?)`, [id, `file ${id}`, body], { prepare: true });
  }
  const schema = (await readSchema(origin, [ks])).keyspaces.get(ks)!;
  const files = copyPlan(schema.tables.get('files')!, new Set());
  const key = `${ks}/files/chunk-00000.avro`;
  await unloadChunk(origin, staging, files, { keyspace: ks, table: 'files', chunk: 0, rangeStart: MIN_TOKEN, rangeEnd: MAX_TOKEN }, key);
  const loaded = await loadChunk(target, staging, files, { key }, load);
  assert.equal(loaded.rows, 4);
  assert.deepEqual(loaded.badRows.map((bad) => bad.row.key[0]!.readInt32BE()), [3]);
  assert.match(loaded.badRows[0]!.reason, /oversized mutation/);
  assert.deepEqual((await target.execute(`SELECT id FROM ${ks}.files`)).rows.map((row) => row['id'] as number).sort(), [0, 1, 2, 4]);

  const ring = { start: MIN_TOKEN, end: MAX_TOKEN };
  assert.equal((await checkRange(origin, target, files, ring, QUIET)).matches, false, 'the bad row is missing on target');
  const check = await checkRange(origin, target, files, ring, { ...QUIET, skip: new Set(loaded.badRows.map((bad) => rowKey(bad.row))) });
  assert.deepEqual([check.matches, check.rows], [true, { origin: 4, target: 4 }]);

  await writeBadRows(staging, badRowsKey(key), files, loaded.badRows);
  const object = await staging.s3.send(new GetObjectCommand({ Bucket: staging.bucket, Key: `${ks}/files/chunk-00000.bad-rows.csv` }));
  const [header, row] = parse(await object.Body!.transformToString());
  assert.deepEqual(header, [...chunkColumns(files), 'reason']);
  assert.deepEqual([row![0], row![header.indexOf('name')], row!.at(-1)], ['0x00000003', `0x${Buffer.from('file 3').toString('hex')}`, loaded.badRows[0]!.reason], 'values as CQL blob literals of their bytes');
});

it('loads no faster than the rate it is given', { timeout }, async () => {
  await origin.execute(`CREATE TABLE ${ks}.paced (id int PRIMARY KEY, v int)`);
  await syncSchema(origin, target, [`${ks}.paced`]);
  await Promise.all(Array.from({ length: 600 }, (_, id) => origin.execute(`INSERT INTO ${ks}.paced (id, v) VALUES (?, ?)`, [id, id], { prepare: true })));
  const schema = (await readSchema(origin, [ks])).keyspaces.get(ks)!;
  const paced = copyPlan(schema.tables.get('paced')!, new Set());
  const key = `${ks}/paced/chunk-00000.avro`;
  await unloadChunk(origin, staging, paced, { keyspace: ks, table: 'paced', chunk: 0, rangeStart: MIN_TOKEN, rangeEnd: MAX_TOKEN }, key);
  const started = performance.now();
  const loaded = await loadChunk(target, staging, paced, { key }, { concurrency: 64, rate: 1000 });
  const seconds = (performance.now() - started) / 1000;
  assert.equal(loaded.writes, 600);
  assert.ok(seconds >= 0.6, `600 writes at 1000/s took ${seconds.toFixed(2)} s`);
});

it('copies the row marker with the row\'s oldest cells: a row whose cells are all nulled after the copy stays on target as on origin', { timeout }, async () => {
  await origin.execute(`CREATE TABLE ${ks}.marked (id int, ck int, s text STATIC, v text, w int, tags set<int>, PRIMARY KEY (id, ck))`);
  await syncSchema(origin, target, [`${ks}.marked`]);
  await origin.execute(`INSERT INTO ${ks}.marked (id, ck, v, w) VALUES (1, 1, 'a', 1) USING TIMESTAMP 1000`);
  await origin.execute(`INSERT INTO ${ks}.marked (id, ck, v) VALUES (2, 1, 'b') USING TIMESTAMP 1000`);
  await origin.execute(`UPDATE ${ks}.marked USING TIMESTAMP 2000 SET w = 2 WHERE id = 2 AND ck = 1`);
  await origin.execute(`INSERT INTO ${ks}.marked (id, ck, s, tags) VALUES (3, 1, 'static', {1, 2}) USING TIMESTAMP 1000`);
  await origin.execute(`INSERT INTO ${ks}.marked (id, ck, v) VALUES (3, 2, 'c') USING TIMESTAMP 1000`);
  const schema = (await readSchema(origin, [ks])).keyspaces.get(ks)!;
  const marked = copyPlan(schema.tables.get('marked')!, new Set());
  const key = `${ks}/marked/chunk-00000.avro`;
  await unloadChunk(origin, staging, marked, { keyspace: ks, table: 'marked', chunk: 0, rangeStart: MIN_TOKEN, rangeEnd: MAX_TOKEN }, key);
  await loadChunk(target, staging, marked, { key }, load);
  // What the proxy dual-writes once the chunk is copied: every cell of each row nulled.
  for (const client of [origin, target]) {
    await client.execute(`UPDATE ${ks}.marked USING TIMESTAMP 3000 SET v = null, w = null WHERE id IN (1, 2) AND ck = 1`);
    await client.execute(`UPDATE ${ks}.marked USING TIMESTAMP 3000 SET tags = null WHERE id = 3 AND ck = 1`);
    await client.execute(`DELETE FROM ${ks}.marked USING TIMESTAMP 3000 WHERE id = 3 AND ck = 2`);
  }
  const rows = async (client: cassandra.Client) => (await client.execute(`SELECT * FROM ${ks}.marked`)).rows.map((r) => JSON.stringify(r)).sort();
  const there = await rows(origin);
  assert.equal(there.length, 3, 'origin keeps the rows (their markers), cells nulled');
  assert.deepEqual(await rows(target), there);
});

it('copies a list the application appends to between unload and load: the copy\'s elements go before the new ones, older elements go, and loading again changes nothing', { timeout }, async () => {
  await origin.execute(`CREATE TABLE ${ks}.lists (id int PRIMARY KEY, l list<text>)`);
  await syncSchema(origin, target, [`${ks}.lists`]);
  await origin.execute(`INSERT INTO ${ks}.lists (id, l) VALUES (1, ['a', 'b']) USING TIMESTAMP 1000`);
  await origin.execute(`INSERT INTO ${ks}.lists (id, l) VALUES (2, ['x', 'y']) USING TIMESTAMP 3000`);
  await target.execute(`INSERT INTO ${ks}.lists (id, l) VALUES (2, ['stale']) USING TIMESTAMP 500`);
  const lists = copyPlan((await readSchema(origin, [ks])).keyspaces.get(ks)!.tables.get('lists')!, new Set());
  const key = `${ks}/lists/chunk-00000.avro`;
  await unloadChunk(origin, staging, lists, { keyspace: ks, table: 'lists', chunk: 0, rangeStart: MIN_TOKEN, rangeEnd: MAX_TOKEN }, key);
  // Through the proxy, after the unload read the list: on both clusters.
  for (const client of [origin, target]) await client.execute(`UPDATE ${ks}.lists USING TIMESTAMP 2000 SET l = l + ['c'] WHERE id = 1`);
  const read = async (client: cassandra.Client) => (await client.execute(`SELECT id, l, writetime(l) AS w FROM ${ks}.lists`)).rows.map((r) => JSON.stringify([r['id'], r['l'], (r['w'] as unknown[]).map(String)])).sort();
  await loadChunk(target, staging, lists, { key }, load);
  assert.deepEqual(await read(origin), ['[1,["a","b","c"],["1000","1000","2000"]]', '[2,["x","y"],["3000","3000"]]']);
  assert.deepEqual(await read(target), await read(origin));
  await loadChunk(target, staging, lists, { key }, load);
  assert.deepEqual(await read(target), await read(origin), 'loaded again: no element twice');
});

it('gives each cell the TTL that remains when it is written, however long after the read: target never outlives origin', { timeout }, async () => {
  await origin.execute(`CREATE TABLE ${ks}.expiring (id int PRIMARY KEY, v int)`);
  await syncSchema(origin, target, [`${ks}.expiring`]);
  await cassandra.concurrent.executeConcurrent(origin, `INSERT INTO ${ks}.expiring (id, v) VALUES (?, ?) USING TTL 3600`, Array.from({ length: 4500 }, (_, id) => [id, id]));
  const schema = (await readSchema(origin, [ks])).keyspaces.get(ks)!;
  const expiring = copyPlan(schema.tables.get('expiring')!, new Set());
  const key = `${ks}/expiring/chunk-00000.avro`;
  await unloadChunk(origin, staging, expiring, { keyspace: ks, table: 'expiring', chunk: 0, rangeStart: MIN_TOKEN, rangeEnd: MAX_TOKEN }, key);
  // 4,500 writes at 1,000 a second, in slices of 2,000: the last rows are written 4 s after the first.
  await loadChunk(target, staging, expiring, { key }, { concurrency: 64, rate: 1000 });
  const ttls = async (client: cassandra.Client) => new Map((await client.execute(`SELECT id, ttl(v) AS t FROM ${ks}.expiring`, [], { fetchSize: 5000 })).rows.map((r) => [r['id'] as number, r['t'] as number]));
  const [there, here] = await Promise.all([ttls(origin), ttls(target)]);
  assert.equal(here.size, 4500);
  const late = [...here].filter(([id, ttl]) => ttl > there.get(id)! + 1);
  assert.deepEqual(late, [], 'rows whose TTL on target ends after origin\'s');
  assert.ok([...here].every(([id, ttl]) => ttl >= there.get(id)! - 2), 'nor much before it');
});

it('stops a load before its next write once it is no longer wanted (a newer round began): the rest of the chunk is not written', { timeout }, async () => {
  await origin.execute(`CREATE TABLE ${ks}.superseded (id int PRIMARY KEY, v int)`);
  await syncSchema(origin, target, [`${ks}.superseded`]);
  await cassandra.concurrent.executeConcurrent(origin, `INSERT INTO ${ks}.superseded (id, v) VALUES (?, ?)`, Array.from({ length: 4500 }, (_, id) => [id, id]));
  const superseded = copyPlan((await readSchema(origin, [ks])).keyspaces.get(ks)!.tables.get('superseded')!, new Set());
  const key = `${ks}/superseded/chunk-00000.avro`;
  await unloadChunk(origin, staging, superseded, { keyspace: ks, table: 'superseded', chunk: 0, rangeStart: MIN_TOKEN, rangeEnd: MAX_TOKEN }, key);
  let asked = 0;
  // Wanted for the first slice and its first two batches (of at most 32 rows), then no more.
  const loaded = await loadChunk(target, staging, superseded, { key }, { ...load, current: () => ++asked <= 3 });
  assert.equal(loaded.abandoned, true);
  const written = Number((await target.execute(`SELECT count(*) AS n FROM ${ks}.superseded`)).first()['n']);
  assert.ok(written > 0 && written <= 64, `${written} rows written: two batches, and no more`);
});

it("copies a counter table by adding to target the difference from origin's counts, so increments dual-written meanwhile are not counted twice, and loading again adds nothing", { timeout }, async () => {
  await origin.execute(`CREATE TABLE ${ks}.hits (page text, day int, views counter, clicks counter, PRIMARY KEY (page, day))`);
  await syncSchema(origin, target, [`${ks}.hits`]);
  const add = (client: cassandra.Client, page: string, day: number, views: number, clicks: number) =>
    client.execute(`UPDATE ${ks}.hits SET views = views + ?, clicks = clicks + ? WHERE page = ? AND day = ?`, [cassandra.types.Long.fromNumber(views), cassandra.types.Long.fromNumber(clicks), page, day], { prepare: true });
  for (let n = 0; n < 30; n++) await add(origin, `/p/${n % 7}`, n, n * 10, n);
  // The proxy dual-writes increments made once the migration started: they are on both sides.
  await add(origin, '/p/1', 1, 5, 5);
  await add(target, '/p/1', 1, 5, 5);
  const schema = (await readSchema(origin, [ks])).keyspaces.get(ks)!;
  const hits = copyPlan(schema.tables.get('hits')!, new Set());
  const key = `${ks}/hits/chunk-00000.avro`;
  await unloadChunk(origin, staging, hits, { keyspace: ks, table: 'hits', chunk: 0, rangeStart: MIN_TOKEN, rangeEnd: MAX_TOKEN }, key);
  const counts = async (client: cassandra.Client) => (await client.execute(`SELECT page, day, views, clicks FROM ${ks}.hits`)).rows.map((r) => `${String(r['page'])}/${String(r['day'])}: ${String(r['views'])} ${String(r['clicks'])}`).sort();
  const loaded = await loadCounterChunk(origin, target, staging, hits, { key }, load);
  assert.equal(loaded.rows, 30);
  assert.deepEqual(await counts(target), await counts(origin));
  assert.ok((await counts(target)).includes('/p/1/1: 15 6'), 'the dual-written increment counted once');
  const again = await loadCounterChunk(origin, target, staging, hits, { key }, load);
  assert.equal(again.writes, 0, 'nothing to add');
  assert.deepEqual(await counts(target), await counts(origin));
  assert.equal((await checkRange(origin, target, hits, { start: MIN_TOKEN, end: MAX_TOKEN }, QUIET)).matches, true);
});

it('copies a partition larger than a page, read page by page within it', { timeout }, async () => {
  await origin.execute(`CREATE TABLE ${ks}.events (device int, at int, reading text, PRIMARY KEY (device, at))`);
  await syncSchema(origin, target, [`${ks}.events`]);
  // 5,000 rows of one partition: five pages of unload's 1,000.
  for (let from = 0; from < 5000; from += 500) {
    await Promise.all(Array.from({ length: 500 }, (_, i) => origin.execute(`INSERT INTO ${ks}.events (device, at, reading) VALUES (1, ?, ?)`, [from + i, `r${from + i}`], { prepare: true })));
  }
  await origin.execute(`INSERT INTO ${ks}.events (device, at, reading) VALUES (2, 0, 'small')`);
  const schema = (await readSchema(origin, [ks])).keyspaces.get(ks)!;
  const events = copyPlan(schema.tables.get('events')!, new Set());
  const key = `${ks}/events/chunk-00000.avro`;
  const unloaded = await unloadChunk(origin, staging, events, { keyspace: ks, table: 'events', chunk: 0, rangeStart: MIN_TOKEN, rangeEnd: MAX_TOKEN }, key);
  assert.equal(unloaded.rows, 5001);
  await loadChunk(target, staging, events, { key }, load);
  const count = async (client: cassandra.Client) => (await client.execute(`SELECT count(*) AS n FROM ${ks}.events WHERE device = 1`)).first()['n'] as cassandra.types.Long;
  assert.equal(Number(await count(target)), 5000);
  assert.deepEqual(await checkRange(origin, target, events, { start: MIN_TOKEN, end: MAX_TOKEN }, QUIET), { range: { start: MIN_TOKEN, end: MAX_TOKEN }, rows: { origin: 5001, target: 5001 }, matches: true, differences: 0, examples: [], complete: true, originRead: true });
});

it('copies byte for byte what a JSON rendering changes: NaN and the infinities inside collections and user types, IPv4-mapped IPv6 addresses', { timeout }, async () => {
  await origin.execute(`CREATE TYPE ${ks}.point (x double, y float)`);
  await origin.execute(`CREATE TABLE ${ks}.series (id int PRIMARY KEY, points list<double>, at frozen<point>, live point, weights map<double, int>, ip inet)`);
  await syncSchema(origin, target, [`${ks}.series`]);
  // Bound as values: Cassandra parses an address written in CQL to its 4 bytes (and keeps an element of a set so, whichever way it came).
  const mapped = (v4: string) => new cassandra.types.InetAddress(Buffer.concat([Buffer.from('00000000000000000000ffff', 'hex'), Buffer.from(v4.split('.').map(Number))]));
  await origin.execute(`INSERT INTO ${ks}.series (id, points, at, live, weights, ip) VALUES (?, ?, ?, ?, {NaN: 1, Infinity: 2}, ?)`, [1, [1.5, NaN, -Infinity, -0], { x: NaN, y: Infinity }, { x: -Infinity, y: NaN }, mapped('192.0.2.128')], { prepare: true });
  const schema = (await readSchema(origin, [ks])).keyspaces.get(ks)!;
  const series = copyPlan(schema.tables.get('series')!, new Set(schema.types.keys()));
  const key = `${ks}/series/chunk-00000.avro`;
  const ring = { start: MIN_TOKEN, end: MAX_TOKEN };
  const unloaded = await unloadChunk(origin, staging, series, { keyspace: ks, table: 'series', chunk: 0, ...{ rangeStart: MIN_TOKEN, rangeEnd: MAX_TOKEN } }, key);
  const loaded = await loadChunk(target, staging, series, { key }, load);
  assert.deepEqual([loaded.rows, loaded.badRows, loaded.sha256], [1, [], unloaded.sha256]);
  // Read back with the driver's own types, independently of the copy's bytes.
  const read = async (client: cassandra.Client) => {
    const row = (await client.execute(`SELECT * FROM ${ks}.series WHERE id = 1`)).first();
    const points = row['points'] as number[];
    return {
      points: points.map((p) => (Object.is(p, -0) ? '-0' : String(p))),
      at: Object.values(row['at'] as object).map(String),
      live: Object.values(row['live'] as object).map(String),
      weights: Object.entries(row['weights'] as Record<string, number>).map(([k, v]) => `${k}=${v}`).sort(),
      ip: (row['ip'] as cassandra.types.InetAddress).getBuffer().toString('hex'),
    };
  };
  const there = await read(origin);
  assert.deepEqual(there, { points: ['1.5', 'NaN', '-Infinity', '-0'], at: ['NaN', 'Infinity'], live: ['-Infinity', 'NaN'], weights: ['Infinity=2', 'NaN=1'], ip: '00000000000000000000ffffc0000280' });
  assert.deepEqual(await read(target), there);
  const check = await checkRange(origin, target, series, ring, { ...QUIET, staged: { sha256: loaded.sha256, rows: loaded.rows } });
  assert.deepEqual([check.matches, check.originRead], [true, false], 'target hashes as the staged rows: origin is not read again');
});

it("reads origin again only where target's rows do not hash as the staged ones did", { timeout }, async () => {
  await origin.execute(`CREATE TABLE ${ks}.hashed (id int, ck int, s int STATIC, v text, tags set<int>, PRIMARY KEY (id, ck))`);
  await syncSchema(origin, target, [`${ks}.hashed`]);
  await cassandra.concurrent.executeConcurrent(origin, `INSERT INTO ${ks}.hashed (id, ck, s, v, tags) VALUES (?, ?, ?, ?, ?) USING TTL 3600`, Array.from({ length: 300 }, (_, n) => [n % 30, n, n, `v${n}`, [n, n + 1]]));
  await origin.execute(`UPDATE ${ks}.hashed USING TIMESTAMP 1800000000000000 SET tags = tags + {7} WHERE id = 1 AND ck = 1`);
  const hashed = copyPlan((await readSchema(origin, [ks])).keyspaces.get(ks)!.tables.get('hashed')!, new Set());
  const key = `${ks}/hashed/chunk-00000.avro`;
  const unloaded = await unloadChunk(origin, staging, hashed, { keyspace: ks, table: 'hashed', chunk: 0, rangeStart: MIN_TOKEN, rangeEnd: MAX_TOKEN }, key);
  const loaded = await loadChunk(target, staging, hashed, { key }, load);
  assert.equal(loaded.sha256, unloaded.sha256, 'the load read back what the unload staged');
  const ring = { start: MIN_TOKEN, end: MAX_TOKEN };
  const staged = { sha256: loaded.sha256, rows: loaded.rows };
  const quick = await checkRange(origin, target, hashed, ring, { ...QUIET, staged });
  assert.deepEqual([quick.matches, quick.originRead, quick.rows], [true, false, { origin: 300, target: 300 }]);
  // Written through the proxy since the unload: on both sides, so target no longer hashes as staged, and both are compared.
  for (const client of [origin, target]) await client.execute(`UPDATE ${ks}.hashed USING TIMESTAMP 1900000000000000 SET v = 'new' WHERE id = 1 AND ck = 1`);
  const again = await checkRange(origin, target, hashed, ring, { ...QUIET, staged });
  assert.deepEqual([again.matches, again.originRead, again.rows], [true, true, { origin: 300, target: 300 }]);
  // Changed on target alone: a difference, found row by row.
  await target.execute(`UPDATE ${ks}.hashed USING TIMESTAMP 1 SET v = 'old' WHERE id = 2 AND ck = 2`);
  await target.execute(`DELETE FROM ${ks}.hashed WHERE id = 3 AND ck = 3`);
  const changed = await checkRange(origin, target, hashed, ring, { ...QUIET, staged, attempts: 1 });
  assert.deepEqual([changed.matches, changed.differences, changed.examples.map((d) => d.kind).sort()], [false, 1, ['missing-on-target']], 'a write older than the cell changes nothing; the deleted row is missing');
});
