import type { ClusterName } from '@cutover/config';
import { UNSET, renderValue, typeToString, type NonIdempotence, type QueryValue, type StatementInfo } from '@cutover/cql-protocol';
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

export interface RecordInput {
  readonly ctx: ProxyContext;
  readonly session: { readonly id: string; readonly clientAddress: string; readonly keyspace?: string | undefined };
  readonly receivedAt: number;
  readonly kind: MutationRecord['kind'];
  readonly consistency: number;
  readonly serialConsistency?: number;
  readonly writeTimestamp?: bigint;
  /** One per statement: a batch has several. */
  readonly infos: readonly StatementInfo[];
  readonly statements: readonly RecordedStatement[];
  readonly outcomes: Outcomes;
}

/** The mutation as the event log will keep it: values rendered with their types where the proxy knows them. */
export function mutationRecord(input: RecordInput): MutationRecord {
  const version = 4; // cell encodings are the same in v3 and v4
  const statements = input.statements.map((s, i) => describe(s, input.infos[i]!, input.session.keyspace, version));
  const first = statements[0]!;
  return {
    ...first,
    proxyId: input.ctx.config.proxy.id,
    connectionId: input.session.id,
    clientAddress: input.session.clientAddress,
    receivedAt: input.receivedAt,
    kind: input.kind,
    consistency: input.consistency,
    ...(input.serialConsistency === undefined ? {} : { serialConsistency: input.serialConsistency }),
    ...(input.writeTimestamp === undefined ? {} : { writeTimestamp: input.writeTimestamp }),
    nonIdempotent: union(input.infos.map((info, i) => resolveIncrement(info, input.statements[i]!.prepared))),
    ...(input.kind === 'batch' ? { children: statements, statement: statements.map((s) => s.statement).join('; ') } : {}),
    results: { origin: result(input.outcomes, 'origin'), target: result(input.outcomes, 'target') },
  };
}

function describe(s: RecordedStatement, info: StatementInfo, sessionKeyspace: string | undefined, version: number): MutationStatement {
  const columns = s.prepared?.variables.columns;
  const values: BoundValue[] = s.values.map((bytes, i) => {
    const column = columns?.[i];
    const name = s.names?.[i] ?? column?.name;
    const raw = bytes === UNSET ? undefined : bytes;
    const rendered = bytes === UNSET ? '<unset>' : column ? renderValue(bytes, column.type, version) : bytes === null ? 'null' : `0x${bytes.toString('hex')}`;
    return { ...(name === undefined ? {} : { name }), ...(column ? { type: typeToString(column.type) } : {}), rendered, bytes: raw };
  });
  const keyspace = info.keyspace ?? columns?.[0]?.keyspace ?? sessionKeyspace;
  const table = info.table ?? columns?.[0]?.table;
  const pk = s.prepared?.variables.pkIndexes;
  return {
    statement: s.statement,
    ...(s.prepared ? { preparedId: s.prepared.clientId.toString('hex') } : {}),
    ...(keyspace === undefined ? {} : { keyspace }),
    ...(table === undefined ? {} : { table }),
    values,
    ...(pk !== undefined && pk.length > 0 && pk.every((i) => values[i] !== undefined) ? { partitionKey: pk.map((i) => values[i]!) } : {}),
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
  const keys = ['counter', 'listAppend', 'lwt', 'now', 'uuid', 'ambiguousIncrement'] as const;
  return Object.fromEntries(keys.map((k) => [k, markers.some((m) => m[k])])) as unknown as NonIdempotence;
}

function result(outcomes: Outcomes, cluster: ClusterName): ClusterResult {
  const outcome = outcomes[cluster];
  return outcome.ok
    ? { ok: true, timedOut: false, latencyMs: outcome.latencyMs }
    : { ok: false, errorCode: outcome.errorCode, errorMessage: outcome.message, timedOut: outcome.timedOut, latencyMs: outcome.latencyMs };
}
