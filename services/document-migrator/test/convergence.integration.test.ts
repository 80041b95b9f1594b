import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { collectionDdl, parseDocument, shred, type CollectionRow, type DocObject } from '@cutover/collection-table';
import { loadConfig } from '@cutover/config';
import { cassandraClient } from '@cutover/stack';
import cassandra from 'cassandra-driver';
import { documentDelete, documentUpsert, type Statement } from '../src/index.ts';

/**
 * The rule the document migrator relies on: each version of a document written at MongoDB's own
 * time for it, a delete a tombstone at its time, target ends with MongoDB's last version
 * whatever order they are loaded in, and loading any of them again changes nothing.
 */
const keyspace = `converge_${randomBytes(3).toString('hex')}`;
const target = cassandraClient(loadConfig().target);

before(async () => {
  await target.execute(`CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  for (const statement of collectionDdl(keyspace, 'docs')) await target.execute(statement);
});

after(async () => {
  await target.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  await target.shutdown();
});

function row(json: string): CollectionRow {
  const r = shred(parseDocument(json) as DocObject);
  assert.ok('key' in r);
  return r;
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** What target holds of a document: every column but tx_id, as text. */
async function stored(id: string): Promise<string | undefined> {
  const result = await target.execute(`SELECT doc_json, exist_keys, array_size, array_contains, query_bool_values, query_dbl_values, query_text_values, query_timestamp_values, query_null_values, writetime(doc_json) AS at FROM ${keyspace}.docs WHERE key = (1, ?)`, [id], { prepare: true });
  const first = result.first();
  // The driver's decimals and longs as their text; sets, maps and strings as they are.
  const text = (v: unknown): unknown => (v instanceof cassandra.types.BigDecimal || v instanceof cassandra.types.Long ? v.toString() : v);
  return first === null ? undefined : JSON.stringify({ ...first }, (_, v: unknown) => text(v));
}

async function apply(statements: readonly Statement[]): Promise<void> {
  for (const s of statements) await target.execute(s.query, s.params as unknown[], { prepare: true });
}

it('ends with the last version in every order of loading, sets, maps and arrays that shrink included; a loaded-again version changes nothing', { timeout: 120_000 }, async () => {
  const versions = (id: string) => [
    documentUpsert(keyspace, 'docs', row(`{"_id":"${id}","name":"Ann","tags":["a","b","c"],"n":1,"extra":{"x":true}}`), 1_000n),
    documentUpsert(keyspace, 'docs', row(`{"_id":"${id}","name":"Ann B","tags":["z"],"n":2.5,"gone":null}`), 2_000n),
    documentDelete(keyspace, 'docs', [1, id], 3_000n),
    documentUpsert(keyspace, 'docs', row(`{"_id":"${id}","name":"Ann C","tags":[],"when":{"$date":5}}`), 4_000n),
  ];
  await apply([versions('expected').at(-1)!]);
  const last = await stored('expected');
  assert.ok(last !== undefined);
  const orders = permutations([0, 1, 2, 3]);
  for (const [n, order] of orders.entries()) {
    const id = `p${n}`;
    const all = versions(id);
    await apply(order.map((i) => all[i]!));
    assert.equal(await stored(id), last.replaceAll('expected', id), `order ${order.join(',')}`);
    await apply([all[0]!, all[1]!]); // loaded again, late
    assert.equal(await stored(id), last.replaceAll('expected', id), `order ${order.join(',')}, older versions loaded again`);
  }
  // Without the last version, the delete wins over every version before it, in any order.
  for (const [n, order] of permutations([0, 1, 2]).entries()) {
    const all = versions(`d${n}`);
    await apply(order.map((i) => all[i]!));
    assert.equal(await stored(`d${n}`), undefined, `order ${order.join(',')}`);
  }
});
