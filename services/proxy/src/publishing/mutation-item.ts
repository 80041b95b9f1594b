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
  private readonly descriptors = new Map<string, Map<string, EncodedDescriptor>>();
  /** `keyspace.table` as bytes, the start of every Kafka key of the table, by keyspace and table. */
  private readonly tableKeys = new Map<string, Map<string, Buffer>>();
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
      origin: outcome(record.results.origin, record),
      target: outcome(record.results.target, record),
      connectionId: record.connectionId,
      clientAddress: record.clientAddress,
      driver: record.driver ?? null,
    });
    return { key: this.key(record), item, descriptors: described.map((d) => d.bytes) };
  }

  private descriptor(statement: MutationStatement): EncodedDescriptor {
    // By keyspace, then by prepared id (which names the text), or the text of a QUERY: no key
    // string is built per mutation, and a long text is hashed only when it is not prepared.
    const keyspace = statement.keyspace ?? '';
    let inKeyspace = this.descriptors.get(keyspace);
    if (inKeyspace === undefined) {
      if (this.descriptors.size >= DESCRIPTOR_CACHE) this.descriptors.clear();
      this.descriptors.set(keyspace, (inKeyspace = new Map<string, EncodedDescriptor>()));
    }
    const cacheKey = statement.preparedId ?? statement.statement;
    let described = inKeyspace.get(cacheKey);
    if (described === undefined) {
      described = encodeDescriptor({
        cql: redactPasswords(statement.statement),
        keyspace: statement.keyspace ?? null,
        table: statement.table ?? null,
        columns: statement.columns ?? [],
        partitionKey: [...(statement.pkIndexes ?? [])],
      });
      if (inKeyspace.size >= DESCRIPTOR_CACHE) inKeyspace.delete(inKeyspace.keys().next().value!);
      inKeyspace.set(cacheKey, described);
    }
    return described;
  }

  /**
   * The Kafka key: the table and its partition key, so every mutation of one partition lands on
   * one topic partition, in order. Without a known partition key, the table alone.
   */
  private key(record: MutationRecord): Buffer {
    const keyspace = record.keyspace ?? '';
    let tables = this.tableKeys.get(keyspace);
    if (tables === undefined) {
      if (this.tableKeys.size >= DESCRIPTOR_CACHE) this.tableKeys.clear();
      this.tableKeys.set(keyspace, (tables = new Map<string, Buffer>()));
    }
    let table = tables.get(record.table ?? '');
    if (table === undefined) {
      table = Buffer.from(`${keyspace}.${record.table ?? ''}`);
      if (tables.size >= DESCRIPTOR_CACHE) tables.clear();
      tables.set(record.table ?? '', table);
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

/** A cluster's error may quote the statement (a syntax error does): a schema change's passwords are hidden there too. */
function outcome(r: ClusterResult, record: MutationRecord): ClusterOutcomeInput {
  const errorMessage = r.errorMessage === undefined ? null : record.kind === 'ddl' ? redactPasswords(r.errorMessage, record.statement) : r.errorMessage;
  return { ok: r.ok, errorCode: r.errorCode ?? null, errorMessage, timedOut: r.timedOut, latencyMicros: Math.round(r.latencyMs * 1000) };
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
