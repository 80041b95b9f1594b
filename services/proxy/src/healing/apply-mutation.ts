import { tokenize } from '@cutover/cql-protocol';
import type { LoggedMutation, LoggedValue } from '@cutover/mutation-log';
import cassandra from 'cassandra-driver';

/**
 * Applies a logged mutation to a cluster as the proxy did: the same statement, the values as
 * the client's driver encoded them, and the same write timestamp, so that applying it again,
 * or after newer writes, changes nothing the original would not have. With `into`, to the same
 * tables of another keyspace (a replay's scratch copy).
 *
 * Values go positionally as raw bytes: a Buffer with no type hint is sent as it is, and the
 * cluster reads it as the column's type.
 */
export async function applyMutation(client: cassandra.Client, mutation: LoggedMutation, into?: string): Promise<void> {
  const keyspace = mutation.keyspace ?? mutation.children[0]?.keyspace ?? null;
  // Unqualified table names resolve in the keyspace the client had chosen with USE.
  const use = into ?? keyspace;
  if (use !== null && client.keyspace !== use) await client.execute(`USE "${use.replaceAll('"', '""')}"`);
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
    await client.execute(statement(mutation.statement), params(mutation.values), options);
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
    rewritten += `${statement.slice(at, token.start)}"${to.replaceAll('"', '""')}"`;
    at = token.end;
  });
  return rewritten + statement.slice(at);
}

function params(values: readonly LoggedValue[]): unknown[] {
  return values.map((v) => (v.unset ? cassandra.types.unset : v.bytes));
}
