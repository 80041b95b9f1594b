import { protocolErrorsCodesById } from '@platformatic/kafka';

/**
 * Broker error codes that refuse a record for what it is: sending it again gets the same answer,
 * so it is handed back to the caller (to dead-letter) rather than retried. Every other failure
 * (broker down, timeouts, NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, authorization, an unknown
 * topic, CORRUPT_MESSAGE, which is a CRC broken in transit) may pass on a later try.
 */
export const REFUSALS: ReadonlySet<string> = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'INVALID_TIMESTAMP',
  'POLICY_VIOLATION',
  'UNSUPPORTED_FOR_MESSAGE_FORMAT',
  'UNSUPPORTED_COMPRESSION_TYPE',
]);

export interface PartitionFailure {
  /** The broker's error code, by name. */
  readonly code: string;
  readonly reason: string;
}

/** What the broker said about each partition of a failed send, where it said anything. */
export interface SendOutcome {
  readonly written: ReadonlySet<number>;
  readonly failed: ReadonlyMap<number, PartitionFailure>;
}

interface PartitionResponse {
  readonly index: number;
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly recordErrors?: readonly { readonly batchIndexErrorMessage: string | null }[];
}

interface ProduceResponse {
  readonly responses: readonly { readonly name: string; readonly partitionResponses: readonly PartitionResponse[] }[];
}

/**
 * Reads a failed send's error from @platformatic/kafka: a MultipleErrors whose ResponseErrors
 * carry the Produce response (one error code per partition: the producer sends a partition's
 * records as one record batch, which the broker takes or refuses whole), nested once more per
 * retry, the latest last; `produced.offsets` lists what other brokers wrote.
 */
export function sendOutcome(error: unknown, topic: string): SendOutcome {
  const written = new Set<number>();
  const failed = new Map<number, PartitionFailure>();
  const visit = (e: unknown): void => {
    if (typeof e !== 'object' || e === null) return;
    const { response, produced, errors } = e as { response?: Partial<ProduceResponse>; produced?: { offsets?: readonly { topic: string; partition: number }[] }; errors?: unknown };
    for (const { topic: name, partition } of produced?.offsets ?? []) if (name === topic) written.add(partition);
    if (Array.isArray(errors)) for (const inner of errors) visit(inner);
    const responses: ProduceResponse['responses'] = Array.isArray(response?.responses) ? response.responses : [];
    for (const { name, partitionResponses } of responses) {
      if (name !== topic) continue;
      for (const p of partitionResponses) {
        if (p.errorCode === 0) {
          written.add(p.index);
          failed.delete(p.index);
          continue;
        }
        written.delete(p.index);
        const code = protocolErrorsCodesById[p.errorCode] ?? `KAFKA_ERROR_${p.errorCode}`;
        const details = (p.recordErrors ?? []).flatMap((r) => (r.batchIndexErrorMessage === null ? [] : [r.batchIndexErrorMessage]));
        failed.set(p.index, { code, reason: details.length > 0 ? details.join('; ') : (p.errorMessage ?? code) });
      }
    }
  };
  visit(error);
  return { written, failed };
}
