export type MigratorErrorCode = 'SCHEMA_INCOMPATIBLE' | 'SCHEMA_NOT_FOUND' | 'BAD_CHUNK';

/** Failures of the table migrator, with stable codes. */
export class MigratorError extends Error {
  constructor(
    readonly code: MigratorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MigratorError';
  }
}
