import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { cassandraClient } from '@cutover/stack';
import cassandra from 'cassandra-driver';
import { estimateTableBytes, splitRing } from '../src/index.ts';

const origin = cassandraClient(loadConfig().origin);
after(() => origin.shutdown());

it("the planned token ranges select every row of a real table exactly once, and the size estimate reads", { timeout: 120_000 }, async () => {
  const ks = `ranges_${randomBytes(3).toString('hex')}`;
  await origin.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await origin.execute(`CREATE TABLE ${ks}.t (id bigint, c int, PRIMARY KEY (id, c))`);
  const insert = `INSERT INTO ${ks}.t (id, c) VALUES (?, ?)`;
  // Random keys, and the keys whose tokens sit at the ends of the ring's values.
  const ids = [...Array.from({ length: 400 }, () => cassandra.types.Long.fromString(randomBytes(8).readBigInt64BE().toString())), cassandra.types.Long.MIN_VALUE, cassandra.types.Long.MAX_VALUE, cassandra.types.Long.ZERO];
  await Promise.all(ids.flatMap((id) => [0, 1].map((c) => origin.execute(insert, [id, c], { prepare: true }))));
  let rows = 0;
  for (const range of splitRing(7)) {
    const result = await origin.execute(`SELECT count(*) AS n FROM ${ks}.t WHERE token(id) > ? AND token(id) <= ?`, [range.start.toString(), range.end.toString()].map((t) => cassandra.types.Long.fromString(t)), { prepare: true });
    rows += Number(result.first()['n']);
  }
  assert.equal(rows, ids.length * 2);
  const estimate = await estimateTableBytes(origin, ks, 't');
  assert.ok(Number.isFinite(estimate) && estimate >= 0, `a usable estimate (${estimate})`);
});
