import { join } from 'node:path';
import type { Config } from '@cutover/config';
import { createLogger } from '@cutover/proxy';
import type { Logger } from 'pino';

/**
 * The log of a command run in a terminal. The terminal is for the person running it (reports,
 * progress bars, errors in words), so the JSON log lines go to `$CUTOVER_HOME/logs/<service>.log`;
 * with LOG_LEVEL=debug or trace they go to stderr instead, to be watched as they come.
 */
export function commandLogger(config: Config, service: string): { readonly logger: Logger; readonly file?: string } {
  if (config.log.level === 'debug' || config.log.level === 'trace') return { logger: createLogger(config, service, { fd: 2 }) };
  const file = join(config.stack.home, 'logs', `${service}.log`);
  return { logger: createLogger(config, service, { file }), file };
}
