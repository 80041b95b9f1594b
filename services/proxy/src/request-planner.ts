import type { ClusterName, ReadMode } from '@cutover/config';
import { encodeRequestBody, type BatchStatement, type Envelope, type Frame, type QueryParameters, type Request, type StatementInfo } from '@cutover/cql-protocol';
import type { ClusterRequest } from './dual-forwarder.js';
import { bindNowAndUuid, replaceNowAndUuid, withInjected } from './nondeterministic.js';
import type { PreparedStatement } from './prepared-cache.js';
import type { RecordedStatement, Recording } from './records.js';
import type { RequestKind } from './replies.js';
import { route } from './routing.js';

type QueryMessage = Extract<Request, { type: 'QUERY' }>;
type ExecuteMessage = Extract<Request, { type: 'EXECUTE' }>;
type BatchMessage = Extract<Request, { type: 'BATCH' }>;
export type PlannedMessage = QueryMessage | ExecuteMessage | BatchMessage;
type CustomPayload = Envelope<Request>['customPayload'];

/** What planning reads: the session's and the proxy's state, as plain values and functions. */
export interface PlannerInputs {
  /** Read when planning: a control command may change it at any time. */
  readonly live: { readonly readMode: ReadMode };
  /** PROXY_REPLACE_NOW_UUID: the proxy generates what the clusters would each generate differently. */
  readonly replaceNowUuid: boolean;
  readonly classify: (query: string) => StatementInfo;
  readonly prepared: (clientId: Buffer) => PreparedStatement | undefined;
  /** The proxy's next write timestamp (µs), for writes that bring none. */
  readonly timestamp: () => bigint;
}

/** Where a request goes and in what form. */
export type Plan =
  /** An id the proxy does not know: the client must prepare it again. */
  | { readonly kind: 'unprepared'; readonly id: Buffer }
  /** Answered from the proxy's virtual topology. */
  | { readonly kind: 'virtual'; readonly table: 'local' | 'peers' | 'peers_v2' }
  /** The primary answers; with `shadow`, the other cluster runs it too, to compare. */
  | { readonly kind: 'read'; readonly shadow: boolean; readonly request: ClusterRequest }
  /** Both clusters run it; a `recording` is for the mutation log, `use` changes the session's keyspace; `label` names it in metrics. */
  | { readonly kind: 'both'; readonly request: ClusterRequest; readonly label: string; readonly use: boolean; readonly recording: Recording | undefined };

/**
 * Plans a QUERY, EXECUTE or BATCH: the route, each cluster's body (its own prepared ids, the
 * proxy's timestamp and generated values), and what to record. Pure: no sockets, no clock but
 * the one it is given.
 */
export function planRequest(frame: Frame, message: PlannedMessage, customPayload: CustomPayload, inputs: PlannerInputs): Plan {
  switch (message.type) {
    case 'QUERY':
      return planQuery(frame, message, customPayload, inputs);
    case 'EXECUTE':
      return planExecute(frame, message, customPayload, inputs);
    case 'BATCH':
      return planBatch(frame, message, customPayload, inputs);
  }
}

/** The text a PREPARE sends to both clusters, and the values the proxy will bind itself. */
export function planPrepare(query: string, replaceNowUuid: boolean): ReturnType<typeof bindNowAndUuid> {
  return replaceNowUuid ? bindNowAndUuid(query) : { query, injected: [] };
}

function planQuery(frame: Frame, message: QueryMessage, customPayload: CustomPayload, inputs: PlannerInputs): Plan {
  const info = inputs.classify(message.query);
  const where = route(info, inputs.live.readMode);
  if (where.kind === 'virtual') return where;
  const request = { opcode: frame.opcode, flags: frame.flags, kind: kindOf(info), consistency: message.params.consistency };
  if (where.kind === 'primary') return { kind: 'read', shadow: where.shadow, request: { ...request, body: () => frame.body } };

  const query = inputs.replaceNowUuid && (info.nonIdempotent.now || info.nonIdempotent.uuid) ? replaceNowAndUuid(message.query) : message.query;
  const params = withTimestamp(info, message.params, inputs);
  const body = query === message.query && params === message.params ? frame.body : encodeRequestBody({ type: 'QUERY', query, params }, frame.version, customPayload);
  const recorded: RecordedStatement = { statement: query, values: params.values ?? [], names: params.names };
  return { kind: 'both', request: { ...request, body: () => body }, label: info.kind, use: info.kind === 'use', recording: recordingOf(info, params, recorded) };
}

function planExecute(frame: Frame, message: ExecuteMessage, customPayload: CustomPayload, inputs: PlannerInputs): Plan {
  const statement = inputs.prepared(message.id);
  if (statement === undefined) return { kind: 'unprepared', id: message.id };
  const info = statement.info;
  const params = withTimestamp(info, withInjectedParams(message.params, statement), inputs);
  // Built when sent, not now: a cluster that lost the statement prepares it again under a new id.
  const body = (cluster: ClusterName): Buffer =>
    statement.ids[cluster].equals(message.id) && params === message.params
      ? frame.body
      : encodeRequestBody({ ...message, id: statement.ids[cluster], params }, frame.version, customPayload);
  const request: ClusterRequest = { opcode: frame.opcode, flags: frame.flags, body, kind: kindOf(info), consistency: params.consistency, prepared: [statement] };
  const where = route(info, inputs.live.readMode);
  if (where.kind !== 'both') return { kind: 'read', shadow: where.kind === 'primary' && where.shadow, request };
  const recorded: RecordedStatement = { statement: statement.query, prepared: statement, values: params.values ?? [], names: params.names };
  return { kind: 'both', request, label: info.kind, use: info.kind === 'use', recording: recordingOf(info, params, recorded) };
}

function planBatch(frame: Frame, message: BatchMessage, customPayload: CustomPayload, inputs: PlannerInputs): Plan {
  const children: { statement: BatchStatement; info: StatementInfo; prepared?: PreparedStatement }[] = [];
  for (const statement of message.statements) {
    if (statement.kind === 'prepared') {
      const prepared = inputs.prepared(statement.id);
      if (prepared === undefined) return { kind: 'unprepared', id: statement.id };
      const values = prepared.injected.length === 0 ? statement.values : withInjected(statement.values, prepared.injected);
      children.push({ statement: { ...statement, values }, info: prepared.info, prepared });
    } else {
      const query = inputs.replaceNowUuid ? replaceNowAndUuid(statement.query) : statement.query;
      children.push({ statement: { ...statement, query }, info: inputs.classify(statement.query) });
    }
  }
  // The batch's timestamp is what its statements without USING TIMESTAMP get: always the
  // proxy's, so that both clusters give them the same one, whatever the others carry.
  const timestamp = message.timestamp ?? inputs.timestamp();
  const body = (cluster: ClusterName): Buffer =>
    encodeRequestBody(
      { ...message, timestamp, statements: children.map((c) => (c.statement.kind === 'prepared' ? { ...c.statement, id: c.prepared!.ids[cluster] } : c.statement)) },
      frame.version,
      customPayload,
    );
  const prepared = children.flatMap((c) => (c.prepared ? [c.prepared] : []));
  return {
    kind: 'both',
    request: { opcode: frame.opcode, flags: frame.flags, body, kind: 'write', consistency: message.consistency, batch: true, prepared },
    label: 'batch',
    use: false,
    recording: {
      kind: 'batch',
      consistency: message.consistency,
      serialConsistency: message.serialConsistency,
      writeTimestamp: timestamp,
      infos: children.map((c) => c.info),
      statements: children.map((c) => ({
        statement: c.statement.kind === 'query' ? c.statement.query : c.prepared!.query,
        prepared: c.prepared,
        values: c.statement.values,
        names: c.statement.names,
      })),
    },
  };
}

/** Anything that may have changed data is the log's; reads and USE are not. */
function recordingOf(info: StatementInfo, params: QueryParameters, statement: RecordedStatement): Recording | undefined {
  if (info.kind === 'use' || info.kind === 'read') return undefined;
  return {
    kind: info.kind === 'write' ? (info.mutation ?? 'update') : info.kind === 'ddl' ? 'ddl' : 'other',
    consistency: params.consistency,
    serialConsistency: params.serialConsistency,
    writeTimestamp: params.timestamp,
    infos: [info],
    statements: [statement],
  };
}

/** Adds the proxy's write timestamp to a write that brings none, so both clusters apply the same one. */
function withTimestamp(info: StatementInfo, params: QueryParameters, inputs: PlannerInputs): QueryParameters {
  if (info.kind !== 'write' || info.usesTimestamp || params.timestamp !== undefined) return params;
  return { ...params, timestamp: inputs.timestamp() };
}

/** EXECUTE parameters with the proxy's generated values where the statement had now() or uuid(). */
function withInjectedParams(params: QueryParameters, statement: PreparedStatement): QueryParameters {
  if (statement.injected.length === 0) return params;
  const names = params.names === undefined ? {} : { names: withInjectedNames(params.names, statement) };
  return { ...params, values: withInjected(params.values ?? [], statement.injected), ...names };
}

function withInjectedNames(names: readonly string[], statement: PreparedStatement): string[] {
  const out = [...names];
  for (const { index } of statement.injected) out.splice(index, 0, statement.variables.columns[index]?.name ?? '');
  return out;
}

function kindOf(info: StatementInfo): RequestKind {
  return info.kind === 'read' ? 'read' : info.kind === 'write' ? 'write' : 'other';
}
