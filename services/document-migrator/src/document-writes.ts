import type { CollectionRow } from '@cutover/collection-table';
import { quoteQualified } from '@cutover/cql-protocol';
import cassandra from 'cassandra-driver';

/** A CQL statement and its parameters, as the driver binds them. */
export interface Statement {
  readonly query: string;
  readonly params: readonly unknown[];
}

/** Node and clock of every tx_id we write: a version's tx_id depends on its time alone, so loading it twice writes the same row. */
const NODE = Buffer.from('cutovr');
const CLOCK = Buffer.from([0x0c, 0x07]);

/**
 * Writes a document's version as the Data API's INSERT does, every column at the version's
 * time: a newer version already there keeps every cell (its sets and maps included: the
 * older ones' elements are under its collection tombstones), and an older one is replaced whole.
 */
export function documentUpsert(keyspace: string, table: string, row: CollectionRow, at: bigint): Statement {
  const entries = <V, T>(map: ReadonlyMap<string, V>, as: (v: V) => T): Record<string, T> => Object.fromEntries([...map].map(([k, v]) => [k, as(v)]));
  const micros = Number(at % 1000n);
  const txId = cassandra.types.TimeUuid.fromDate(new Date(Number(at / 1000n)), micros * 10, NODE, CLOCK);
  return {
    query: `INSERT INTO ${quoteQualified(keyspace, table)} (key, tx_id, doc_json, exist_keys, array_size, array_contains, query_bool_values, query_dbl_values, query_text_values, query_timestamp_values, query_null_values) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`,
    params: [
      new cassandra.types.Tuple(...row.key),
      txId,
      row.docJson,
      [...row.existKeys],
      entries(row.arraySize, (n) => n),
      [...row.arrayContains],
      entries(row.queryBoolValues, (b) => b),
      entries(row.queryDblValues, (n) => cassandra.types.BigDecimal.fromString(n.toPlainString())),
      entries(row.queryTextValues, (t) => t),
      entries(row.queryTimestampValues, (ms) => new Date(Number(ms))),
      [...row.queryNullValues],
      cassandra.types.Long.fromString(at.toString()),
    ],
  };
}

/** Deletes a document as of its delete's time: a version written later stays, one written before is gone. */
export function documentDelete(keyspace: string, table: string, key: CollectionRow['key'], at: bigint): Statement {
  return {
    query: `DELETE FROM ${quoteQualified(keyspace, table)} USING TIMESTAMP ? WHERE key = ?`,
    params: [cassandra.types.Long.fromString(at.toString()), new cassandra.types.Tuple(...key)],
  };
}
