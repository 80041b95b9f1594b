/**
 * The baseline verification: what one writes with the driver alone. Every row of origin is
 * read (values, writetimes, whether each cell has a TTL) into memory, then every row of target
 * is compared with it. Prints one JSON line: rows on each side and rows that differ.
 *
 *   node --import tsx bench/verify/baseline.ts <keyspace.table>
 */
import { loadConfig } from '@cutover/config';
import { cassandraClient } from '@cutover/stack';
import type cassandra from 'cassandra-driver';

const [table] = process.argv.slice(2);
if (table === undefined) throw new Error('usage: baseline.ts <keyspace.table>');
const config = loadConfig();
const origin = cassandraClient(config.origin);
const target = cassandraClient(config.target);
const cells = ['name', 'quantity', 'created', 'score'];
const query = `SELECT id, ${cells.map((c) => `${c}, writetime(${c}), ttl(${c})`).join(', ')} FROM ${table}`;

/** Each row of the table, by its key, as a string of its values, writetimes and TTL presence. */
async function eachRow(client: cassandra.Client, onRow: (id: string, row: string) => void): Promise<number> {
  let rows = 0;
  let pageState: string | undefined;
  do {
    const page = await client.execute(query, [], { prepare: true, fetchSize: 5000, readTimeout: 120_000, ...(pageState === undefined ? {} : { pageState }) });
    for (const row of page.rows) {
      rows++;
      onRow(String(row['id']), cells.map((c) => `${String(row[c])}|${String(row[`writetime(${c})`])}|${row[`ttl(${c})`] === null ? '' : 'ttl'}`).join(','));
    }
    pageState = page.pageState;
  } while (pageState !== undefined && pageState !== null);
  return rows;
}

const expected = new Map<string, string>();
const originRows = await eachRow(origin, (id, row) => expected.set(id, row));
let differences = 0;
const targetRows = await eachRow(target, (id, row) => {
  if (expected.get(id) !== row) differences++;
  expected.delete(id);
});
differences += expected.size; // on origin only
console.log(JSON.stringify({ originRows, targetRows, differences }));
await Promise.all([origin.shutdown(), target.shutdown()]);
