import type { ClusterName, Config, ReadMode } from '@cutover/config';
import { classify, encodeValue, type CqlType, type StatementInfo } from '@cutover/cql-protocol';
import type { Logger } from 'pino';
import type { ClusterEndpoint } from './cluster-connection.js';
import { MicrosecondClock } from './clock.js';
import { DualReadComparator } from './dual-reads.js';
import { ProxyMetrics } from './metrics.js';
import type { MutationSink } from './mutation-sink.js';
import { PreparedCache } from './prepared-cache.js';
import { virtualNodes, type Encode, type VirtualNode } from './virtual-topology.js';

/** Settings a control command may change while the proxy runs. */
export interface LiveSettings {
  primary: ClusterName;
  readMode: ReadMode;
}

/** What every client session of one proxy shares. */
export interface ProxyContext {
  readonly config: Config;
  readonly endpoints: Readonly<Record<ClusterName, ClusterEndpoint>>;
  readonly live: LiveSettings;
  readonly prepared: PreparedCache;
  readonly clock: MicrosecondClock;
  readonly sink: MutationSink;
  readonly metrics: ProxyMetrics;
  readonly dualReads: DualReadComparator;
  readonly logger: Logger;
  readonly topology: { readonly nodes: readonly VirtualNode[]; readonly self: VirtualNode };
  /** Classifies statement text, remembering recent answers: applications repeat their statements. */
  readonly classify: (query: string) => StatementInfo;
  readonly encodeFor: (version: number) => Encode;
}

export function createContext(config: Config, endpoints: Readonly<Record<ClusterName, ClusterEndpoint>>, sink: MutationSink, logger: Logger): ProxyContext {
  const prepared = new PreparedCache();
  const metrics = new ProxyMetrics(() => prepared.size);
  const nodes = virtualNodes(config.proxy.topologyAddresses);
  return {
    config,
    endpoints,
    live: { primary: config.proxy.primaryCluster, readMode: config.proxy.readMode },
    prepared,
    clock: new MicrosecondClock(),
    sink,
    metrics,
    dualReads: new DualReadComparator(metrics, logger, 20, (keyspace, table) => prepared.partitionKeyOf(keyspace, table)),
    logger,
    topology: { nodes, self: nodes[config.proxy.topologyIndex]! },
    classify: cached(classify, 4096),
    encodeFor: (version) => (value: unknown, type: CqlType) => encodeValue(value, type, version),
  };
}

function cached(fn: (query: string) => StatementInfo, capacity: number): (query: string) => StatementInfo {
  const memo = new Map<string, StatementInfo>();
  return (query) => {
    let info = memo.get(query);
    if (info === undefined) {
      info = fn(query);
      if (memo.size >= capacity) memo.delete(memo.keys().next().value!);
      memo.set(query, info);
    }
    return info;
  };
}
