import { ErrorCode } from '@cutover/cql-protocol';
import { isRetryable } from '@cutover/errors';
import cassandra from 'cassandra-driver';

/** Cluster answers that say "not now": the same request later can succeed. */
const PASSING_ANSWERS: ReadonlySet<number> = new Set([ErrorCode.UNAVAILABLE, ErrorCode.OVERLOADED, ErrorCode.IS_BOOTSTRAPPING, ErrorCode.READ_TIMEOUT, ErrorCode.WRITE_TIMEOUT, ErrorCode.READ_FAILURE, ErrorCode.WRITE_FAILURE, ErrorCode.TRUNCATE_ERROR]);

/** Socket errors of a server that is away or restarting. */
const NETWORK_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Whether a failure of chunk work passes with time: a cluster, S3 or Kafka away, overloaded or
 * timing out. Anything else (a refused statement, a missing object, a value that cannot be
 * read, a bug) fails the same way again.
 */
export function isTransient(error: unknown): boolean {
  if (isRetryable(error)) return true;
  if (error instanceof cassandra.errors.NoHostAvailableError || error instanceof cassandra.errors.OperationTimedOutError || error instanceof cassandra.errors.BusyConnectionError) return true;
  if (error instanceof cassandra.errors.ResponseError) return PASSING_ANSWERS.has(error.code);
  const e = error as { code?: unknown; name?: unknown; $retryable?: unknown; $metadata?: { httpStatusCode?: number }; cause?: unknown };
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  // S3: the AWS SDK marks what it would retry; a 5xx is the server's trouble.
  if (e.$retryable !== undefined || (e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  // Kafka's clients (kafkajs reads, @platformatic/kafka writes): a log that is away. One that refuses for good says so in the warning each time.
  if ((typeof e.name === 'string' && e.name.startsWith('KafkaJS')) || (typeof e.code === 'string' && e.code.startsWith('PLT_KFK_'))) return true;
  return e.cause !== undefined && e.cause !== error && isTransient(e.cause);
}
