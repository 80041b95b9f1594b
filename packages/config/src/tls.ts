import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { TlsConfig } from './config.js';

/**
 * Client-side TLS to a cluster, from its settings: on when a CA is configured, mutual when a
 * certificate is too. The same options suit Node's tls.connect and cassandra-driver's sslOptions.
 */
export function clusterTlsOptions(tls: TlsConfig): ConnectionOptions | undefined {
  if (tls.caPath === undefined) return undefined;
  return {
    ca: [readFileSync(tls.caPath)],
    ...(tls.certPath === undefined ? {} : { cert: readFileSync(tls.certPath) }),
    ...(tls.keyPath === undefined ? {} : { key: readFileSync(tls.keyPath) }),
    rejectUnauthorized: true,
  };
}
