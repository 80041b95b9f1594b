import { CLOCK_FUNCTIONS, classify, findFunctionCalls, tokenize, type PreparedMetadata, type QueryValue, type Token } from '@cutover/cql-protocol';
import cassandra from 'cassandra-driver';

/**
 * now(), uuid() and the functions that read the coordinator's clock (currentTimestamp(),
 * currentDate(), currentTime(), currentTimeUUID() and their Cassandra 5 spellings
 * current_timestamp() …: see CLOCK_FUNCTIONS) give each cluster a different value. With
 * PROXY_REPLACE_NOW_UUID the proxy generates the value once and sends the same to both: as a
 * literal in simple statements, and as an extra bound value in prepared ones (the client never
 * sees that variable).
 */
export type Generated = 'timeuuid' | 'uuid' | 'timestamp' | 'date' | 'time';

/** What each replaced function returns, by its name as CQL folds it (lower case unless quoted). */
const RETURNS: Readonly<Record<string, Generated>> = { ...CLOCK_FUNCTIONS, uuid: 'uuid' };
const FUNCTIONS = Object.keys(RETURNS);

const DAY_MS = 86_400_000;
/** A CQL date is the unsigned count of days with the epoch at 2^31. */
const DATE_EPOCH = 2 ** 31;

/** A fresh value of `type`, as its CQL encoding; `nowMs` is the clock the time-based ones read. */
export function generate(type: Generated, nowMs = Date.now()): Buffer {
  switch (type) {
    case 'timeuuid':
      return cassandra.types.TimeUuid.now().getBuffer();
    case 'uuid':
      return cassandra.types.Uuid.random().getBuffer();
    case 'timestamp':
      return int64(BigInt(nowMs));
    case 'date': {
      const bytes = Buffer.alloc(4);
      bytes.writeUInt32BE(Math.floor(nowMs / DAY_MS) + DATE_EPOCH);
      return bytes;
    }
    case 'time':
      // Nanoseconds since midnight UTC, as Cassandra's currentTime() reads them (at the ms here).
      return int64(BigInt(((nowMs % DAY_MS) + DAY_MS) % DAY_MS) * 1_000_000n);
  }
}

function int64(value: bigint): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64BE(value);
  return bytes;
}

/**
 * A fresh value of `type` as a CQL literal. Clock values carry a type cast (`(timestamp)17…`,
 * `(date)'2026-05-01'`, `(time)45296789000000`): a bare number or string would be ambiguous as
 * the argument of an overloaded function (toUnixTimestamp, toDate) where the call was not.
 */
export function literal(type: Generated, nowMs = Date.now()): string {
  switch (type) {
    case 'timeuuid':
      return cassandra.types.TimeUuid.now().toString();
    case 'uuid':
      return cassandra.types.Uuid.random().toString();
    case 'timestamp':
      return `(timestamp)${nowMs}`;
    case 'date':
      return `(date)'${new Date(Math.floor(nowMs / DAY_MS) * DAY_MS).toISOString().slice(0, 10)}'`;
    case 'time':
      return `(time)${generate('time', nowMs).readBigInt64BE()}`;
  }
}

/** Replaces each call with its own literal, as a coordinator would evaluate each call. */
export function replaceNowAndUuid(query: string): string {
  return splice(query, tokenize(query), (call) => literal(call.type)).query;
}

/** A bind variable the proxy added where a now(), uuid() or clock function call was. */
export interface InjectedVariable {
  /** Position among the statement's bind variables, as the clusters number them. */
  readonly index: number;
  /** What the proxy fills it with. */
  readonly type: Generated;
}

/** The name of the proxy's `n`th marker in a statement whose own markers are named. */
const injectedName = (n: number): string => `cutover_generated_${n}`;

/**
 * Turns each call of a write into a bind marker, and says where those markers fall among the
 * statement's variables: `?` among positional markers, `:cutover_generated_<n>` among named
 * ones (named markers have positions too: drivers bind them in the order the metadata lists
 * them). A marker that is a function's argument gets a cast, `toDate((timeuuid)?)`, since the
 * cluster could not tell which overload a bare one means. Left as they are: calls inside a
 * collection literal (`[now()]`), where Cassandra takes no bind marker, and reads, which only
 * the primary runs (and `SELECT ?` would not even prepare).
 */
export function bindNowAndUuid(query: string): { query: string; injected: InjectedVariable[] } {
  const tokens = tokenize(query);
  if (findFunctionCalls(query, FUNCTIONS).length === 0 || classify(query).kind !== 'write') return { query, injected: [] };
  const markers = tokens.filter((t) => t.kind === 'bindMarker');
  const named = markers.some((m) => m.value !== '?');
  let n = 0;
  const { query: rewritten, calls } = splice(query, tokens, (call) => {
    if (call.inCollection) return undefined;
    const marker = named ? `:${injectedName(++n)}` : '?';
    return call.argument ? `(${call.type})${marker}` : marker;
  });
  const injected = calls.map((call, i) => ({ type: call.type, index: i + markers.filter((m) => m.start < call.start).length }));
  return { query: rewritten, injected };
}

interface Call {
  readonly type: Generated;
  readonly start: number;
  /** Whether the call is an argument of another function call. */
  readonly argument: boolean;
  /** Whether the call is inside a collection or UDT literal. */
  readonly inCollection: boolean;
}

/** The query with the calls `replacement` gives text for replaced, and those calls. */
function splice(query: string, tokens: readonly Token[], replacement: (call: Call) => string | undefined): { query: string; calls: Call[] } {
  const found = findFunctionCalls(query, FUNCTIONS);
  if (found.length === 0) return { query, calls: [] };
  const tokenAt = new Map(tokens.map((t, i) => [t.start, i]));
  let out = '';
  let at = 0;
  const calls: Call[] = [];
  for (const c of found) {
    const call: Call = { type: RETURNS[c.name]!, start: c.start, ...placeOf(tokens, tokenAt.get(c.start) ?? 0) };
    const text = replacement(call);
    if (text === undefined) continue;
    out += query.slice(at, c.start) + text;
    at = c.end;
    calls.push(call);
  }
  return { query: out + query.slice(at), calls };
}

/** Words before a `(` that does not open a function's arguments. */
const NOT_FUNCTIONS = new Set(['values', 'in', 'and', 'or', 'not', 'where', 'if', 'set', 'using', 'contains', 'key']);

/** Where the term at tokens[at] sits: directly among a function's arguments, and inside a collection literal. */
function placeOf(tokens: readonly Token[], at: number): { argument: boolean; inCollection: boolean } {
  let depth = 0;
  let argument: boolean | undefined;
  for (let i = at - 1; i >= 0; i--) {
    const t = tokens[i]!;
    if (t.kind !== 'punctuation') continue;
    if (t.value === ')' || t.value === ']' || t.value === '}') depth++;
    else if (t.value === '(' || t.value === '[' || t.value === '{') {
      if (depth > 0) {
        depth--;
        continue;
      }
      const before = tokens[i - 1];
      const name = before?.kind === 'identifier' || before?.kind === 'quotedIdentifier' ? before : undefined;
      argument ??= t.value === '(' && name !== undefined && (name.kind === 'quotedIdentifier' || !NOT_FUNCTIONS.has(name.value));
      // `m[k]` after a column name is an element, not a list literal.
      if (t.value === '{' || (t.value === '[' && name === undefined)) return { argument, inCollection: true };
    }
  }
  return { argument: argument ?? false, inCollection: false };
}

/** The client's values with a freshly generated value at each injected position. */
export function withInjected(values: readonly QueryValue[], injected: readonly InjectedVariable[]): QueryValue[] {
  const out = [...values];
  const now = Date.now();
  for (const variable of injected) out.splice(variable.index, 0, generate(variable.type, now));
  return out;
}

/** The variables as the client must see them: without the injected ones, partition key indexes shifted to match. */
export function hideInjected(variables: PreparedMetadata, injected: readonly InjectedVariable[]): PreparedMetadata {
  const hidden = new Set(injected.map((v) => v.index));
  const shift = (i: number): number => i - injected.filter((v) => v.index < i).length;
  return {
    columns: variables.columns.filter((_, i) => !hidden.has(i)),
    pkIndexes: variables.pkIndexes.filter((i) => !hidden.has(i)).map(shift),
  };
}
