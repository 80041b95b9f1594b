import type { Config } from '@cutover/config';
import { metricsServer } from '@cutover/table-migrator';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/**
 * A migrator's /metrics on MIGRATOR_METRICS_HOST:MIGRATOR_METRICS_PORT. Metrics are for
 * watching: a second migrator on the host, finding the port taken, says so and works on without.
 */
export async function serveMetrics(metrics: { readonly registry: Registry }, config: Config, logger: Logger): Promise<FastifyInstance> {
  const http = metricsServer(metrics);
  await http.listen({ host: config.migrator.metricsHost, port: config.migrator.metricsPort }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE') throw error;
    logger.warn({ port: config.migrator.metricsPort }, 'the metrics port is taken (another migrator on this host?): this one serves no metrics');
  });
  return http;
}
