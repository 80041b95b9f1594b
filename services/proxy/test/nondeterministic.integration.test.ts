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
