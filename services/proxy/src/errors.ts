import { CutoverError, type CutoverErrorOptions } from '@cutover/errors';

export type ProxyErrorCode =
  | 'CLUSTER_UNAVAILABLE'
  | 'CLUSTER_TIMEOUT'
  | 'CLUSTER_OVERLOADED'
  | 'CLUSTER_PROTOCOL'
  | 'AUTH_NOT_CONFIGURED'
  | 'SPOOL_LOCKED'
  | 'JOURNAL_FULL'
  | 'JOURNAL_CORRUPT';

/** A cluster away, slow or busy: the same request later may succeed. */
const PASSING: ReadonlySet<ProxyErrorCode> = new Set(['CLUSTER_UNAVAILABLE', 'CLUSTER_TIMEOUT', 'CLUSTER_OVERLOADED']);

/** Failures of the proxy's own doing (as opposed to errors a cluster answered), with stable codes. */
export class ProxyError extends CutoverError<ProxyErrorCode> {
  constructor(code: ProxyErrorCode, message: string, options: CutoverErrorOptions = {}) {
    super(code, message, { retryable: PASSING.has(code), ...options });
  }
}
