import type { ClusterName } from '@cutover/config';
import { ErrorCode, type Frame } from '@cutover/cql-protocol';

/** What one cluster did with one request. */
export type Outcome =
  | { readonly ok: true; readonly frame: Frame; readonly latencyMs: number }
  | { readonly ok: false; readonly frame: Frame; readonly errorCode: number; readonly message: string; readonly latencyMs: number; readonly timedOut: boolean };

export type Outcomes = Readonly<Record<ClusterName, Outcome>>;

export function other(cluster: ClusterName): ClusterName {
  return cluster === 'origin' ? 'target' : 'origin';
}

/** TARGET_FAILURE_POLICY: whether a write target failed still counts as done once origin took it. */
export type TargetFailurePolicy = 'strict' | 'origin-acked';

/**
 * The answer the client gets for a request both clusters executed: the primary's when both
 * succeed, the failure when one fails (a write that failed anywhere must not look acknowledged),
 * and the primary's error when both fail. Under origin-acked, a failure of target alone gets
 * origin's answer: the write is logged and the healer brings target up to date. Only when
 * target failed for want of availability, though: a refusal (no permission, an invalid
 * statement) is the client's answer, since healing it would do what target refused.
 */
export function chooseResponse(outcomes: Outcomes, primary: ClusterName, policy: TargetFailurePolicy = 'strict'): Outcome {
  if (policy === 'origin-acked' && outcomes.origin.ok && !outcomes.target.ok && healable(outcomes.target.errorCode)) return outcomes.origin;
  const first = outcomes[primary];
  const second = outcomes[other(primary)];
  if (first.ok && !second.ok) return second;
  return first;
}

/** Failures of availability, which a later attempt may overcome; every other error is a refusal. */
const AVAILABILITY_FAILURES: ReadonlySet<number> = new Set([
  ErrorCode.SERVER_ERROR,
  ErrorCode.UNAVAILABLE,
  ErrorCode.OVERLOADED,
  ErrorCode.IS_BOOTSTRAPPING,
  ErrorCode.TRUNCATE_ERROR,
  ErrorCode.WRITE_TIMEOUT,
  ErrorCode.READ_TIMEOUT,
  ErrorCode.WRITE_FAILURE,
  ErrorCode.CDC_WRITE_FAILURE,
]);

/** Whether a write a cluster failed with `errorCode` may be applied there later by the healer. */
export function healable(errorCode: number | undefined): boolean {
  return errorCode !== undefined && AVAILABILITY_FAILURES.has(errorCode);
}
