import type { ReadMode } from '@cutover/config';
import type { StatementInfo } from '@cutover/cql-protocol';


/** Where a statement goes. */
export type Route =
  /** Both clusters; the client waits for both. */
  | { readonly kind: 'both' }
  /** The primary only; with `shadow`, the other cluster too, in the background, to compare. */
  | { readonly kind: 'primary'; readonly shadow: boolean }
  /** Answered by the proxy from its virtual topology. */
  | { readonly kind: 'virtual'; readonly table: 'local' | 'peers' | 'peers_v2' };

/**
 * Writes, DDL and USE go to both clusters, reads to the primary. A statement the classifier
 * cannot read goes to both: sending a read twice costs a little, losing a write on one
 * cluster costs the migration.
 */
export function route(info: StatementInfo, readMode: ReadMode): Route {
  if (info.systemTable !== undefined) return { kind: 'virtual', table: info.systemTable };
  // System keyspaces describe each cluster itself (table ids, tokens, peers): comparing them
  // across clusters would only ever report differences.
  if (info.kind === 'read') return { kind: 'primary', shadow: readMode === 'dual-async' && !info.keyspace?.startsWith('system') };
  return { kind: 'both' };
}
