import { readFileSync } from 'node:fs';
import type { TlsOptions } from 'node:tls';
import type { TlsConfig } from '@cutover/config';

/** Server-side TLS for drivers: on with a certificate, requiring client certificates when a CA is set. */
export function listenerTls(tls: TlsConfig): TlsOptions | undefined {
  if (tls.certPath === undefined || tls.keyPath === undefined) return undefined;
  return {
    cert: readFileSync(tls.certPath),
    key: readFileSync(tls.keyPath),
    ...(tls.caPath === undefined ? {} : { ca: readFileSync(tls.caPath), requestCert: true, rejectUnauthorized: true }),
  };
}
