import { findFunctionCalls } from '@cutover/cql-protocol';
import cassandra from 'cassandra-driver';

/**
 * Replaces now() and uuid() with literals the proxy generates, so both clusters store the same
 * value. Each call gets its own value, as it would on a coordinator.
 */
export function replaceNowAndUuid(query: string): string {
  const calls = findFunctionCalls(query, ['now', 'uuid']);
  if (calls.length === 0) return query;
  let out = '';
  let at = 0;
  for (const call of calls) {
    out += query.slice(at, call.start) + (call.name === 'now' ? cassandra.types.TimeUuid.now() : cassandra.types.Uuid.random()).toString();
    at = call.end;
  }
  return out + query.slice(at);
}
