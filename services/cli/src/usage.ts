/** A command line the CLI cannot make sense of; the message says what was wrong. */
export class UsageError extends Error {
  readonly code = 'CUTOVER_USAGE';
}
