import type { StoredRecord } from '@cutover/event-log';
import type { LoggedChild, LoggedMutation, LoggedOutcome, LoggedValue } from './logged-mutation.js';
import type { MutationKindName } from './mutation.js';

/** A MutationEvent of schema version 1 or 2, as avsc reads it with its writer's schema. */
export interface EventV2 {
  readonly eventId: string;
  readonly proxyId: string;
  readonly connectionId: string;
  readonly clientAddress: string;
  readonly receivedAt: number;
  readonly kind: MutationKindName;
  readonly statement: string;
  readonly preparedId: string | null;
  readonly keyspace: string | null;
  readonly table: string | null;
  readonly values: readonly ValueV2[];
  readonly partitionKey: readonly ValueV2[] | null;
  readonly consistency: number;
  readonly serialConsistency: number | null;
  readonly writeTimestamp: number | null;
  readonly nonIdempotent: LoggedMutation['nonIdempotent'];
  readonly children: readonly { readonly statement: string; readonly keyspace: string | null; readonly table: string | null; readonly values: readonly ValueV2[] }[];
  readonly origin: ResultV2;
  readonly target: ResultV2;
  /** Version 2 only. */
  readonly driver?: string | null;
}

interface ValueV2 {
  readonly name: string | null;
  readonly type: string | null;
  readonly rendered: string;
  readonly bytes: Buffer | null;
  readonly unset: boolean;
}

interface ResultV2 {
  readonly ok: boolean;
  readonly errorCode: number | null;
  readonly errorMessage: string | null;
  readonly timedOut: boolean;
  readonly latencyMs: number;
}

/** A v1 or v2 event, its values rendered when written. */
export function fromEventV2(event: EventV2, format: 1 | 2, record: StoredRecord): LoggedMutation {
  const children: LoggedChild[] = event.children.map((c) => ({ statement: c.statement, keyspace: c.keyspace, table: c.table, values: c.values.map(value), partitionKey: null }));
  return {
    eventId: event.eventId,
    proxyId: event.proxyId,
    connectionId: event.connectionId,
    clientAddress: event.clientAddress,
    driver: event.driver ?? null,
    receivedAt: event.receivedAt,
    kind: event.kind,
    statement: event.statement,
    preparedId: event.preparedId,
    keyspace: event.keyspace,
    table: event.table,
    values: event.values.map(value),
    partitionKey: event.partitionKey?.map(value) ?? null,
    consistency: event.consistency,
    serialConsistency: event.serialConsistency,
    writeTimestamp: event.writeTimestamp === null ? null : BigInt(event.writeTimestamp),
    nonIdempotent: nonIdempotence(event.nonIdempotent),
    children,
    origin: outcome(event.origin),
    target: outcome(event.target),
    format,
    source: { topic: record.topic, partition: record.partition, offset: record.offset, timestamp: record.timestamp },
  };
}

function value(v: ValueV2): LoggedValue {
  return { name: v.name, type: v.type, bytes: v.bytes, unset: v.unset, rendered: v.rendered };
}

function outcome(r: ResultV2): LoggedOutcome {
  return { ok: r.ok, errorCode: r.errorCode, errorMessage: r.errorMessage, timedOut: r.timedOut, latencyMs: r.latencyMs };
}

function nonIdempotence(n: LoggedMutation['nonIdempotent']): LoggedMutation['nonIdempotent'] {
  return { counter: n.counter, listAppend: n.listAppend, lwt: n.lwt, now: n.now, uuid: n.uuid };
}
