import { renderValue, type CqlType } from '@cutover/cql-protocol';
import type { MutationKindName } from './mutation.js';

/** A bound value as the log holds it. */
export interface LoggedValue {
  /** Bind marker or column name, when known. */
  readonly name: string | null;
  /** CQL type text, when known (prepared statements). */
  readonly type: string | null;
  /** As the client sent it; null for CQL null and for unset. */
  readonly bytes: Buffer | null;
  /** A protocol v4 'not set' value: the column is left as it is. */
  readonly unset: boolean;
  /** CQL-literal-like text for people: computed on first read. */
  readonly rendered: string;
}

/** What one cluster did with a mutation. */
export interface LoggedOutcome {
  readonly ok: boolean;
  readonly errorCode: number | null;
  readonly errorMessage: string | null;
  readonly timedOut: boolean;
  readonly latencyMs: number;
}

/** One statement of a batch. */
export interface LoggedChild {
  readonly statement: string;
  readonly keyspace: string | null;
  readonly table: string | null;
  readonly values: readonly LoggedValue[];
  /** Its partition key's values, when known (a prepared statement of a v3 record). */
  readonly partitionKey: readonly LoggedValue[] | null;
}

/** One mutation the proxy logged, whatever the version of the record it came in. */
export interface LoggedMutation {
  /** v1/v2: the event's UUID; v3: proxyId/epoch/sequence. Unique and stable across republishing. */
  readonly eventId: string;
  readonly proxyId: string;
  readonly connectionId: string;
  readonly clientAddress: string;
  readonly driver: string | null;
  /** ms since the epoch. */
  readonly receivedAt: number;
  readonly kind: MutationKindName;
  /** The CQL text as executed; a batch: its statements joined with '; '. */
  readonly statement: string;
  /** Hex; v3: origin's id of the prepared statement (a batch: its first statement's). */
  readonly preparedId: string | null;
  readonly keyspace: string | null;
  readonly table: string | null;
  /** In marker order, or in the client's order when it bound them by name; a batch: its first statement's. */
  readonly values: readonly LoggedValue[];
  /**
   * True when the client bound the values by name (a QUERY or EXECUTE with names): each value's
   * `name` is then the name it was bound to, and only names say which marker it fills, so the
   * values must be bound by name again. Absent otherwise (and in v1/v2 records).
   */
  readonly byName?: true;
  readonly partitionKey: readonly LoggedValue[] | null;
  readonly consistency: number;
  readonly serialConsistency: number | null;
  /** µs. */
  readonly writeTimestamp: bigint | null;
  readonly nonIdempotent: { readonly counter: boolean; readonly listAppend: boolean; readonly lwt: boolean; readonly now: boolean; readonly uuid: boolean };
  readonly children: readonly LoggedChild[];
  readonly origin: LoggedOutcome;
  readonly target: LoggedOutcome;
  /** The record's schema version. */
  readonly format: 1 | 2 | 3;
  readonly source: { readonly topic: string; readonly partition: number; readonly offset: string; readonly timestamp: number };
}

/** A v3 value: rendered from its bytes and type only if someone reads it. */
export class LazyValue implements LoggedValue {
  private text: string | undefined;

  constructor(
    readonly name: string | null,
    readonly type: string | null,
    private readonly cqlType: CqlType | undefined,
    readonly bytes: Buffer | null,
    readonly unset: boolean,
    private readonly protocolVersion: number,
  ) {}

  get rendered(): string {
    this.text ??= this.unset
      ? '<unset>'
      : this.bytes === null
        ? 'null'
        : this.cqlType !== undefined
          ? renderValue(this.bytes, this.cqlType, this.protocolVersion)
          : `0x${this.bytes.toString('hex')}`;
    return this.text;
  }
}
