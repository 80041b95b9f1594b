import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { cassandraClient } from '@cutover/stack';
import { copyPlan, readSchema, repairTable, verifyTable, type CopyPlan, type TableVerification } from '../src/index.ts';

/**
 * `verifyTable` then `repairTable` on the real clusters: target made equal to origin, with
 * origin's writetimes and TTLs, and no write that lands between the comparison and the repair
 * (the application's, dual-written through the proxy) undone.
 */
const config = loadConfig();
const origin = cassandraClient(config.origin);
const target = cassandraClient(config.target);
const ks = `repair_${randomBytes(3).toString('hex')}`;
const timeout = 120_000;
/** Nothing else writes: every cell compares, however recent. */
const QUIET = { inFlightMs: 0, retryMs: 100, ranges: 4 };
let plan: CopyPlan;

async function both(cql: string, params: unknown[] = []): Promise<void> {
  await Promise.all([origin, target].map((client) => client.execute(cql, params, { prepare: true })));
}

/** Every row of the table on one cluster: values, writetimes, whether v has a TTL. */
async function rows(client: typeof origin): Promise<string[]> {
  const result = await client.execute(`SELECT id, ck, v, writetime(v) AS w, ttl(v) AS t, tags, m, s, writetime(s) AS sw FROM ${ks}.t`);
  return result.rows.map((r) => JSON.stringify([r['id'], r['ck'], r['v'], String(r['w']), r['t'] === null ? 'no ttl' : 'ttl', r['tags'], r['m'], r['s'], String(r['sw'])])).sort();
}

const keys = (v: TableVerification): string[] => v.differences.map((d) => `${d.keyValues[0]!.readInt32BE()}/${d.keyValues[1]?.toString() ?? '-'} ${d.kind}`).sort();

before(async () => {
  for (const client of [origin, target]) {
    await client.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    await client.execute(`CREATE TABLE ${ks}.t (id int, ck text, v text, tags set<text>, m map<text, int>, s int static, PRIMARY KEY (id, ck))`);
  }
  plan = copyPlan((await readSchema(origin, [ks])).keyspaces.get(ks)!.tables.get('t')!, new Set());
  for (let id = 0; id < 20; id++) {
    // Row 1 was never copied: on origin only.
    const insert = `INSERT INTO ${ks}.t (id, ck, v, tags) VALUES (?, 'a', ?, {'x'}) USING TIMESTAMP 1000`;
    await (id === 1 ? origin.execute(insert, [id, `v${id}`], { prepare: true }) : both(insert, [id, `v${id}`]));
  }
});

after(async () => {
  await Promise.all([origin, target].map((client) => client.execute(`DROP KEYSPACE IF EXISTS ${ks}`)));
  await Promise.all([origin.shutdown(), target.shutdown()]);
});

it('makes target what origin is: rows missing or extra, lost writes, cells target alone has, a partition of statics alone; origin writetimes and TTLs kept', { timeout }, async () => {
  await origin.execute(`DELETE FROM ${ks}.t USING TIMESTAMP 1500 WHERE id = 2 AND ck = 'a'`); // deleted on origin only: extra on target
  await origin.execute(`UPDATE ${ks}.t USING TIMESTAMP 2000 AND TTL 86400 SET v = 'newer on origin' WHERE id = 3 AND ck = 'a'`); // a write target lost
  await origin.execute(`UPDATE ${ks}.t USING TIMESTAMP 1500 SET tags = tags + {'y'} WHERE id = 4 AND ck = 'a'`); // an element target lost
  await origin.execute(`DELETE v FROM ${ks}.t USING TIMESTAMP 1500 WHERE id = 5 AND ck = 'a'`); // a cell nulled on origin only
  await target.execute(`UPDATE ${ks}.t USING TIMESTAMP 1200 SET tags = tags + {'z'} WHERE id = 6 AND ck = 'a'`); // an element on target only, older than a write of origin's
  await origin.execute(`UPDATE ${ks}.t USING TIMESTAMP 1500 SET tags = tags + {'w'} WHERE id = 6 AND ck = 'a'`);
  await both(`UPDATE ${ks}.t USING TIMESTAMP 1000 SET m = {'a': 1} WHERE id = 8 AND ck = 'a'`); // a map entry target alone has, one origin alone has
  await target.execute(`UPDATE ${ks}.t USING TIMESTAMP 1200 SET m = m + {'b': 2} WHERE id = 8 AND ck = 'a'`);
  await origin.execute(`UPDATE ${ks}.t USING TIMESTAMP 1500 SET m = m + {'c': 3} WHERE id = 8 AND ck = 'a'`);
  await target.execute(`UPDATE ${ks}.t USING TIMESTAMP 1000 SET s = 9 WHERE id = 100`); // a partition of a static cell alone, on target only
  await origin.execute(`INSERT INTO ${ks}.t (id, ck) VALUES (7, 'key only') USING TIMESTAMP 1000`); // a row of its key alone, missing on target

  const found = await verifyTable(origin, target, plan, QUIET); // row 1: missing on target
  assert.deepEqual(keys(found), ['1/a missing-on-target', '100/- extra-on-target', '2/a extra-on-target', '3/a values', '4/a values', '5/a values', '6/a values', '7/key only missing-on-target', '8/a values']);
  const repair = await repairTable(target, plan, found.differences);
  assert.deepEqual([repair.rows, repair.failed], [9, []]);
  const again = await verifyTable(origin, target, plan, QUIET);
  assert.deepEqual(keys(again), []);
  assert.deepEqual(await rows(target), await rows(origin), 'writetimes and TTL presence too');
});

it('never undoes a write that lands between the comparison and the repair, and leaves a cell target has a newer version of', { timeout }, async () => {
  await origin.execute(`INSERT INTO ${ks}.t (id, ck, v) VALUES (10, 'b', 'never copied') USING TIMESTAMP 1000`); // missing on target
  await origin.execute(`DELETE FROM ${ks}.t USING TIMESTAMP 1500 WHERE id = 11 AND ck = 'a'`); // extra on target
  await origin.execute(`UPDATE ${ks}.t USING TIMESTAMP 2000 SET v = 'lost on target' WHERE id = 12 AND ck = 'a'`); // a lost write
  await target.execute(`UPDATE ${ks}.t USING TIMESTAMP 3000 SET v = 'target only, newer' WHERE id = 13 AND ck = 'a'`); // a write around the proxy, to target

  const found = await verifyTable(origin, target, plan, QUIET);
  assert.deepEqual(keys(found), ['10/b missing-on-target', '11/a extra-on-target', '12/a values', '13/a values']);
  // The application writes each of those rows through the proxy now: both clusters, the proxy's timestamp.
  const now = String(BigInt(Date.now()) * 1000n);
  await both(`INSERT INTO ${ks}.t (id, ck, v) VALUES (10, 'b', 'app 10') USING TIMESTAMP ?`, [now]);
  await both(`INSERT INTO ${ks}.t (id, ck, v) VALUES (11, 'a', 'app 11') USING TIMESTAMP ?`, [now]);
  await both(`UPDATE ${ks}.t USING TIMESTAMP ? SET v = 'app 12' WHERE id = 12 AND ck = 'a'`, [now]);

  const repair = await repairTable(target, plan, found.differences);
  assert.equal(repair.failed.length, 0);
  const v = async (id: number): Promise<unknown> => (await target.execute(`SELECT v FROM ${ks}.t WHERE id = ? AND ck = 'a'`, [id], { prepare: true })).first()?.['v'];
  const v10: unknown = (await target.execute(`SELECT v FROM ${ks}.t WHERE id = 10 AND ck = 'b'`)).first()?.['v'];
  assert.deepEqual([v10, await v(11), await v(12)], ['app 10', 'app 11', 'app 12'], "the application's writes stand");
  assert.equal(await v(13), 'target only, newer', "target's newer version is not undone");
  const again = await verifyTable(origin, target, plan, QUIET);
  assert.deepEqual(keys(again), ['13/a values'], 'only the row target has a newer version of still differs');
});
