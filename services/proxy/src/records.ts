import type { ClusterName } from '@cutover/config';
import { UNSET, renderValue, typeToString, type ColumnSpec, type NonIdempotence, type QueryValue, type StatementInfo } from '@cutover/cql-protocol';
import type { ProxyContext } from './context.js';
import type { BoundValue, ClusterResult, MutationRecord, MutationStatement } from './mutation-sink.js';
import type { Outcomes } from './outcome.js';
import type { PreparedStatement } from './prepared-cache.js';

export interface RecordedStatement {
  readonly statement: string;
  readonly prepared?: PreparedStatement;
  readonly values: readonly QueryValue[];
  readonly names?: readonly string[] | undefined;
}

/** What the mutation log keeps of a request both clusters ran, less what only running it tells. */
export interface Recording {
  readonly kind: MutationRecord['kind'];
  readonly consistency: number;
  readonly serialConsistency: number | undefined;
  readonly writeTimestamp: bigint | undefined;
  /** One per statement: a batch has several. */
  readonly infos: readonly StatementInfo[];
  readonly statements: readonly RecordedStatement[];
}

/** On the request path, so every field is always there: objects of one shape stay fast. */
export interface RecordInput {
  readonly recording: Recording;
  readonly ctx: ProxyContext;
  readonly session: { readonly id: string; readonly clientAddress: string; readonly driver?: string | undefined; readonly keyspace?: string | undefined };
  readonly receivedAt: number;
  readonly request: MutationRecord['request'];
  readonly outcomes: Outcomes;
}

/**
 * A bound value as the record shows it. Rendering is the costly part and most records are
 * never read by a person, so it happens when a sink first asks for it, not on the request path.
 */
class RecordedValue implements BoundValue {
  private text?: string;

  constructor(
    readonly bytes: Buffer | null | undefined,
    readonly name: string | undefined,
    private readonly column: ColumnSpec | undefined,
  ) {}

  get type(): string | undefined {
    return this.column === undefined ? undefined : typeToString(this.column.type);
  }

  get rendered(): string {
    // Cell encodings are the same in protocol v3 and v4.
    this.text ??= this.bytes === undefined ? '<unset>' : this.column ? renderValue(this.bytes, this.column.type, 4) : this.bytes === null ? 'null' : `0x${this.bytes.toString('hex')}`;
    return this.text;
  }
}

/** The mutation as the event log will keep it. Built on the request path, so kept to plain literals. */
export function mutationRecord(input: RecordInput): MutationRecord {
  const { recording } = input;
  const statements = recording.statements.map((s, i) => describe(s, recording.infos[i]!, input.session.keyspace));
  const first = statements[0]!;
  const batch = recording.kind === 'batch';
  return {
    statement: batch ? statements.map((s) => s.statement).join('; ') : first.statement,
    preparedId: first.preparedId,
    keyspace: first.keyspace,
    table: first.table,
    values: first.values,
    partitionKey: first.partitionKey,
    columns: first.columns,
    pkIndexes: first.pkIndexes,
    proxyId: input.ctx.config.proxy.id,
    connectionId: input.session.id,
    clientAddress: input.session.clientAddress,
    driver: input.session.driver,
    receivedAt: input.receivedAt,
    kind: recording.kind,
    consistency: recording.consistency,
    serialConsistency: recording.serialConsistency,
    writeTimestamp: recording.writeTimestamp,
    nonIdempotent: union(recording.infos.map((info, i) => resolveIncrement(info, recording.statements[i]!.prepared))),
    children: batch ? statements : undefined,
    results: { origin: result(input.outcomes, 'origin'), target: result(input.outcomes, 'target') },
    request: input.request,
  };
}

function describe(s: RecordedStatement, info: StatementInfo, sessionKeyspace: string | undefined): MutationStatement {
  const columns = s.prepared?.variables.columns;
  const values = s.values.map((bytes, i) => new RecordedValue(bytes === UNSET ? undefined : bytes, s.names?.[i] ?? columns?.[i]?.name, columns?.[i]));
  const pk = s.prepared?.variables.pkIndexes;
  return {
    statement: s.statement,
    preparedId: s.prepared?.clientId.toString('hex'),
    keyspace: info.keyspace ?? columns?.[0]?.keyspace ?? sessionKeyspace,
    table: info.table ?? columns?.[0]?.table,
    values,
    partitionKey: pk !== undefined && pk.length > 0 && pk.every((i) => i < values.length) ? pk.map((i) => values[i]!) : undefined,
    columns,
    pkIndexes: pk,
  };
}

/** `x = x + ?` is a counter update or a list append: the bound variable's type says which. */
function resolveIncrement(info: StatementInfo, prepared: PreparedStatement | undefined): NonIdempotence {
  const markers = info.nonIdempotent;
  if (!markers.ambiguousIncrement || prepared === undefined) return markers;
  const types = prepared.variables.columns.map((c) => c.type);
  return {
    ...markers,
    counter: markers.counter || types.some((t) => t.kind === 'primitive' && t.name === 'counter'),
    listAppend: markers.listAppend || types.some((t) => t.kind === 'list'),
  };
}

function union(markers: readonly NonIdempotence[]): NonIdempotence {
  if (markers.length === 1) return markers[0]!;
  return {
    counter: markers.some((m) => m.counter),
    listAppend: markers.some((m) => m.listAppend),
    lwt: markers.some((m) => m.lwt),
    now: markers.some((m) => m.now),
    uuid: markers.some((m) => m.uuid),
    ambiguousIncrement: markers.some((m) => m.ambiguousIncrement),
  };
}

function result(outcomes: Outcomes, cluster: ClusterName): ClusterResult {
  const outcome = outcomes[cluster];
  return outcome.ok
    ? { ok: true, timedOut: false, latencyMs: outcome.latencyMs }
    : { ok: false, errorCode: outcome.errorCode, errorMessage: outcome.message, timedOut: outcome.timedOut, latencyMs: outcome.latencyMs };
}
