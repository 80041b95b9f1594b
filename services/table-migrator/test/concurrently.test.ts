import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { forEachConcurrently } from '../src/index.ts';

it('works on every item, never more than so many at once, and fails with the first failure', async () => {
  const [seen, running] = [[] as number[], { now: 0, most: 0 }];
  await forEachConcurrently([1, 2, 3, 4, 5, 6, 7], 3, async (item, i) => {
    running.most = Math.max(running.most, ++running.now);
    await tick();
    seen.push(item * 10 + i);
    running.now--;
  });
  assert.deepEqual([seen.sort((a, b) => a - b), running.most], [[10, 21, 32, 43, 54, 65, 76], 3]);
  await forEachConcurrently([], 4, () => Promise.reject(new Error('never called')));
  await assert.rejects(forEachConcurrently([1, 2], 2, (item) => (item === 2 ? Promise.reject(new Error('two')) : Promise.resolve())), /two/);
});
