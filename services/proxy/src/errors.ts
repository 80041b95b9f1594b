export type ProxyErrorCode =
  | 'CLUSTER_UNAVAILABLE'
  | 'CLUSTER_TIMEOUT'
  | 'CLUSTER_OVERLOADED'
  | 'CLUSTER_PROTOCOL'
  | 'AUTH_NOT_CONFIGURED'
  | 'SPOOL_LOCKED'
  | 'JOURNAL_FULL'
  | 'JOURNAL_CORRUPT';

/** Failures of the proxy's own doing (as opposed to errors a cluster answered), with stable codes. */
export class ProxyError extends Error {
  constructor(
    readonly code: ProxyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProxyError';
  }
}
