import { findFunctionCalls, tokenize, type PreparedMetadata, type QueryValue } from '@cutover/cql-protocol';
import cassandra from 'cassandra-driver';

/**
 * now() and uuid() give each cluster a different value. With PROXY_REPLACE_NOW_UUID the proxy
 * generates the value once and sends the same to both: as a literal in simple statements, and
 * as an extra bound value in prepared ones (the client never sees that variable).
 */
type Fn = 'now' | 'uuid';
const FUNCTIONS: readonly Fn[] = ['now', 'uuid'];

function generate(fn: Fn): cassandra.types.Uuid {
  return fn === 'now' ? cassandra.types.TimeUuid.now() : cassandra.types.Uuid.random();
}

/** Replaces each call with its own literal, as a coordinator would evaluate each call. */
export function replaceNowAndUuid(query: string): string {
  return splice(query, (fn) => generate(fn).toString()).query;
}

/** A bind variable the proxy added where a now() or uuid() call was. */
export interface InjectedVariable {
  /** Position among the statement's bind variables, as the clusters number them. */
  readonly index: number;
  readonly fn: Fn;
}

/**
 * Turns each call into a positional bind marker, and says where those markers fall among the
 * statement's variables. Statements with named markers are left alone: positions would not
 * mean anything there.
 */
export function bindNowAndUuid(query: string): { query: string; injected: InjectedVariable[] } {
  const markers = tokenize(query).filter((t) => t.kind === 'bindMarker');
  if (markers.some((m) => m.value !== '?')) return { query, injected: [] };
  const { query: rewritten, calls } = splice(query, () => '?');
  const injected = calls.map((call) => ({ fn: call.fn, index: call.i + markers.filter((m) => m.start < call.start).length }));
  return { query: rewritten, injected };
}

function splice(query: string, replacement: (fn: Fn) => string): { query: string; calls: { fn: Fn; start: number; i: number }[] } {
  const calls = findFunctionCalls(query, FUNCTIONS);
  let out = '';
  let at = 0;
  for (const call of calls) {
    out += query.slice(at, call.start) + replacement(call.name as Fn);
    at = call.end;
  }
  return { query: calls.length === 0 ? query : out + query.slice(at), calls: calls.map((c, i) => ({ fn: c.name as Fn, start: c.start, i })) };
}

/** The client's values with a freshly generated value at each injected position. */
export function withInjected(values: readonly QueryValue[], injected: readonly InjectedVariable[]): QueryValue[] {
  const out = [...values];
  for (const variable of injected) out.splice(variable.index, 0, generate(variable.fn).getBuffer());
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
