import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff, CutoverError, isRetryable, pause, retry } from '../src/index.ts';

class ThingError extends CutoverError<'THING_AWAY' | 'THING_BROKEN'> {}

describe('CutoverError', () => {
  it('keeps its code, its cause and whether to retry; its name is its class', () => {
    const cause = new Error('ECONNRESET');
    const error = new ThingError('THING_AWAY', 'the thing is away', { cause, retryable: true });
    assert.ok(error instanceof CutoverError && error instanceof Error);
    assert.deepEqual([error.code, error.message, error.cause, error.retryable, error.name], ['THING_AWAY', 'the thing is away', cause, true, 'ThingError']);
    const plain = new ThingError('THING_BROKEN', 'broken');
    assert.deepEqual([plain.retryable, 'cause' in plain], [false, false]);
    assert.equal(isRetryable(error), true);
    assert.equal(isRetryable(plain), false);
    assert.equal(isRetryable(new Error('x')), false);
    assert.equal(isRetryable(undefined), false);
  });
});

describe('Backoff', () => {
  it('waits the initial delay, times the factor after each failure, up to the largest', () => {
    const backoff = new Backoff({ initialDelayMs: 500, factor: 2, maxDelayMs: 5000 });
    assert.deepEqual(Array.from({ length: 7 }, () => backoff.next()), [500, 1000, 2000, 4000, 5000, 5000, 5000]);
    assert.equal(backoff.failed, 7);
    backoff.reset();
    assert.deepEqual([backoff.failed, backoff.next()], [0, 500]);
  });

  it('keeps a fixed wait by default', () => {
    const backoff = new Backoff({ initialDelayMs: 1000 });
    assert.deepEqual([backoff.next(), backoff.next(), backoff.next()], [1000, 1000, 1000]);
  });

  it('makes the failure of the last try final: maxAttempts tries in all', () => {
    const backoff = new Backoff({ initialDelayMs: 10, maxAttempts: 3 });
    assert.deepEqual([backoff.next(), backoff.next(), backoff.next()], [10, 10, undefined]);
  });

  it('makes a failure final once maxElapsedMs have passed since the first try', () => {
    let now = 1000;
    const backoff = new Backoff({ initialDelayMs: 100, maxElapsedMs: 300 }, () => now);
    assert.equal(backoff.next(), 100);
    now = 1299;
    assert.equal(backoff.next(), 100);
    now = 1300;
    assert.equal(backoff.next(), undefined);
    backoff.reset();
    assert.equal(backoff.next(), 100, 'counted anew from the reset');
  });

  it('waits, and says when it will not', async () => {
    assert.equal(await new Backoff({ initialDelayMs: 1 }).wait(), true);
    assert.equal(await new Backoff({ initialDelayMs: 1, maxAttempts: 1 }).wait(), false);
    const aborted = new AbortController();
    aborted.abort();
    assert.equal(await new Backoff({ initialDelayMs: 10_000 }).wait(aborted.signal), false);
  });
});

describe('retry', () => {
  it('tries until the operation succeeds, telling each retry', async () => {
    const told: [string, number, number][] = [];
    const result = await retry(
      (attempt) => (attempt < 3 ? Promise.reject(new Error(`fail ${attempt}`)) : Promise.resolve(attempt)),
      { initialDelayMs: 1, factor: 2 },
      { onRetry: (error, attempts, delayMs) => told.push([(error as Error).message, attempts, delayMs]) },
    );
    assert.equal(result, 3);
    assert.deepEqual(told, [['fail 1', 1, 1], ['fail 2', 2, 2]]);
  });

  it('throws the last failure once the policy says so, or at once when it is not retryable', async () => {
    let tries = 0;
    await assert.rejects(retry(() => Promise.reject(new Error(`fail ${++tries}`)), { initialDelayMs: 1, maxAttempts: 3 }), /fail 3/);
    tries = 0;
    const fatal = new ThingError('THING_BROKEN', 'broken');
    await assert.rejects(retry(() => (++tries, Promise.reject(fatal)), { initialDelayMs: 1 }, { retryable: isRetryable }), fatal);
    assert.equal(tries, 1);
  });

  it('stops waiting when aborted, throwing the last failure', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 20);
    const started = Date.now();
    await assert.rejects(retry(() => Promise.reject(new Error('away')), { initialDelayMs: 10_000 }, { signal: stop.signal }), /away/);
    assert.ok(Date.now() - started < 5000);
  });

  it('pause: false when aborted', async () => {
    assert.equal(await pause(1), true);
    const stop = new AbortController();
    stop.abort();
    assert.equal(await pause(10_000, stop.signal), false);
  });
});
