import assert from 'node:assert/strict';
import { it } from 'node:test';
import { collectionOf, copyPlan, int64, repairWrites, type ColumnSchema, type RowDifference, type StagedCell, type StagedRow } from '../src/index.ts';

const column = (name: string, type: string, kind: ColumnSchema['kind'] = 'regular', position = -1): ColumnSchema => ({ name, type, kind, position, clusteringOrder: kind === 'clustering' ? 'asc' : 'none' });
const plan = copyPlan({ keyspace: 'ks', name: 't', columns: [column('id', 'int', 'partition_key', 0), column('ck', 'int', 'clustering', 0), column('s', 'int', 'static'), column('tags', 'set<text>'), column('v', 'text')], indexes: [] }, new Set());
const HORIZON = 5000n;
const key = [Buffer.from([0, 0, 0, 1]), Buffer.from([0, 0, 0, 2])];
const cell = (value: string, writetime: number): StagedCell => ({ value: Buffer.from(value), writetime: int64(writetime), expires: 0, elements: null });
const element = (text: string): Buffer => Buffer.concat([Buffer.from([0, 0, 0, text.length]), Buffer.from(text)]);
const set = (...elements: [string, number][]): StagedCell => ({ value: collectionOf(elements.map(([e]) => element(e))), writetime: int64(Math.max(...elements.map(([, w]) => w))), expires: 0, elements: elements.map(([, w]) => ({ writetime: int64(w), expires: 0 })) });
/** Columns in the plan's order: s (static), tags, v. */
const row = (cells: (StagedCell | null)[], rowKey: (Buffer | null)[] = key): StagedRow => ({ token: int64(1), key: rowKey, cells });
const difference = (kind: RowDifference['kind'], sides: Pick<RowDifference, 'origin' | 'target'>): RowDifference => ({ token: 1n, key: 'k', keyValues: key, kind, horizon: HORIZON, ...sides });
/** Each statement's CQL, its timestamp (the first value) and the rest of its values, readable. */
const shown = (d: RowDifference) =>
  repairWrites(plan, d, 0).map(({ query, params }) => [query.replaceAll('"', ''), ...params.map((p) => (Buffer.isBuffer(p) ? (p.length === 8 ? String(p.readBigInt64BE()) : p.toString('hex')) : p))]);

it('deletes a row target alone has at the latest writetime of its cells (statics apart), or at the horizon when it has none', () => {
  assert.deepEqual(shown(difference('extra-on-target', { target: row([cell('9', 4000), null, cell('a', 1200)]) })), [['DELETE FROM ks.t USING TIMESTAMP ? WHERE id = ? AND ck = ?', '1200', '00000001', '00000002']]);
  assert.deepEqual(shown(difference('extra-on-target', { target: row([null, null, null]) })), [['DELETE FROM ks.t USING TIMESTAMP ? WHERE id = ? AND ck = ?', '5000', '00000001', '00000002']]);
  assert.deepEqual(shown(difference('extra-on-target', { target: row([cell('9', 1300), null, null], [key[0]!, null]) })), [['DELETE s FROM ks.t USING TIMESTAMP ? WHERE id = ?', '1300', '00000001']], "a partition's statics alone");
});

it("never deletes what was written at the comparison's horizon or since: the application's newest writes", () => {
  const inFlight = difference('values', { origin: row([null, null, null]), target: row([null, set(['x', 6000]), cell('new', 5000)]) });
  assert.deepEqual(shown(inFlight).filter(([query]) => String(query).startsWith('DELETE') || String(query).includes(' - ')), []);
  const older = difference('values', { origin: row([null, null, null]), target: row([null, null, cell('old', 4999)]) });
  assert.deepEqual(shown(older), [['DELETE v FROM ks.t USING TIMESTAMP ? WHERE id = ? AND ck = ?', '4999', '00000001', '00000002'], ['INSERT INTO ks.t (id, ck) VALUES (?, ?) USING TIMESTAMP 1', '00000001', '00000002']]);
});

it("removes a set's elements origin lacks one by one, each at its own writetime, and writes origin's with theirs", () => {
  const d = difference('values', { origin: row([null, set(['a', 1000], ['w', 1500]), null]), target: row([null, set(['a', 1000], ['y', 1200], ['z', 1200], ['n', 6000]), null]) });
  assert.deepEqual(shown(d), [
    ['UPDATE ks.t USING TIMESTAMP ? SET tags = tags - ? WHERE id = ? AND ck = ?', '1200', collectionOf([element('y'), element('z')]).toString('hex'), '00000001', '00000002'],
    ['INSERT INTO ks.t (id, ck) VALUES (?, ?) USING TIMESTAMP ? AND TTL ?', '00000001', '00000002', '1000', 0],
    ['UPDATE ks.t USING TIMESTAMP ? AND TTL ? SET tags = tags + ? WHERE id = ? AND ck = ?', '1000', 0, collectionOf([element('a')]).toString('hex'), '00000001', '00000002'],
    ['UPDATE ks.t USING TIMESTAMP ? AND TTL ? SET tags = tags + ? WHERE id = ? AND ck = ?', '1500', 0, collectionOf([element('w')]).toString('hex'), '00000001', '00000002'],
  ]);
});
