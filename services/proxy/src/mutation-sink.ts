import type { ClusterName } from '@cutover/config';
import type { ColumnSpec, MutationKind, NonIdempotence } from '@cutover/cql-protocol';
import type { Registry } from 'prom-client';
import { healable } from './outcome.js';

export interface BoundValue {
  readonly name?: string;
  /** CQL type, when the proxy knows it (prepared statements). */
  readonly type?: string;
  /** Readable, CQL-literal-like rendering. */
  readonly rendered: string;
  /** The value exactly as the client sent it; null for CQL null, undefined for "not set". */
  readonly bytes: Buffer | null | undefined;
}

export interface ClusterResult {
  readonly ok: boolean;
  readonly errorCode?: number;
  readonly errorMessage?: string;
  readonly timedOut: boolean;
  readonly latencyMs: number;
}

export interface MutationStatement {
  readonly statement: string;
  readonly preparedId?: string;
  readonly keyspace?: string;
  readonly table?: string;
  readonly values: readonly BoundValue[];
  readonly partitionKey?: readonly BoundValue[];
  /** The bound variables of a prepared statement, and which of them make the partition key. */
  readonly columns?: readonly ColumnSpec[];
  readonly pkIndexes?: readonly number[];
}

/** Everything the proxy saw and did for one mutation: what the event log records. */
export interface MutationRecord extends MutationStatement {
  readonly proxyId: string;
  readonly connectionId: string;
  readonly clientAddress: string;
  /** The client's driver, as its STARTUP named it (DRIVER_NAME DRIVER_VERSION). */
  readonly driver?: string;
  /** When the proxy received it, ms since the epoch. */
  readonly receivedAt: number;
  readonly kind: MutationKind | 'ddl' | 'other';
  readonly consistency: number;
  readonly serialConsistency?: number;
  /** The write timestamp both clusters applied, µs; absent when the statement carries its own USING TIMESTAMP. */
  readonly writeTimestamp?: bigint;
  readonly nonIdempotent: NonIdempotence;
  /** A batch's statements. */
  readonly children?: readonly MutationStatement[];
  readonly results: Readonly<Record<ClusterName, ClusterResult>>;
  /** The request as origin received it (the proxy's timestamp and generated values in it): the log keeps these bytes. */
  readonly request: { readonly version: number; readonly opcode: number; readonly flags: number; readonly body: Buffer };
}

/** Where the proxy hands every mutation. It must not block: the request path calls it inline. */
export interface MutationSink {
  /**
   * Takes a mutation both clusters have run. A promise means the client's answer waits for it
   * (LOG_DURABILITY=acked): resolved, the mutation is durably in the log; rejected, it is not,
   * and the client must not see the write acknowledged.
   */
  record(mutation: MutationRecord): Promise<void> | undefined;
  /** Why a mutation of about `bytes` cannot be taken now (it is then refused before any cluster runs it); undefined if it can. */
  refusal?(bytes: number): string | undefined;
  /** Why the log is not healthy now (for /health/ready), if it is not. */
  unhealthy?(): string | undefined;
  /** Adds the sink's metrics to the proxy's registry. */
  registerMetrics?(registry: Registry): void;
}

/**
 * Origin took it and target could not (a failure of availability): under origin-acked the
 * client was told it succeeded, so target needs healing. A refusal (Unauthorized, Invalid) is
 * never healed: the client heard it, and the healer must not do what target refused.
 */
export function needsHealing(mutation: MutationRecord): boolean {
  const { origin, target } = mutation.results;
  return origin.ok && !target.ok && healable(target.errorCode);
}

/**
 * Keeps mutations in memory: for tests, and until the event log plugs Kafka in. With a
 * capacity it keeps at least the most recent `capacity` (trimming in batches, so each record
 * costs the same), so a long-running proxy does not grow forever.
 */
export class InMemoryMutationSink implements MutationSink {
  readonly mutations: MutationRecord[] = [];
  recorded = 0;

  constructor(private readonly capacity = Infinity) {}

  record(mutation: MutationRecord): undefined {
    this.recorded++;
    this.mutations.push(mutation);
    if (this.mutations.length >= 2 * this.capacity) this.mutations.splice(0, this.mutations.length - this.capacity);
    return undefined;
  }
}
