import { CutoverError, type CutoverErrorOptions } from '@cutover/errors';

/** Why the console refused a request, as a stable code and the HTTP status it answers with. */
export type ConsoleErrorCode = 'BAD_REQUEST' | 'UNAUTHORIZED' | 'NOT_FOUND' | 'REJECTED' | 'UNAVAILABLE';

const STATUS: Readonly<Record<ConsoleErrorCode, number>> = { BAD_REQUEST: 400, UNAUTHORIZED: 401, NOT_FOUND: 404, REJECTED: 409, UNAVAILABLE: 503 };

export class ConsoleError extends CutoverError<ConsoleErrorCode> {
  readonly status: number;

  constructor(code: ConsoleErrorCode, message: string, options?: CutoverErrorOptions) {
    super(code, message, { retryable: code === 'UNAVAILABLE', ...options });
    this.status = STATUS[code];
  }
}
