import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How a failed operation is tried again: waits that start at `initialDelayMs` and grow by
 * `factor` up to `maxDelayMs`, until `maxAttempts` tries in all or `maxElapsedMs` since the
 * first. Every retry loop in Cutover runs on one (a `Backoff`, or `retry`), each with its own
 * numbers, named where the loop is.
 */
export interface RetryPolicy {
  /** The wait after the first failure, in ms. */
  readonly initialDelayMs: number;
  /** Each wait is the one before times this; 1 (the default) keeps it fixed. */
  readonly factor?: number;
  /** No wait is longer (ms); none by default. */
  readonly maxDelayMs?: number;
  /** Tries in all, the first included; a failure of the last is final. Unlimited by default. */
  readonly maxAttempts?: number;
  /** A failure this long (ms) after the first try began, or later, is final. Unlimited by default. */
  readonly maxElapsedMs?: number;
}

/** A policy at work: counts the failures of one operation and says how long to wait before the next try, or that it is over. */
export class Backoff {
  private failures = 0;
  private startedAt: number;

  constructor(
    readonly policy: RetryPolicy,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  /** Failures counted since the start, or since the last `reset`. */
  get failed(): number {
    return this.failures;
  }

  /** Counts a failure; returns the wait before the next try, or undefined when the policy's limits make this failure final. */
  next(): number | undefined {
    const { initialDelayMs, factor = 1, maxDelayMs = Infinity, maxAttempts = Infinity, maxElapsedMs = Infinity } = this.policy;
    this.failures += 1;
    if (this.failures >= maxAttempts || this.now() - this.startedAt >= maxElapsedMs) return undefined;
    return Math.min(initialDelayMs * factor ** (this.failures - 1), maxDelayMs);
  }

  /** Counts a failure and waits as `next` says; false when that failure is final, or when `signal` aborts the wait. */
  async wait(signal?: AbortSignal): Promise<boolean> {
    const ms = this.next();
    return ms !== undefined && pause(ms, signal);
  }

  /** After a success: the next failure is a first one again (the initial wait, the limits counted anew). */
  reset(): void {
    this.failures = 0;
    this.startedAt = this.now();
  }
}

export interface RetryOptions {
  /** Whether a failure may be tried again at all; by default every one is. */
  readonly retryable?: (error: unknown) => boolean;
  /** Told of each failure that will be tried again: the error, the tries so far, and the wait before the next. */
  readonly onRetry?: (error: unknown, attempts: number, delayMs: number) => void;
  /** Aborted, no further try begins: the last failure is thrown. */
  readonly signal?: AbortSignal;
}

/**
 * Runs `operation` (given its try number, from 1) until it succeeds; a failure that is not
 * retryable, or that the policy makes final, is thrown as it is.
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, policy: RetryPolicy, options: RetryOptions = {}): Promise<T> {
  const backoff = new Backoff(policy);
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (options.retryable?.(error) === false || options.signal?.aborted === true) throw error;
      const ms = backoff.next();
      if (ms === undefined) throw error;
      options.onRetry?.(error, attempt, ms);
      if (!(await pause(ms, options.signal))) throw error;
    }
  }
}

/** Waits `ms`; false when `signal` aborts the wait (or had already). */
export async function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted === true) return false;
  try {
    await sleep(ms, undefined, signal === undefined ? undefined : { signal });
    return true;
  } catch (error) {
    if ((error as Error).name === 'AbortError') return false;
    throw error;
  }
}
