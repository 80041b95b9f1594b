/** A MutationEvent as read back from the log (schemas/mutation-event.v2.avsc): the parts that say how to apply it again. */
export interface LoggedMutation {
  readonly eventId: string;
  readonly kind: 'INSERT' | 'UPDATE' | 'DELETE' | 'BATCH' | 'TRUNCATE' | 'DDL' | 'OTHER';
  readonly statement: string;
  readonly keyspace: string | null;
  readonly table: string | null;
  readonly values: readonly LoggedValue[];
  readonly consistency: number;
  readonly writeTimestamp: number | null;
  readonly nonIdempotent: { readonly counter: boolean; readonly listAppend: boolean; readonly lwt: boolean; readonly now: boolean; readonly uuid: boolean };
  readonly children: readonly { readonly statement: string; readonly keyspace: string | null; readonly values: readonly LoggedValue[] }[];
  readonly origin: { readonly ok: boolean };
  readonly target: { readonly ok: boolean };
}

export interface LoggedValue {
  readonly bytes: Buffer | null;
  readonly unset: boolean;
}

/**
 * Why a mutation cannot simply be applied again, if it cannot: a counter increment or a list
 * append adds once more, and a lightweight transaction decides against data that has moved on.
 * Writes with a fixed timestamp are idempotent: applying them twice changes nothing.
 */
export function notReplayable(mutation: LoggedMutation): string | undefined {
  const { counter, listAppend, lwt } = mutation.nonIdempotent;
  if (counter) return 'a counter update adds again each time it is applied';
  if (listAppend) return 'a list append adds again each time it is applied';
  if (lwt) return 'a lightweight transaction decides against the data as it is now';
  return undefined;
}
