import { SECRET_PATHS, type Config } from '@cutover/config';
import { redactPasswords } from '@cutover/mutation-log';
import { pino, type DestinationStream, type Logger } from 'pino';

/** Statement text under these keys is logged with its passwords hidden, whoever logs it. */
const STATEMENT_KEYS = ['query', 'statement'] as const;

/**
 * JSON logs on stdout (or the file descriptor `fd`, or appended to `file`, or to `stream`),
 * secrets redacted wherever a config object is logged, and passwords hidden in statement text
 * logged as `query` or `statement` (CREATE ROLE … PASSWORD '…'; see redactPasswords).
 */
export function createLogger(config: Config, service: string, options: { readonly fd?: number; readonly file?: string; readonly level?: string; readonly stream?: DestinationStream } = {}): Logger {
  const settings = {
    name: service,
    level: options.level ?? config.log.level,
    redact: { paths: SECRET_PATHS.flatMap((path) => [path, `config.${path}`]), censor: '[redacted]' },
    serializers: Object.fromEntries(STATEMENT_KEYS.map((key) => [key, (value: unknown) => (typeof value === 'string' ? redactPasswords(value) : value)])),
  };
  if (options.stream !== undefined) return pino(settings, options.stream);
  if (options.file !== undefined) return pino(settings, pino.destination({ dest: options.file, mkdir: true, sync: true }));
  return options.fd === undefined ? pino(settings) : pino(settings, pino.destination(options.fd));
}
