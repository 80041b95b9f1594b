export interface CutoverErrorOptions {
  /** The failure underneath (a driver's, a socket's): kept as the standard `cause`, so logs show both. */
  readonly cause?: unknown;
  /** Whether the same operation, tried again later, may succeed (a server away, a timeout); false unless said. */
  readonly retryable?: boolean;
}

/**
 * The base of every error Cutover throws: a stable `code` (what logs, dead letters, the console
 * and callers branch on; the message is for people and may change), the `cause` it wraps, and
 * whether retrying may help (`retryable`, which the retry policy's callers ask through
 * `isRetryable`). Each package derives its own class, with its own closed list of codes.
 */
export class CutoverError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly retryable: boolean;

  constructor(code: Code, message: string, options: CutoverErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.name = new.target.name;
  }
}

/** Whether `error` is one of ours that says the same operation may succeed if tried again. */
export function isRetryable(error: unknown): boolean {
  return error instanceof CutoverError && error.retryable;
}
