import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { ControlPlane, controlTopics } from '@cutover/control-plane';
import { MemoryEventLog, SchemaCatalogue, topicCatalogue } from '@cutover/event-log';
import { generateCertificates } from '@cutover/stack';
import pino from 'pino';
import { buildConsole, consoleAuth } from '../src/index.ts';

/** The status of a GET over HTTPS, trusting only `ca`. */
function get(url: string, ca: Buffer, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { ca, headers }, (response) => {
      response.resume();
      resolve(response.statusCode!);
    })
      .on('error', reject)
      .end();
  });
}

it('serves HTTPS with CONSOLE_TLS_CERT_PATH and _KEY_PATH, and still asks for the token', { timeout: 60_000 }, async () => {
  const certificates = await generateCertificates(await mkdtemp(join(tmpdir(), 'console-tls-')), ['127.0.0.1']);
  const log = new MemoryEventLog();
  const plane = new ControlPlane(log, controlTopics('tls.'));
  const live = await plane.live('tls-test');
  const app = await buildConsole({
    live,
    plane,
    catalogue: SchemaCatalogue.load(),
    topics: topicCatalogue('tls.'),
    auth: consoleAuth({ auth: 'token', token: 'a-token-of-sixteen-chars' }).auth,
    logger: pino({ level: 'silent' }),
    https: { cert: readFileSync(certificates.serverCertPath), key: readFileSync(certificates.serverKeyPath) },
  });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    const ca = readFileSync(certificates.caPath);
    assert.equal(await get(`https://127.0.0.1:${port}/`, ca), 200);
    assert.equal(await get(`https://127.0.0.1:${port}/api/v1/state`, ca), 401);
    assert.equal(await get(`https://127.0.0.1:${port}/api/v1/state`, ca, { authorization: 'Bearer a-token-of-sixteen-chars' }), 200);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/health`), 'no plain HTTP');
  } finally {
    await app.close();
    await live.close();
  }
});
