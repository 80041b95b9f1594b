import { CutoverError } from '@cutover/errors';

/** A command line the CLI cannot make sense of; the message says what was wrong. */
export class UsageError extends CutoverError<'CUTOVER_USAGE'> {
  constructor(message: string) {
    super('CUTOVER_USAGE', message);
  }
}
