import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { REPLICATION, directClients, rowsOf, startProxy, uniqueKeyspace, type TestProxy } from './support.ts';

/** PROXY_REPLACE_NOW_UUID: now() and uuid() store the same value on both clusters. */
const timeout = 60_000;
const ks = uniqueKeyspace('nondet');
let replacing: TestProxy;
let plain: TestProxy;
let direct: ReturnType<typeof directClients>;

before(async () => {
  replacing = await startProxy(19902, { PROXY_REPLACE_NOW_UUID: 'true' });
  plain = await startProxy(19912);
  direct = directClients(replacing.config);
  await replacing.client().execute(`CREATE KEYSPACE ${ks} WITH replication = ${REPLICATION}`);
  await replacing.client().execute(`CREATE TABLE ${ks}.t (id int PRIMARY KEY, at timeuuid, u uuid, v text)`);
  // The day is a partition key column: a time-bucketed table, filled with currentDate().
  await replacing.client().execute(`CREATE TABLE ${ks}.clock (id int, d date, ts timestamp, tm time, tu timeuuid, b bigint, dd date, PRIMARY KEY ((id, d)))`);
});

after(async () => {
  await Promise.all([replacing.stop(), plain.stop()]);
  await direct.shutdown();
});

async function sameOnBoth(ids: number[]): Promise<void> {
  const query = `SELECT id, at, u FROM ${ks}.t WHERE id IN (${ids.join(', ')})`;
  const origin = await rowsOf(direct.origin, query);
  assert.equal(origin.length, ids.length);
  assert.ok((origin as { at: unknown; u: unknown }[]).every((r) => r.at !== null && r.u !== null));
  assert.deepEqual(await rowsOf(direct.target, query), origin);
}

it('without replacement, each cluster evaluates now() and uuid() itself: they differ', { timeout }, async () => {
  await plain.client().execute(`INSERT INTO ${ks}.t (id, at, u) VALUES (1, now(), uuid())`);
  const query = `SELECT at, u FROM ${ks}.t WHERE id = 1`;
  assert.notDeepEqual(await rowsOf(direct.target, query), await rowsOf(direct.origin, query));
});

it('replaces them in simple statements', { timeout }, async () => {
  await replacing.client().execute(`INSERT INTO ${ks}.t (id, at, u) VALUES (2, now(), uuid())`);
  await sameOnBoth([2]);
});

it('replaces them in prepared statements, the client binding only its own variables', { timeout }, async () => {
  const client = replacing.client();
  await client.execute(`INSERT INTO ${ks}.t (id, at, u, v) VALUES (?, now(), uuid(), ?)`, [3, 'prepared'], { prepare: true });
  await client.execute(`INSERT INTO ${ks}.t (id, at, u, v) VALUES (?, now(), uuid(), ?)`, [4, 'again'], { prepare: true });
  await sameOnBoth([3, 4]);
  const rows = await rowsOf(direct.origin, `SELECT id, v FROM ${ks}.t WHERE id IN (3, 4)`);
  assert.deepEqual(rows, [{ id: 3, v: 'prepared' }, { id: 4, v: 'again' }]);
  const record = replacing.sink.mutations.find((m) => m.values.some((v) => v.rendered === "'prepared'"));
  assert.deepEqual(record?.values.map((v) => v.name), ['id', 'at', 'u', 'v'], 'the record shows the generated values too');
});

it('replaces them in batches of simple and prepared statements', { timeout }, async () => {
  await replacing.client().batch(
    [
      { query: `INSERT INTO ${ks}.t (id, at, u) VALUES (5, now(), uuid())` },
      { query: `INSERT INTO ${ks}.t (id, at, u) VALUES (?, now(), uuid())`, params: [6] },
    ],
    { prepare: true },
  );
  await replacing.client().batch([{ query: `INSERT INTO ${ks}.t (id, at, u) VALUES (7, now(), uuid())` }], { prepare: false });
  await sameOnBoth([5, 6, 7]);
});

it("a client binding too many values still gets the cluster's Invalid error", { timeout }, async () => {
  await assert.rejects(replacing.client().execute(`INSERT INTO ${ks}.t (id, at) VALUES (?, now())`, [8, 'extra'], { prepare: true }), (error: { code?: number; message: string }) => {
    assert.equal(error.code, 0x2200);
    assert.match(error.message, /bound variables/);
    return true;
  });
});

/** Both clusters hold the same rows of the clock table, every clock column filled. */
async function sameClockOnBoth(ids: number[], columns = ['ts', 'tm', 'tu', 'b', 'dd']): Promise<void> {
  const query = `SELECT id, d, ${columns.join(', ')} FROM ${ks}.clock WHERE id IN (${ids.join(', ')}) ALLOW FILTERING`;
  const origin = (await rowsOf(direct.origin, query)) as Record<string, unknown>[];
  assert.equal(origin.length, ids.length, `rows ${ids.join(', ')} on origin`);
  for (const row of origin) for (const column of ['d', ...columns]) assert.notEqual(row[column], null, `${column} of row ${String(row.id)}`);
  assert.deepEqual(await rowsOf(direct.target, query), origin);
}

it('without replacement, the clock functions differ between the clusters too', { timeout }, async () => {
  await plain.client().execute(`INSERT INTO ${ks}.clock (id, d, tm, tu) VALUES (100, '2026-01-01', current_time(), currentTimeUUID())`);
  const query = `SELECT tm, tu FROM ${ks}.clock WHERE id = 100 AND d = '2026-01-01'`;
  assert.notDeepEqual(await rowsOf(direct.target, query), await rowsOf(direct.origin, query));
});

it('replaces every spelling of the clock functions Cassandra 5 accepts in simple statements, function arguments included', { timeout }, async () => {
  const client = replacing.client();
  await client.execute(`INSERT INTO ${ks}.clock (id, d, ts, tm, tu, b, dd) VALUES (101, currentDate(), currentTimestamp(), currentTime(), currentTimeUUID(), toUnixTimestamp(currentTimestamp()), toDate(now()))`);
  await client.execute(`INSERT INTO ${ks}.clock (id, d, ts, tm, tu, b, dd) VALUES (102, current_date(), current_timestamp(), current_time(), current_timeuuid(), toUnixTimestamp(current_date()), to_date(current_timestamp()))`);
  await client.execute(`INSERT INTO ${ks}.clock (id, d, ts, tm, tu, b, dd) VALUES (103, CURRENTDATE(), System.CurrentTimestamp(), CURRENT_TIME(), system.currenttimeuuid(), toUnixTimestamp(CurrentTimeUUID()), "current_date"())`);
  await client.execute(`UPDATE ${ks}.clock SET ts = current_timestamp() - 1d, tm = currenttime(), tu = now(), b = toUnixTimestamp(currenttimestamp()), dd = currentdate() WHERE id = 104 AND d = current_date()`);
  await sameClockOnBoth([101, 102, 103, 104]);
});

it('replaces them in prepared statements (positional and named markers) and batches, bound as values the client never sees', { timeout }, async () => {
  const client = replacing.client();
  const insert = `INSERT INTO ${ks}.clock (id, d, ts, tm, tu, b, dd) VALUES (?, currentDate(), current_timestamp(), CurrentTime(), currentTimeUUID(), toUnixTimestamp(current_timestamp()), toDate(now()))`;
  await client.execute(insert, [111], { prepare: true });
  await client.execute(insert, [112], { prepare: true });
  const named = `INSERT INTO ${ks}.clock (id, d, ts, tm, tu, b, dd) VALUES (:id, current_date(), currentTimestamp(), current_time(), now(), :b, currentDate())`;
  await client.execute(named, { b: 7, id: 113 }, { prepare: true });
  await client.batch(
    [
      { query: insert, params: [114] },
      { query: `INSERT INTO ${ks}.clock (id, d, ts, tm, tu, b, dd) VALUES (115, current_date(), currentTimestamp(), currentTime(), current_timeuuid(), toUnixTimestamp(now()), to_date(now()))` },
    ],
    { prepare: true },
  );
  await sameClockOnBoth([111, 112, 113, 114, 115]);
  const record = replacing.sink.mutations.find((m) => m.values[0]?.rendered === '113');
  const generated = (n: number): string => `cutover_generated_${n}`;
  assert.deepEqual(record?.values.map((v) => v.name), ['id', generated(1), generated(2), generated(3), generated(4), 'b', generated(5)], 'the record shows the generated values too, under the markers the proxy named');
  const prepared = await client.execute(`SELECT currentTimestamp() AS now, current_date() AS today FROM system.local`, [], { prepare: true });
  assert.ok(prepared.rows[0]?.get('now') instanceof Date, 'a read with clock functions still prepares (it is left alone)');
});
