import { FrameFlag, decodeRequest, encodeRequestBody } from '@cutover/cql-protocol';
import { encodeDescriptor, encodeMutation, redactPasswords, type ClusterOutcomeInput, type EncodedDescriptor } from '@cutover/mutation-log';
import type { ClusterResult, MutationRecord, MutationStatement } from '../mutation-sink.js';
import type { PendingMutation } from './batches.js';

/** Statements are described once each, not per mutation: applications repeat their statements. */
const DESCRIPTOR_CACHE = 4096;

/**
 * Turns the proxy's record of a mutation into a v3 `Mutation` item: the request body origin
 * ran, a small header, and references to statement descriptors. Nothing is rendered here: this
 * runs on the request path, and values are rendered only when someone reads the log.
 */
export class MutationItems {
  private readonly descriptors = new Map<string, EncodedDescriptor>();
  /** `keyspace.table` as bytes, the start of every Kafka key of the table. */
  private readonly tableKeys = new Map<string, Buffer>();
  private sequence = 0;

  /** `epoch` (ms) and the sequence make event ids unique and stable: `proxyId/epoch/sequence`. */
  constructor(private readonly epoch = Date.now()) {}

  build(record: MutationRecord): PendingMutation {
    const described = record.children === undefined ? [this.descriptor(record)] : record.children.map((s) => this.descriptor(s));
    const item = encodeMutation({
      epoch: this.epoch,
      sequence: ++this.sequence,
      receivedAt: record.receivedAt * 1000,
      kind: record.kind,
      protocolVersion: record.request.version,
      opcode: record.request.opcode,
      statements: described.map((d) => d.id),
      body: loggedBody(record),
      consistency: record.consistency,
      serialConsistency: record.serialConsistency ?? null,
      writeTimestamp: record.writeTimestamp ?? null,
      nonIdempotent: record.nonIdempotent,
      origin: outcome(record.results.origin),
      target: outcome(record.results.target),
      connectionId: record.connectionId,
      clientAddress: record.clientAddress,
      driver: record.driver ?? null,
    });
    return { key: this.key(record), item, descriptors: described.map((d) => d.bytes) };
  }

  private descriptor(statement: MutationStatement): EncodedDescriptor {
    const cacheKey = `${statement.keyspace ?? ''}\u0000${statement.preparedId ?? ''}\u0000${statement.statement}`;
    let described = this.descriptors.get(cacheKey);
    if (described === undefined) {
      described = encodeDescriptor({
        cql: redactPasswords(statement.statement),
        keyspace: statement.keyspace ?? null,
        table: statement.table ?? null,
        columns: statement.columns ?? [],
        partitionKey: [...(statement.pkIndexes ?? [])],
      });
      if (this.descriptors.size >= DESCRIPTOR_CACHE) this.descriptors.delete(this.descriptors.keys().next().value!);
      this.descriptors.set(cacheKey, described);
    }
    return described;
  }

  /**
   * The Kafka key: the table and its partition key, so every mutation of one partition lands on
   * one topic partition, in order. Without a known partition key, the table alone.
   */
  private key(record: MutationRecord): Buffer {
    const name = `${record.keyspace ?? ''}.${record.table ?? ''}`;
    let table = this.tableKeys.get(name);
    if (table === undefined) {
      table = Buffer.from(name);
      if (this.tableKeys.size >= DESCRIPTOR_CACHE) this.tableKeys.clear();
      this.tableKeys.set(name, table);
    }
    const parts = record.partitionKey ?? [];
    if (parts.length === 0) return table;
    let size = table.length + 1;
    for (const part of parts) size += part.bytes?.length ?? 0;
    const key = Buffer.allocUnsafe(size);
    let at = table.copy(key, 0);
    key[at++] = 0;
    for (const part of parts) if (part.bytes) at += part.bytes.copy(key, at);
    return key;
  }
}

function outcome(r: ClusterResult): ClusterOutcomeInput {
  return { ok: r.ok, errorCode: r.errorCode ?? null, errorMessage: r.errorMessage ?? null, timedOut: r.timedOut, latencyMicros: Math.round(r.latencyMs * 1000) };
}

/**
 * The body the log keeps: the message alone (a custom payload, which drivers rarely send, is
 * the cluster's business), and `CREATE ROLE … PASSWORD '…'` with the password hidden.
 */
function loggedBody(record: MutationRecord): Buffer {
  const { version, opcode, flags, body } = record.request;
  const secret = record.kind === 'ddl' && redactPasswords(record.statement) !== record.statement;
  if (!secret && (flags & FrameFlag.CUSTOM_PAYLOAD) === 0) return body;
  const { message } = decodeRequest({ version, opcode, body, flags, stream: 0, isResponse: false });
  return encodeRequestBody(message.type === 'QUERY' && secret ? { ...message, query: redactPasswords(message.query) } : message, version);
}
