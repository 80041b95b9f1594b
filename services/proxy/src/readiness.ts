import type { ClusterName } from '@cutover/config';
import type { TargetFailurePolicy } from './outcome.js';

/**
 * Where the primary and read mode a proxy serves by come from: its configuration (no control
 * log), the control log, the local copy of the control log's last state (the log cannot be
 * read now), or nowhere yet (the proxy does not serve clients).
 */
export type ControlSource = 'configured' | 'control log' | 'local copy' | 'waiting';

export interface ReadinessInput {
  /** 'up', or why a cluster cannot be reached. */
  readonly origin: string;
  readonly target: string;
  /** 'ok', or why the mutation log is not healthy. */
  readonly log: string;
  readonly control: ControlSource;
  readonly primary: ClusterName;
  readonly policy: TargetFailurePolicy;
}

/**
 * What /health/ready answers. Ready means clients are served: the primary and read mode are
 * known, origin takes writes, the mutation log advances, and target takes writes too, unless
 * under TARGET_FAILURE_POLICY=origin-acked, where writes target misses are acknowledged and
 * healed later, as long as target is not the primary (reads would fail).
 */
export function readiness(input: ReadinessInput): { ready: boolean; body: Record<string, unknown> } {
  const { origin, target, log, control, primary, policy } = input;
  const reasons: string[] = [];
  if (control === 'waiting') reasons.push('the primary and read mode are not known yet: waiting for the control log');
  if (origin !== 'up') reasons.push('origin is unreachable');
  if (log !== 'ok') reasons.push('the mutation log is not advancing');
  let note: string | undefined;
  if (target !== 'up') {
    if (policy !== 'origin-acked') reasons.push('target is unreachable (TARGET_FAILURE_POLICY=strict)');
    else if (primary === 'target') reasons.push('target, the primary, is unreachable: reads fail');
    else note = 'target is down: writes are acknowledged once origin has them, and target is healed from the log when it is back (TARGET_FAILURE_POLICY=origin-acked)';
  }
  const ready = reasons.length === 0;
  return {
    ready,
    body: {
      status: ready ? 'ready' : 'not ready',
      origin,
      target,
      log,
      control,
      primary,
      targetFailurePolicy: policy,
      ...(note === undefined ? {} : { note }),
      ...(ready ? {} : { reasons }),
    },
  };
}
