import { Opcode, decodeRequest, type QueryValue, UNSET, type CqlType } from '@cutover/cql-protocol';
import { EventLogError, type StoredRecord } from '@cutover/event-log';
import { parseTypeText } from './cql-type.js';
import { LazyValue, type LoggedChild, type LoggedMutation, type LoggedOutcome, type LoggedValue } from './logged-mutation.js';
import type { MutationKindName } from './mutation.js';

/** A MutationBatch as mutationBatchType reads it: longs are bigints. */
export interface BatchV3 {
  readonly proxyId: string;
  readonly statements: readonly DescriptorV3[];
  readonly mutations: readonly MutationV3[];
}

interface DescriptorV3 {
  readonly id: Buffer;
  readonly cql: string;
  readonly keyspace: string | null;
  readonly table: string | null;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly partitionKey: readonly number[];
}

interface OutcomeV3 {
  readonly ok: boolean;
  readonly errorCode: number | null;
  readonly errorMessage: string | null;
  readonly timedOut: boolean;
  readonly latencyMicros: bigint;
}

interface MutationV3 {
  readonly epoch: bigint;
  readonly sequence: bigint;
  /** A number: avsc builds the logical type's long itself, without the registry's bigint long. */
  readonly receivedAt: number;
  readonly kind: MutationKindName;
  readonly protocolVersion: number;
  readonly opcode: number;
  readonly statements: readonly Buffer[];
  readonly body: Buffer;
  readonly consistency: number;
  readonly serialConsistency: number | null;
  readonly writeTimestamp: bigint | null;
  readonly nonIdempotent: LoggedMutation['nonIdempotent'];
  readonly origin: OutcomeV3;
  readonly target: OutcomeV3;
  readonly connectionId: string;
  readonly clientAddress: string;
  readonly driver: string | null;
}

/** A descriptor with its column types parsed, once per record. */
interface Statement {
  readonly descriptor: DescriptorV3;
  readonly types: readonly (CqlType | undefined)[];
}

/** One statement of the request body: its text (or prepared id) and its values. */
interface BodyStatement {
  readonly query?: string;
  readonly id?: Buffer;
  readonly values: readonly QueryValue[];
  readonly names?: readonly string[] | undefined;
}

/** The batch's mutations, their bodies decoded now (so a bad one fails the record) and their values rendered later. */
export function fromBatchV3(batch: BatchV3, record: StoredRecord): LoggedMutation[] {
  const statements = new Map<string, Statement>();
  for (const descriptor of batch.statements) {
    statements.set(descriptor.id.toString('hex'), { descriptor, types: descriptor.columns.map((c) => parseTypeText(c.type)) });
  }
  return batch.mutations.map((m) => {
    const id = `${batch.proxyId}/${m.epoch}/${m.sequence}`;
    try {
      return fromMutation(batch.proxyId, id, m, statements, record);
    } catch (error) {
      throw new EventLogError('INVALID_RECORD', `mutation ${id}: ${(error as Error).message}`, { cause: error });
    }
  });
}

function fromMutation(proxyId: string, eventId: string, m: MutationV3, statements: ReadonlyMap<string, Statement>, record: StoredRecord): LoggedMutation {
  const parts = bodyStatements(m);
  if (parts.length !== m.statements.length) throw new Error(`its body has ${parts.length} statement(s) and it names ${m.statements.length} descriptor(s)`);
  const children: LoggedChild[] = parts.map((part, i) => {
    const key = m.statements[i]!.toString('hex');
    const statement = statements.get(key);
    if (statement === undefined) throw new Error(`statement ${key} is not among the record's descriptors`);
    const { descriptor, types } = statement;
    const values: LoggedValue[] = part.values.map(
      (v, j) =>
        new LazyValue(part.names?.[j] ?? descriptor.columns[j]?.name ?? null, descriptor.columns[j]?.type ?? null, types[j], v === UNSET ? null : v, v === UNSET, m.protocolVersion),
    );
    const pk = descriptor.partitionKey;
    const partitionKey = pk.length > 0 && pk.every((k) => k < values.length) ? pk.map((k) => values[k]!) : null;
    return { statement: part.query ?? descriptor.cql, keyspace: descriptor.keyspace, table: descriptor.table, values, partitionKey };
  });
  const first = children[0]!;
  const batch = m.opcode === Opcode.BATCH;
  return {
    eventId,
    proxyId,
    connectionId: m.connectionId,
    clientAddress: m.clientAddress,
    driver: m.driver,
    receivedAt: Math.floor(m.receivedAt / 1000),
    kind: m.kind,
    statement: batch ? children.map((c) => c.statement).join('; ') : first.statement,
    preparedId: parts[0]!.id?.toString('hex') ?? null,
    keyspace: first.keyspace,
    table: first.table,
    values: first.values,
    // A batch's names are not honoured by Cassandra: its values are positional.
    ...(!batch && parts[0]!.names !== undefined ? { byName: true as const } : {}),
    partitionKey: first.partitionKey,
    consistency: m.consistency,
    serialConsistency: m.serialConsistency,
    writeTimestamp: m.writeTimestamp,
    nonIdempotent: { counter: m.nonIdempotent.counter, listAppend: m.nonIdempotent.listAppend, lwt: m.nonIdempotent.lwt, now: m.nonIdempotent.now, uuid: m.nonIdempotent.uuid },
    children: batch ? children : [],
    origin: outcome(m.origin),
    target: outcome(m.target),
    format: 3,
    source: { topic: record.topic, partition: record.partition, offset: record.offset, timestamp: record.timestamp },
  };
}

function bodyStatements(m: MutationV3): readonly BodyStatement[] {
  const { message } = decodeRequest({ version: m.protocolVersion, isResponse: false, flags: 0, stream: 0, opcode: m.opcode, body: m.body });
  switch (message.type) {
    case 'QUERY':
      return [{ query: message.query, values: message.params.values ?? [], names: message.params.names }];
    case 'EXECUTE':
      return [{ id: message.id, values: message.params.values ?? [], names: message.params.names }];
    case 'BATCH':
      return message.statements.map((s) => (s.kind === 'query' ? { query: s.query, values: s.values, names: s.names } : { id: s.id, values: s.values, names: s.names }));
    default:
      throw new Error(`its body is a ${message.type}, not a QUERY, EXECUTE or BATCH`);
  }
}

function outcome(o: OutcomeV3): LoggedOutcome {
  return { ok: o.ok, errorCode: o.errorCode, errorMessage: o.errorMessage, timedOut: o.timedOut, latencyMs: Number(o.latencyMicros) / 1000 };
}
