import { createHash } from 'node:crypto';
import type { ColumnSpec, CqlType } from '@cutover/cql-protocol';

/** One proxy instance as drivers see it: a node with one token of the ring. */
export interface VirtualNode {
  readonly address: string;
  /** Murmur3 token, as system tables spell it. */
  readonly token: string;
  readonly hostId: string;
}

const RING_START = -(2n ** 63n);
const RING_SIZE = 2n ** 64n;

/**
 * The proxies as a ring of equal ranges, so token-aware drivers spread requests over them.
 * Host ids are derived from addresses, so every instance computes the same topology.
 */
export function virtualNodes(addresses: readonly string[]): VirtualNode[] {
  return addresses.map((address, i) => ({
    address,
    token: (RING_START + (RING_SIZE * BigInt(i)) / BigInt(addresses.length)).toString(),
    hostId: uuidFrom(`cutover-proxy:${address}`),
  }));
}

function uuidFrom(text: string): string {
  const hex = createHash('md5').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-3${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export type Encode = (value: unknown, type: CqlType) => Buffer | null;

/** What a node column says about `node`, for the columns that describe where and what it is. */
function nodeValue(column: ColumnSpec, node: VirtualNode, port: number): unknown {
  switch (column.name) {
    case 'rpc_address':
    case 'broadcast_address':
    case 'listen_address':
    case 'peer':
    case 'preferred_ip':
    case 'native_address':
      return node.address;
    case 'host_id':
      return node.hostId;
    case 'tokens':
      return [node.token];
    case 'native_port':
    case 'rpc_port':
      return port;
    default:
      return undefined;
  }
}

/**
 * The row of system.local as the client asked for it, describing `self` instead of the
 * cluster's node; every other column (cluster name, versions, schema version, data center)
 * keeps the primary cluster's value.
 */
export function localRow(columns: readonly ColumnSpec[], row: readonly (Buffer | null)[], self: VirtualNode, port: number, encode: Encode): (Buffer | null)[] {
  return columns.map((column, i) => {
    const value = nodeValue(column, self, port);
    return value === undefined ? (row[i] ?? null) : encode(value, column.type);
  });
}

/**
 * Rows of system.peers for every proxy but `self`, in the columns the client asked for, each
 * otherwise like the primary cluster's own system.local row (`template`, by column name).
 */
export function peerRows(
  columns: readonly ColumnSpec[],
  nodes: readonly VirtualNode[],
  self: VirtualNode,
  port: number,
  template: ReadonlyMap<string, Buffer | null>,
  encode: Encode,
): (Buffer | null)[][] {
  return nodes
    .filter((node) => node !== self)
    .map((node) =>
      columns.map((column) => {
        const value = nodeValue(column, node, port);
        return value === undefined ? (template.get(column.name) ?? null) : encode(value, column.type);
      }),
    );
}
