import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Pace } from '../src/check/pace.ts';

it('keeps what is taken, by everyone together, under its rate; 0 is no limit', async () => {
  const pace = new Pace(1000);
  const started = performance.now();
  // Two takers of 100 units five times each: 1,000 units, the first 100 at once, the rest a second's worth.
  await Promise.all([0, 1].map(async () => {
    for (let i = 0; i < 5; i++) await pace.take(100);
  }));
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 890, `${elapsed} ms`);
  const free = new Pace(0);
  const quick = performance.now();
  for (let i = 0; i < 1000; i++) await free.take(1_000_000);
  assert.ok(performance.now() - quick < 200);
});
