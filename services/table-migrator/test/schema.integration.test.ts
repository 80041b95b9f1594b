import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { cassandraClient } from '@cutover/stack';
import { MigratorError, readSchema, syncSchema } from '../src/index.ts';

/** The schema step against the stack's real clusters: what origin has, target gets. */
const config = loadConfig();
const origin = cassandraClient(config.origin);
const target = cassandraClient(config.target);
const ks = `schema_${randomBytes(3).toString('hex')}`;
const replication = "{'class': 'SimpleStrategy', 'replication_factor': 1}";
const timeout = 120_000;

before(async () => {
  for (const statement of [
    `CREATE KEYSPACE ${ks} WITH replication = ${replication}`,
    `CREATE TYPE ${ks}.street (name text, number int)`,
    `CREATE TYPE ${ks}."Address" (street frozen<street>, zip text, tags set<text>)`,
    `CREATE TABLE ${ks}."Orders" (id uuid, at timestamp, region text, owner text STATIC, ship_to frozen<"Address">, lines list<frozen<tuple<int, text>>>, attrs map<text, blob>, total decimal, PRIMARY KEY ((id, region), at)) WITH CLUSTERING ORDER BY (at DESC)`,
    `CREATE INDEX orders_by_owner ON ${ks}."Orders" (owner)`,
    `CREATE INDEX orders_by_attr ON ${ks}."Orders" (keys(attrs))`,
    `CREATE INDEX orders_by_total ON ${ks}."Orders" (total) USING 'sai'`,
    `CREATE TABLE ${ks}.counts (id int PRIMARY KEY, hits counter)`,
  ]) {
    await origin.execute(statement);
  }
});

after(async () => {
  await origin.shutdown();
  await target.shutdown();
});

describe('syncSchema', () => {
  it("creates on target the keyspace, types, tables and indexes origin has, and then has nothing left to do", { timeout }, async () => {
    const plan = await syncSchema(origin, target, [`${ks}.Orders`, `${ks}.counts`]);
    assert.equal(plan.statements.length, 8);
    const [there, here] = [await readSchema(origin, [ks]), await readSchema(target, [ks])];
    const strip = (snapshot: typeof there) => {
      const keyspace = snapshot.keyspaces.get(ks)!;
      return { ...keyspace, types: [...keyspace.types.values()], tables: [...keyspace.tables.values()].map((t) => ({ ...t, indexes: [...t.indexes].sort((a, b) => a.name.localeCompare(b.name)) })) };
    };
    assert.deepEqual(strip(here), strip(there));
    assert.deepEqual((await syncSchema(origin, target, [`${ks}.Orders`, `${ks}.counts`])).statements, [], 'a second run changes nothing');
  });

  it('refuses an existing target table that cannot take the data, naming the difference, and changes nothing', { timeout }, async () => {
    await origin.execute(`CREATE TABLE ${ks}.events (id int PRIMARY KEY, payload text, seen boolean)`);
    await target.execute(`CREATE TABLE ${ks}.events (id int PRIMARY KEY, payload blob)`);
    await origin.execute(`CREATE TABLE ${ks}.later (id int PRIMARY KEY)`);
    await assert.rejects(syncSchema(origin, target, [`${ks}.later`, `${ks}.events`]), (error: unknown) => {
      assert.ok(error instanceof MigratorError);
      assert.equal(error.code, 'SCHEMA_INCOMPATIBLE');
      assert.equal(error.message, `target cannot take origin's data: table ${ks}.events: column payload is text on origin, blob on target; table ${ks}.events: column seen boolean is missing on target`);
      return true;
    });
    assert.equal((await readSchema(target, [ks])).keyspaces.get(ks)!.tables.has('later'), false, 'nothing was created');
  });
});
