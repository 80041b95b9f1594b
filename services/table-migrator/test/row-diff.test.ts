import assert from 'node:assert/strict';
import { it } from 'node:test';
import { copyPlan, int64, type ColumnSchema, type StagedRow } from '../src/index.ts';
import { rowDifferences } from '../src/check/row-diff.ts';

const column = (name: string, type: string, kind: ColumnSchema['kind'] = 'regular', position = -1): ColumnSchema => ({ name, type, kind, position, clusteringOrder: kind === 'clustering' ? 'asc' : 'none' });
const plan = copyPlan({ keyspace: 'ks', name: 't', columns: [column('id', 'int', 'partition_key', 0), column('ck', 'int', 'clustering', 0), column('v', 'text')], indexes: [] }, new Set());
const HORIZON = 5000n;

/** A row of partition `id` (its token is `id`): key, value, writetime, expiry (0: none). */
const row = (id: number, ck: number, v: string, writetime = 1000, expires = 0): StagedRow => ({ token: int64(id), key: [Buffer.from(String(id)), Buffer.from(String(ck))], cells: [{ value: Buffer.from(v), writetime: int64(writetime), expires, elements: null }] });
/** The rows in pages of two: rows of a token may straddle a page's end. */
async function* pages(rows: readonly StagedRow[]): AsyncGenerator<StagedRow[]> {
  for (let at = 0; at < rows.length; at += 2) yield await Promise.resolve(rows.slice(at, at + 2));
}
const diff = async (origin: StagedRow[], target: StagedRow[]) => {
  const found = [];
  for await (const d of rowDifferences(plan, pages(origin), pages(target), HORIZON)) found.push([`${d.keyValues[0]!.toString()}/${d.keyValues[1]!.toString()}`, d.kind]);
  return found;
};

it('finds rows missing on either side and cells that differ, walking both token-ordered streams side by side', async () => {
  const origin = [row(1, 1, 'a'), row(1, 2, 'b'), row(2, 1, 'c'), row(4, 1, 'e'), row(5, 1, 'f')];
  const target = [row(1, 1, 'a'), row(1, 2, 'B'), row(3, 1, 'd'), row(4, 1, 'e'), row(5, 0, 'z'), row(5, 1, 'f')];
  assert.deepEqual(await diff(origin, target), [
    ['1/2', 'values'],
    ['2/1', 'missing-on-target'],
    ['3/1', 'extra-on-target'],
    ['5/0', 'extra-on-target'],
  ]);
  assert.deepEqual(await diff(origin, origin), []);
  assert.deepEqual(await diff([], target.slice(0, 1)), [['1/1', 'extra-on-target']]);
});

it('leaves out what was written after the horizon (in flight), and compares only whether a cell has a TTL', async () => {
  assert.deepEqual(await diff([row(1, 1, 'new', 6000)], [row(1, 1, 'old', 1000)]), [], 'a cell written since the horizon on one side');
  assert.deepEqual(await diff([row(1, 1, 'new', 6000)], []), [], 'a row written since the horizon, not yet on the other side');
  assert.deepEqual(await diff([row(1, 1, 'a', 1000, 1800000000)], [row(1, 1, 'a', 1000, 1800000003)]), [], 'expiries read a moment apart');
  assert.deepEqual(await diff([row(1, 1, 'a', 1000, 1800000000)], [row(1, 1, 'a', 1000, 0)]), [['1/1', 'writetime']], 'a TTL on one side only');
  assert.deepEqual(await diff([row(1, 1, 'a', 1000)], [row(1, 1, 'a', 1001)]), [['1/1', 'writetime']], 'another writetime');
  assert.deepEqual(await diff([row(1, 1, 'a', 1000)], [row(1, 1, 'b', 1001)]), [['1/1', 'values']], 'another value outweighs another writetime');
});
