import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeValue, type ColumnSpec, type CqlType } from '@cutover/cql-protocol';
import { loadConfig } from '@cutover/config';
import { mismatch, type Rows } from '../src/dual-reads.ts';
import { createLogger } from '../src/logger.ts';
import { PreparedCache } from '../src/prepared-cache.ts';

/** What the proxy's logs may say: no passwords, no row values beyond a mismatched row's partition key. */
const int: CqlType = { kind: 'primitive', name: 'int' };
const text: CqlType = { kind: 'primitive', name: 'varchar' };
const column = (name: string, type: CqlType, table = 't'): ColumnSpec => ({ keyspace: 'ks', table, name, type });
const cell = (value: unknown, type: CqlType): Buffer => encodeValue(value, type, 4)!;

function rows(...values: [number, string, string][]): Rows {
  const columns = [column('id', int), column('day', text), column('secret', text)];
  return { kind: 'rows', metadata: { columnCount: 3, columns }, rows: values.map(([id, day, secret]) => [cell(id, int), cell(day, text), cell(secret, text)]) };
}

describe('a dual read mismatch as logged', () => {
  const key = (): readonly string[] => ['id', 'day'];

  it('names the row by its partition key and the columns that differ, and shows no other value', () => {
    const logged = mismatch(rows([1, 'mon', 'origin A']), rows([1, 'mon', 'target B']), 0, 4, 'origin', key);
    assert.deepEqual(logged, { table: 'ks.t', row: 0, key: { origin: "id=1, day='mon'", target: "id=1, day='mon'" }, columns: ['secret'], rows: { origin: 1, target: 1 } });
    assert.doesNotMatch(JSON.stringify(logged), /origin A|target B/);
  });

  it('says which side has no row, and the other side key', () => {
    const logged = mismatch(rows([1, 'mon', 'a'], [2, 'tue', 'b']), rows([1, 'mon', 'a']), 1, 4, 'target', key);
    assert.deepEqual(logged, { table: 'ks.t', row: 1, key: { target: "id=2, day='tue'", origin: null }, columns: undefined, rows: { target: 2, origin: 1 } });
  });

  it('without known key columns (or without them among the selected), says so and shows no value at all', () => {
    for (const partitionKeyOf of [() => undefined, () => ['other']]) {
      const logged = mismatch(rows([1, 'mon', 'origin A']), rows([1, 'mon', 'target B']), 0, 4, 'origin', partitionKeyOf);
      assert.match(String(logged['key']), /^unknown/);
      assert.deepEqual(logged['columns'], ['secret']);
      assert.doesNotMatch(JSON.stringify(logged), /mon|origin A|target B/);
    }
  });
});

describe('PreparedCache.partitionKeyOf', () => {
  const statement = (columns: ColumnSpec[], pkIndexes: number[]) => ({ clientId: Buffer.from(String(Math.random())), query: '', info: {} as never, variables: { columns, pkIndexes }, injected: [], ids: { origin: Buffer.alloc(0), target: Buffer.alloc(0) } });

  it('learns a table partition key columns from a statement that binds them all, in key order', () => {
    const cache = new PreparedCache();
    assert.equal(cache.partitionKeyOf('ks', 't'), undefined);
    cache.add(statement([column('v', text), column('day', text), column('id', int)], [2, 1]));
    assert.deepEqual(cache.partitionKeyOf('ks', 't'), ['id', 'day']);
    cache.add(statement([column('v', text)], []));
    assert.deepEqual(cache.partitionKeyOf('ks', 't'), ['id', 'day'], 'a statement without them changes nothing');
  });
});

describe("the proxy's logger", () => {
  it('hides passwords in the statement text it logs, as `query` or `statement`', () => {
    const lines: string[] = [];
    const config = loadConfig({ env: {} });
    const logger = createLogger(config, 'proxy', { stream: { write: (line: string) => void lines.push(line) } });
    logger.info({ query: "CREATE ROLE app WITH PASSWORD = 's3cret'" }, 'statement re-prepared after the cluster lost it');
    logger.error({ statement: "ALTER USER app WITH PASSWORD 'hunter2'", query: 'SELECT 1' }, 'x');
    assert.equal(lines.length, 2);
    assert.doesNotMatch(lines.join('\n'), /s3cret|hunter2/);
    assert.match(lines[0]!, /PASSWORD = '\*\*\*\*\*'/);
    assert.match(lines[1]!, /"query":"SELECT 1"/);
  });
});
