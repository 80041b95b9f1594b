import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { cassandraClient } from '@cutover/stack';
import cassandra from 'cassandra-driver';
import { collectionDdl, parseDocument, shred, targetName, type DocObject } from '@cutover/collection-table';
import { documentUpsert } from '../src/index.ts';

/** A collection's table made on the stack's Cassandra 5 as the Data API makes it, rows written as it writes them, found through its indexes. */
const keyspace = `docs_${randomBytes(3).toString('hex')}`;
const table = targetName('people-2026.eu');
const target = cassandraClient(loadConfig().target);

before(async () => {
  await target.execute(`CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  for (const statement of collectionDdl(keyspace, table)) await target.execute(statement);
});

after(async () => {
  await target.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  await target.shutdown();
});

it('makes the table, its comment and its eight SAI indexes; rows written as the Data API writes them are found by its filters', async () => {
  assert.equal(table, 'people_2026_eu');
  for (const json of ['{"_id":"a","name":"Bob","tags":["x","y"],"n":10.0,"born":{"$date":86400000},"ok":true,"gone":null}', '{"_id":7,"name":"Ann","tags":[],"n":2}']) {
    const r = shred(parseDocument(json) as DocObject);
    assert.ok('key' in r);
    const { query, params } = documentUpsert(keyspace, table, r, 1_000n);
    await target.execute(query, params as unknown[], { prepare: true });
  }
  const find = async (where: string, params: unknown[]): Promise<string[]> => (await target.execute(`SELECT doc_json FROM ${keyspace}.${table} WHERE ${where}`, params, { prepare: true })).rows.map((row) => row['doc_json'] as string).sort();
  assert.deepEqual(await find(`query_text_values['name'] = ?`, ['Bob']), ['{"_id":"a","name":"Bob","tags":["x","y"],"n":1E+1,"born":{"$date":86400000},"ok":true,"gone":null}']);
  assert.deepEqual(await find('array_contains CONTAINS ?', ['tags Sy']), ['{"_id":"a","name":"Bob","tags":["x","y"],"n":1E+1,"born":{"$date":86400000},"ok":true,"gone":null}']);
  assert.equal((await find(`query_dbl_values['n'] = ?`, [cassandra.types.BigDecimal.fromString('2')])).length, 1);
  assert.equal((await find(`array_size['tags'] = ?`, [0])).length, 1);
  assert.equal((await find('exist_keys CONTAINS ?', ['gone'])).length, 1);
  assert.equal((await find('query_null_values CONTAINS ?', ['gone'])).length, 1);
  assert.equal((await find(`query_timestamp_values['born'] = ?`, [new Date(86_400_000)])).length, 1);
  assert.equal((await find(`query_bool_values['ok'] = ?`, [1])).length, 1);
  assert.deepEqual((await target.execute('SELECT key FROM ' + `${keyspace}.${table}` + ' WHERE key = ?', [new cassandra.types.Tuple(2, '7')], { prepare: true })).rowLength, 1, 'a number _id is the key (2, its text)');
  const schema = await target.execute('SELECT comment FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?', [keyspace, table]);
  assert.deepEqual(JSON.parse(schema.first()['comment'] as string), { collection: { name: table, schema_version: 2, options: { defaultId: { type: '' }, lexical: { enabled: false }, rerank: { enabled: false } } } });
  const indexes = await target.execute('SELECT index_name FROM system_schema.indexes WHERE keyspace_name = ? AND table_name = ?', [keyspace, table]);
  assert.deepEqual(indexes.rows.map((r) => r['index_name'] as string).sort(), ['array_contains', 'array_size', 'exists_keys', 'query_bool_values', 'query_dbl_values', 'query_null_values', 'query_text_values', 'query_timestamp_values'].map((s) => `${table}_${s}`));
});
