/** Why the console refused a request, as a stable code and the HTTP status it answers with. */
export type ConsoleErrorCode = 'BAD_REQUEST' | 'UNAUTHORIZED' | 'NOT_FOUND' | 'REJECTED' | 'UNAVAILABLE';

const STATUS: Readonly<Record<ConsoleErrorCode, number>> = { BAD_REQUEST: 400, UNAUTHORIZED: 401, NOT_FOUND: 404, REJECTED: 409, UNAVAILABLE: 503 };

export class ConsoleError extends Error {
  readonly status: number;

  constructor(
    readonly code: ConsoleErrorCode,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ConsoleError';
    this.status = STATUS[code];
  }
}
