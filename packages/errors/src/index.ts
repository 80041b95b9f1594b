export { CutoverError, isRetryable, type CutoverErrorOptions } from './cutover-error.js';
export { Backoff, pause, retry, type RetryOptions, type RetryPolicy } from './retry.js';
