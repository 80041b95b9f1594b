import { readFileSync } from 'node:fs';
import type { ConnectionOptions, TlsOptions } from 'node:tls';
import type { TlsConfig } from '@cutover/config';

/** Client-side TLS to a cluster: on when a CA is configured, mutual when a certificate is too. */
export function clusterTls(tls: TlsConfig): ConnectionOptions | undefined {
  if (tls.caPath === undefined) return undefined;
  return {
    ca: readFileSync(tls.caPath),
    ...(tls.certPath === undefined ? {} : { cert: readFileSync(tls.certPath) }),
    ...(tls.keyPath === undefined ? {} : { key: readFileSync(tls.keyPath) }),
    rejectUnauthorized: true,
  };
}

/** Server-side TLS for drivers: on with a certificate, requiring client certificates when a CA is set. */
export function listenerTls(tls: TlsConfig): TlsOptions | undefined {
  if (tls.certPath === undefined || tls.keyPath === undefined) return undefined;
  return {
    cert: readFileSync(tls.certPath),
    key: readFileSync(tls.keyPath),
    ...(tls.caPath === undefined ? {} : { ca: readFileSync(tls.caPath), requestCert: true, rejectUnauthorized: true }),
  };
}
