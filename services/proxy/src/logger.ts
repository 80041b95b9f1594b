import { SECRET_PATHS, type Config } from '@cutover/config';
import { pino, type Logger } from 'pino';

/** JSON logs on stdout (or the file descriptor `fd`, or appended to `file`), secrets redacted wherever a config object is logged. */
export function createLogger(config: Config, service: string, options: { readonly fd?: number; readonly file?: string; readonly level?: string } = {}): Logger {
  const settings = {
    name: service,
    level: options.level ?? config.log.level,
    redact: { paths: SECRET_PATHS.flatMap((path) => [path, `config.${path}`]), censor: '[redacted]' },
  };
  if (options.file !== undefined) return pino(settings, pino.destination({ dest: options.file, mkdir: true, sync: true }));
  return options.fd === undefined ? pino(settings) : pino(settings, pino.destination(options.fd));
}
