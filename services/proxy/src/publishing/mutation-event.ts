import type { ClusterResult, MutationRecord, MutationStatement, BoundValue } from '../mutation-sink.js';

/** A MutationEvent (schemas/mutation-event.v2.avsc) as avsc writes it. */
export type AvroMutationEvent = Record<string, unknown>;

function value(v: BoundValue): Record<string, unknown> {
  return { name: v.name ?? null, type: v.type ?? null, rendered: v.rendered, bytes: v.bytes ?? null, unset: v.bytes === undefined };
}

function statement(s: MutationStatement): Record<string, unknown> {
  return {
    statement: s.statement,
    preparedId: s.preparedId ?? null,
    keyspace: s.keyspace ?? null,
    table: s.table ?? null,
    values: s.values.map(value),
    partitionKey: s.partitionKey?.map(value) ?? null,
  };
}

function result(r: ClusterResult): Record<string, unknown> {
  return { ok: r.ok, errorCode: r.errorCode ?? null, errorMessage: r.errorMessage ?? null, timedOut: r.timedOut, latencyMs: r.latencyMs };
}

/** The proxy's record of a mutation as the event log's MutationEvent. */
export function toMutationEvent(record: MutationRecord, eventId: string): AvroMutationEvent {
  const { counter, listAppend, lwt, now, uuid } = record.nonIdempotent;
  return {
    eventId,
    proxyId: record.proxyId,
    connectionId: record.connectionId,
    clientAddress: record.clientAddress,
    receivedAt: record.receivedAt,
    kind: record.kind.toUpperCase(),
    ...statement(record),
    consistency: record.consistency,
    serialConsistency: record.serialConsistency ?? null,
    // µs since the epoch fit a double exactly until the year 2255.
    writeTimestamp: record.writeTimestamp === undefined ? null : Number(record.writeTimestamp),
    nonIdempotent: { counter, listAppend, lwt, now, uuid },
    children: (record.children ?? []).map(statement),
    origin: result(record.results.origin),
    target: result(record.results.target),
    driver: record.driver ?? null,
  };
}

/**
 * The Kafka key: the table and its partition key, so every mutation of one partition lands on
 * one topic partition, in order. Without a known partition key, the table alone.
 */
export function mutationKey(record: MutationRecord): Buffer {
  const table = Buffer.from(`${record.keyspace ?? ''}.${record.table ?? ''}`);
  const parts = (record.partitionKey ?? []).map((v) => v.bytes ?? Buffer.alloc(0));
  return parts.length === 0 ? table : Buffer.concat([table, Buffer.from([0]), ...parts]);
}

