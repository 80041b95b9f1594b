import { cqlString, quoteIdentifier, quoteQualified } from '@cutover/cql-protocol';

/** Cassandra's rule for keyspace and table names: letters, digits and underscores, at most 48. */
const MAX_NAME = 48;

/**
 * The target name of a MongoDB database or collection: each character Cassandra does not take
 * in a keyspace or table name (anything but a letter, a digit or `_`) becomes `_`, cut to 48
 * characters, case kept (the name is quoted). `orders-2024.eu` is `orders_2024_eu`.
 */
export function targetName(mongoName: string): string {
  return mongoName.replace(/[^A-Za-z0-9_]/g, '_').slice(0, MAX_NAME);
}

/** The query columns and how the Data API's SAI indexes each: a set's values, or a map's entries. */
const INDEXED = [
  ['exists_keys', 'values(exist_keys)'],
  ['array_size', 'entries(array_size)'],
  ['array_contains', 'values(array_contains)'],
  ['query_bool_values', 'entries(query_bool_values)'],
  ['query_dbl_values', 'entries(query_dbl_values)'],
  ['query_text_values', 'entries(query_text_values)'],
  ['query_timestamp_values', 'entries(query_timestamp_values)'],
  ['query_null_values', 'values(query_null_values)'],
] as const;

/**
 * The statements that create a collection's table as the Data API does (its
 * CreateCollectionOperation, schema version 2): the key tuple, tx_id, doc_json and the query
 * columns, the comment by which the Data API knows the table for a collection, and an SAI index
 * on each query column (named as the Data API names them: `<table>_exists_keys` for exist_keys).
 * No vector, lexical or rerank options: documents from MongoDB have none.
 */
export function collectionDdl(keyspace: string, table: string): string[] {
  const qualified = quoteQualified(keyspace, table);
  const comment = JSON.stringify({ collection: { name: table, schema_version: 2, options: { defaultId: { type: '' }, lexical: { enabled: false }, rerank: { enabled: false } } } });
  const columns = [
    'key frozen<tuple<tinyint, text>> PRIMARY KEY',
    'tx_id timeuuid',
    'doc_json text',
    'exist_keys set<text>',
    'array_size map<text, int>',
    'array_contains set<text>',
    'query_bool_values map<text, tinyint>',
    'query_dbl_values map<text, decimal>',
    'query_text_values map<text, text>',
    'query_timestamp_values map<text, timestamp>',
    'query_null_values set<text>',
  ];
  return [
    `CREATE TABLE IF NOT EXISTS ${qualified} (${columns.join(', ')}) WITH comment = ${cqlString(comment)}`,
    ...INDEXED.map(([suffix, target]) => `CREATE CUSTOM INDEX IF NOT EXISTS ${quoteIdentifier(`${table}_${suffix}`)} ON ${qualified} (${target}) USING 'StorageAttachedIndex'`),
  ];
}
