import { quoteIdentifier, tokenize } from '@cutover/cql-protocol';
import type { LoggedMutation, LoggedValue } from '@cutover/mutation-log';
import cassandra from 'cassandra-driver';

/**
 * Applies a logged mutation to a cluster as the proxy did: the same statement, the values as
 * the client's driver encoded them, and the same write timestamp, so that applying it again,
 * or after newer writes, changes nothing the original would not have. With `into`, to the same
 * tables of another keyspace (a replay's scratch copy).
 *
 * Values go as raw bytes: a Buffer with no type hint is sent as it is, and the cluster reads it
 * as the column's type. They go positionally, unless the client bound them by name: then by
 * name again (`byName`), since their order need not be the markers'.
 */
export async function applyMutation(client: cassandra.Client, mutation: LoggedMutation, into?: string): Promise<void> {
  const keyspace = mutation.keyspace ?? mutation.children[0]?.keyspace ?? null;
  // Unqualified table names resolve in the keyspace the client had chosen with USE.
  const use = into ?? keyspace;
  if (use !== null && client.keyspace !== use) await client.execute(`USE ${quoteIdentifier(use)}`);
  const statement = (text: string): string => (into === undefined || keyspace === null ? text : inKeyspace(text, keyspace, into));
  const options: cassandra.QueryOptions = {
    prepare: false,
    consistency: mutation.consistency,
    // A Long: write timestamps use all 64 bits, past what a JS number holds exactly.
    ...(mutation.writeTimestamp === null || mutation.kind === 'DDL' ? {} : { timestamp: cassandra.types.Long.fromString(mutation.writeTimestamp.toString()) }),
  };
  if (mutation.kind === 'BATCH') {
    await client.batch(mutation.children.map((child) => ({ query: statement(child.statement), params: params(child.values) })), { ...options, logged: true });
  } else {
    const values = mutation.byName === true ? byName(mutation.statement, mutation.values) : params(mutation.values);
    // The driver refuses names for a simple statement until it knows the protocol version: connected.
    if (!Array.isArray(values)) await client.connect();
    await client.execute(statement(mutation.statement), values, options);
  }
}

/** The statement with each name qualified by keyspace `from` qualified by `to` instead (`from.t` → `"to".t`). */
export function inKeyspace(statement: string, from: string, to: string): string {
  const tokens = tokenize(statement);
  let rewritten = '';
  let at = 0;
  tokens.forEach((token, i) => {
    const named = (token.kind === 'identifier' || token.kind === 'quotedIdentifier') && token.value === from;
    const dot = tokens[i + 1];
    if (!named || dot?.kind !== 'punctuation' || dot.value !== '.') return;
    rewritten += `${statement.slice(at, token.start)}${quoteIdentifier(to)}`;
    at = token.end;
  });
  return rewritten + statement.slice(at);
}

function params(values: readonly LoggedValue[]): unknown[] {
  return values.map(param);
}

function param(v: LoggedValue): unknown {
  return v.unset ? cassandra.types.unset : v.bytes;
}

/**
 * Values the client bound by name, bound as the cluster bound them: each marker takes the first
 * value of its name. Among named markers (`:id`) they go positionally, marker by marker, which
 * keeps a quoted name's case; otherwise (`?` markers, which take their column's name) by name,
 * which the driver sends lower-cased, so a name with capitals cannot go that way.
 */
export function byName(statement: string, values: readonly LoggedValue[]): unknown[] | Record<string, unknown> {
  const first = new Map<string, LoggedValue>();
  for (const v of values) if (v.name !== null && !first.has(v.name)) first.set(v.name, v);
  const markers = tokenize(statement).filter((t) => t.kind === 'bindMarker');
  if (markers.length > 0 && markers.every((m) => m.value !== '?')) {
    return markers.map((marker) => {
      const value = first.get(marker.value.slice(1));
      if (value === undefined) throw new Error(`no value was bound to the marker ${marker.value}`);
      return param(value);
    });
  }
  const named = Object.create(null) as Record<string, unknown>;
  for (const [name, value] of first) {
    if (name !== name.toLowerCase()) throw new Error(`the value bound by the name "${name}" cannot be bound by it again: the driver sends names lower-cased`);
    named[name] = param(value);
  }
  return named;
}
