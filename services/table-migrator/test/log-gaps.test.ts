import assert from 'node:assert/strict';
import { it } from 'node:test';
import { collectionOf, copyPlan, int64, logGaps, type ColumnSchema, type StagedCell, type StagedRow } from '../src/index.ts';

const column = (name: string, type: string, kind: ColumnSchema['kind'] = 'regular', position = -1): ColumnSchema => ({ name, type, kind, position, clusteringOrder: 'none' });
const plan = copyPlan({ keyspace: 'ks', name: 't', columns: [column('id', 'int', 'partition_key', 0), column('tags', 'set<text>'), column('v', 'text')], indexes: [] }, new Set());
const WINDOW = { from: 1000n, to: 2000n };
const element = (text: string): Buffer => Buffer.concat([Buffer.from([0, 0, 0, text.length]), Buffer.from(text)]);
const set = (...elements: [string, number][]): StagedCell => ({ value: collectionOf(elements.map(([e]) => element(e))), writetime: int64(Math.max(...elements.map(([, w]) => w))), expires: 0, elements: elements.map(([, w]) => ({ writetime: int64(w), expires: 0 })) });
const text = (value: string, writetime: number): StagedCell => ({ value: Buffer.from(value), writetime: int64(writetime), expires: 0, elements: null });
/** Cells in the plan's order: tags, v. */
const row = (id: number, tags: StagedCell | null, v: StagedCell | null): StagedRow => ({ token: int64(id), key: [Buffer.from([0, 0, 0, id])], cells: [tags, v] });
const gaps = (origin: StagedRow[], replayed: StagedRow[]): string[] => logGaps(plan, origin, replayed, WINDOW).map((g) => `${g.keyValues[0]!.readInt32BE()} ${g.column} ${g.writetime}`);

it("names each cell origin has from the window that the replay lacks, or has with another value or writetime", () => {
  assert.deepEqual(gaps([row(1, null, text('a', 1500))], [row(1, null, text('a', 1500))]), []);
  assert.deepEqual(gaps([row(1, null, text('a', 1500))], []), ['1 v 1500'], 'the row is not there');
  assert.deepEqual(gaps([row(1, null, text('a', 1500))], [row(1, null, text('b', 1500))]), ['1 v 1500'], 'another value');
  assert.deepEqual(gaps([row(1, null, text('a', 1500))], [row(1, null, text('a', 1400))]), ['1 v 1500'], 'an older write: the later one is missing');
});

it('says nothing of what was written outside the window, nor of what the replay has and origin does not', () => {
  assert.deepEqual(gaps([row(1, null, text('a', 900)), row(2, null, text('b', 2500))], []), []);
  assert.deepEqual(gaps([row(1, null, null)], [row(1, null, text('deleted since', 1500)), row(2, null, text('x', 1500))]), []);
});

it("checks a set's elements one by one, each by its own writetime", () => {
  const origin = [row(1, set(['old', 500], ['new', 1500], ['newer', 1600]), null)];
  assert.deepEqual(gaps(origin, [row(1, set(['new', 1500], ['newer', 1600]), null)]), [], 'the element from before the window is not asked for');
  assert.deepEqual(gaps(origin, [row(1, set(['new', 1500]), null)]), ['1 tags 1600']);
});
