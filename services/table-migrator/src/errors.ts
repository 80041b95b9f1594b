import { CutoverError, type CutoverErrorOptions } from '@cutover/errors';

export type MigratorErrorCode = 'SCHEMA_INCOMPATIBLE' | 'SCHEMA_NOT_FOUND' | 'BAD_CHUNK';

/** Failures of the table migrator, with stable codes. */
export class MigratorError extends CutoverError<MigratorErrorCode> {
  constructor(code: MigratorErrorCode, message: string, options?: CutoverErrorOptions) {
    super(code, message, options);
  }
}
