import { logLevel, type logCreator } from 'kafkajs';

/** The part of a logger (pino's, say) kafkajs's logs are handed to. */
export interface LogSink {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

/** kafkajs namespaces whose errors it retries itself: while Kafka is away they are expected, not failures. */
const RETRIED = new Set(['Connection', 'BrokerPool', 'Cluster']);

/** Sends kafkajs's logs to `logger`, so they come out as the service's own JSON lines. */
export function kafkajsLogs(logger: LogSink): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = log as { message: string; timestamp?: string; logger?: string };
      const entry = { kafkajs: namespace, ...fields };
      if (level === logLevel.ERROR && !RETRIED.has(namespace)) logger.error(entry, message);
      else if (level <= logLevel.WARN) logger.warn(entry, message);
      else if (level === logLevel.INFO) logger.info(entry, message);
      else logger.debug(entry, message);
    };
}
