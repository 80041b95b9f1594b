import type { LoggedMutation } from '@cutover/mutation-log';

/**
 * Why a mutation cannot simply be applied again, if it cannot: a counter increment or a list
 * append adds once more, and a lightweight transaction decides against data that has moved on.
 * Writes with a fixed timestamp are idempotent: applying them twice changes nothing.
 */
export function notReplayable(mutation: Pick<LoggedMutation, 'nonIdempotent'>): string | undefined {
  const { counter, listAppend, lwt } = mutation.nonIdempotent;
  if (counter) return 'a counter update adds again each time it is applied';
  if (listAppend) return 'a list append adds again each time it is applied';
  if (lwt) return 'a lightweight transaction decides against the data as it is now';
  return undefined;
}

/**
 * Why the healer must not apply a mutation target missed, if it must not: what cannot be
 * applied again (see notReplayable), a TRUNCATE (applied late, it would erase the writes
 * target took since, which origin keeps), and a schema change (applied late, out of order with
 * the schema changes and writes that followed it).
 */
export function notHealable(mutation: Pick<LoggedMutation, 'kind' | 'nonIdempotent'>): string | undefined {
  if (mutation.kind === 'TRUNCATE') return 'a TRUNCATE applied late would erase the writes target has taken since';
  if (mutation.kind === 'DDL') return 'a schema change (DDL) is not applied late, out of order with what followed it: make the schema of target match origin by hand';
  return notReplayable(mutation);
}
