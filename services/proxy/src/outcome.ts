import type { ClusterName } from '@cutover/config';
import type { Frame } from '@cutover/cql-protocol';

/** What one cluster did with one request. */
export type Outcome =
  | { readonly ok: true; readonly frame: Frame; readonly latencyMs: number }
  | { readonly ok: false; readonly frame: Frame; readonly errorCode: number; readonly message: string; readonly latencyMs: number; readonly timedOut: boolean };

export type Outcomes = Readonly<Record<ClusterName, Outcome>>;

export function other(cluster: ClusterName): ClusterName {
  return cluster === 'origin' ? 'target' : 'origin';
}

/**
 * The answer the client gets for a request both clusters executed: the primary's when both
 * succeed, the failure when one fails (a write that failed anywhere must not look acknowledged),
 * and the primary's error when both fail.
 */
export function chooseResponse(outcomes: Outcomes, primary: ClusterName): Outcome {
  const first = outcomes[primary];
  const second = outcomes[other(primary)];
  if (first.ok && !second.ok) return second;
  return first;
}
