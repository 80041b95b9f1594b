import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StackError } from './errors.js';

const execFileAsync = promisify(execFile);

/** PEM files of a private test CA, a server certificate for some addresses, and a client certificate. */
export interface Certificates {
  readonly caPath: string;
  readonly serverCertPath: string;
  readonly serverKeyPath: string;
  readonly clientCertPath: string;
  readonly clientKeyPath: string;
}

/**
 * Makes a throwaway CA and certificates with openssl, for TLS between drivers, the proxy and
 * the local clusters. Keys are unencrypted PKCS#8, which Cassandra's PEM keystore and Node both read.
 */
export async function generateCertificates(dir: string, addresses: readonly string[]): Promise<Certificates> {
  await mkdir(dir, { recursive: true });
  const path = (name: string): string => join(dir, name);
  const openssl = async (...args: string[]): Promise<void> => {
    try {
      await execFileAsync('openssl', args, { cwd: dir });
    } catch (error) {
      const { code, stderr } = error as { code?: string; stderr?: string };
      throw new StackError('TLS_NOT_CONFIGURED', code === 'ENOENT' ? 'openssl is needed to make test certificates: install it (Debian: apt-get install openssl)' : `openssl ${args[0]} failed: ${stderr ?? String(error)}`, { cause: error });
    }
  };
  const days = '3650';
  await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path('ca.key'), '-out', path('ca.pem'), '-days', days, '-subj', '/CN=Cutover test CA');
  const issue = async (name: string, extensions: string): Promise<void> => {
    await writeFile(path(`${name}.ext`), extensions);
    await openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', path(`${name}.key`), '-out', path(`${name}.csr`), '-subj', `/CN=cutover-${name}`);
    await openssl('x509', '-req', '-in', path(`${name}.csr`), '-CA', path('ca.pem'), '-CAkey', path('ca.key'), '-CAcreateserial', '-out', path(`${name}.pem`), '-days', days, '-extfile', path(`${name}.ext`));
  };
  const names = ['DNS:localhost', ...addresses.map((a) => (/^[\d.]+$|:/.test(a) ? `IP:${a}` : `DNS:${a}`))].join(',');
  await issue('server', `subjectAltName=${names}\nextendedKeyUsage=serverAuth\n`);
  await issue('client', 'extendedKeyUsage=clientAuth\n');
  return {
    caPath: path('ca.pem'),
    serverCertPath: path('server.pem'),
    serverKeyPath: path('server.key'),
    clientCertPath: path('client.pem'),
    clientKeyPath: path('client.key'),
  };
}
