import { CutoverError, type CutoverErrorOptions } from '@cutover/errors';

export type StackErrorCode =
  | 'JAVA_NOT_FOUND'
  | 'MAVEN_NOT_FOUND'
  | 'DOWNLOAD_FAILED'
  | 'BUILD_FAILED'
  | 'PORT_IN_USE'
  | 'NOT_LOOPBACK'
  | 'SERVER_NOT_READY'
  | 'UNKNOWN_SERVER'
  | 'TLS_NOT_CONFIGURED';

/** Every failure of the local stack, with a stable code and a message that says what to do. */
export class StackError extends CutoverError<StackErrorCode> {
  constructor(code: StackErrorCode, message: string, options?: CutoverErrorOptions) {
    super(code, message, options);
  }
}
