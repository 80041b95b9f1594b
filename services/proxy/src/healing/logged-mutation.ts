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
