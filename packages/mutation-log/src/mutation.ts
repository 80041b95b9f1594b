import { AvroWriter, stringBound } from './avro-writer.js';
import { STATEMENT_ID_BYTES } from './descriptor.js';

/** MutationKind's symbols, in the schema's order (their index is what Avro writes). */
export const MUTATION_KINDS = ['INSERT', 'UPDATE', 'DELETE', 'BATCH', 'TRUNCATE', 'DDL', 'OTHER'] as const;
export type MutationKindName = (typeof MUTATION_KINDS)[number];

const KIND_INDEX = new Map<string, number>(MUTATION_KINDS.flatMap((kind, i) => [[kind, i] as const, [kind.toLowerCase(), i] as const]));

export interface ClusterOutcomeInput {
  readonly ok: boolean;
  readonly errorCode?: number | null;
  readonly errorMessage?: string | null;
  readonly timedOut: boolean;
  /** A whole number of µs. */
  readonly latencyMicros: number;
}

/** One mutation as the proxy recorded it; field for field the schema's Mutation. */
export interface MutationInput {
  /** When the proxy process started, ms since the epoch. */
  readonly epoch: number;
  /** From 1 within the epoch. */
  readonly sequence: number;
  /** µs since the epoch (a safe integer until the year 2255). */
  readonly receivedAt: number;
  /** The schema's symbol, or the proxy's lower-case kind ('insert', …, 'ddl', 'other'). */
  readonly kind: MutationKindName | Lowercase<MutationKindName>;
  readonly protocolVersion: number;
  /** 7 QUERY, 10 EXECUTE, 13 BATCH. */
  readonly opcode: number;
  /** Descriptor ids (encodeDescriptor's `id`): one, or one per batch child in order. */
  readonly statements: readonly Buffer[];
  /** The request message body sent to origin: uncompressed, no custom payload. */
  readonly body: Buffer;
  readonly consistency: number;
  readonly serialConsistency?: number | null;
  /** µs; any signed 64-bit value. */
  readonly writeTimestamp?: bigint | null;
  readonly nonIdempotent: { readonly counter: boolean; readonly listAppend: boolean; readonly lwt: boolean; readonly now: boolean; readonly uuid: boolean };
  readonly origin: ClusterOutcomeInput;
  readonly target: ClusterOutcomeInput;
  readonly connectionId: string;
  readonly clientAddress: string;
  readonly driver?: string | null;
}

/** Where small mutations are written before they are copied out at their size. */
const scratch = Buffer.allocUnsafe(64 * 1024);

/** The Avro bytes of one Mutation: what the journal keeps and assembleBatch concatenates. */
export function encodeMutation(m: MutationInput): Buffer {
  const kind = KIND_INDEX.get(m.kind);
  if (kind === undefined) throw new RangeError(`${m.kind} is not a mutation kind`);
  const bound =
    // longs and ints at 10 bytes, booleans, union branches and array ends
    160 +
    m.body.length +
    m.statements.length * STATEMENT_ID_BYTES +
    stringBound(m.origin.errorMessage) +
    stringBound(m.target.errorMessage) +
    stringBound(m.connectionId) +
    stringBound(m.clientAddress) +
    stringBound(m.driver);
  // A large body gets a buffer of its own rather than a scratch buffer kept at its size for ever.
  const fresh = bound > scratch.length;
  const w = new AvroWriter(fresh ? Buffer.allocUnsafe(bound) : scratch);
  w.long(m.epoch);
  w.long(m.sequence);
  w.long(m.receivedAt);
  w.long(kind);
  w.long(m.protocolVersion);
  w.long(m.opcode);
  if (m.statements.length > 0) {
    w.long(m.statements.length);
    for (const id of m.statements) {
      if (id.length !== STATEMENT_ID_BYTES) throw new RangeError(`a statement id is ${STATEMENT_ID_BYTES} bytes, not ${id.length}`);
      w.raw(id);
    }
  }
  w.long(0);
  w.bytes(m.body);
  w.long(m.consistency);
  if (w.present(m.serialConsistency)) w.long(m.serialConsistency);
  if (w.present(m.writeTimestamp)) w.bigLong(m.writeTimestamp);
  const { counter, listAppend, lwt, now, uuid } = m.nonIdempotent;
  w.boolean(counter);
  w.boolean(listAppend);
  w.boolean(lwt);
  w.boolean(now);
  w.boolean(uuid);
  outcome(w, m.origin);
  outcome(w, m.target);
  w.string(m.connectionId);
  w.string(m.clientAddress);
  if (w.present(m.driver)) w.string(m.driver);
  if (fresh) return w.buffer.subarray(0, w.length);
  const bytes = Buffer.allocUnsafe(w.length);
  scratch.copy(bytes, 0, 0, w.length);
  return bytes;
}

function outcome(w: AvroWriter, o: ClusterOutcomeInput): void {
  w.boolean(o.ok);
  if (w.present(o.errorCode)) w.long(o.errorCode);
  if (w.present(o.errorMessage)) w.string(o.errorMessage);
  w.boolean(o.timedOut);
  w.long(o.latencyMicros);
}
