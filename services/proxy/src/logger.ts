import { SECRET_PATHS, type Config } from '@cutover/config';
import { pino, type Logger } from 'pino';

/** JSON logs on stdout, secrets redacted wherever a config object is logged. */
export function createLogger(config: Config, service: string): Logger {
  return pino({
    name: service,
    level: config.log.level,
    redact: { paths: SECRET_PATHS.flatMap((path) => [path, `config.${path}`]), censor: '[redacted]' },
  });
}
