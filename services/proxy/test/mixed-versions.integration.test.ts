import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ErrorCode, encodeResponse } from '@cutover/cql-protocol';
import { driverVenv } from './python.ts';
import { capturingLogger, configWith, directClients, rowsOf, startProxy, uniqueKeyspace, type TestProxy } from './support.ts';

/**
 * A v5 client in front of a cluster that speaks v4 at most (as Cassandra 3 does): the proxy
 * speaks v5 to the client and to origin, v4 to target, and translates. The v4-only cluster is
 * the real target behind a relay that refuses v5 the way Cassandra 3 does, then passes bytes on.
 */
const timeout = 180_000;
const PORT = 19392;
const RELAY_PORT = 19393;
const workloadScript = fileURLToPath(new URL('python/workload.py', import.meta.url));
let relay: Server;
let proxy: TestProxy;
let log: ReturnType<typeof capturingLogger>;
const relayed: Socket[] = [];

/** Answers any v5 opener with Cassandra 3's error in a v4 header and hangs up; relays everything else to `upstream`. */
function v4OnlyRelay(upstream: { host: string; port: number }): Server {
  return createServer((client) => {
    relayed.push(client);
    client.once('data', (first: Buffer) => {
      const version = first.readUInt8(0) & 0x7f;
      if (version >= 5) {
        const stream = first.readInt16BE(2);
        client.end(encodeResponse(4, stream, { type: 'ERROR', code: ErrorCode.PROTOCOL_ERROR, message: `Invalid or unsupported protocol version (${version}); supported versions are (3/v3, 4/v4)` }));
        return;
      }
      const server = connect(upstream, () => {
        server.write(first);
        client.pipe(server).pipe(client);
      });
      relayed.push(server);
      server.on('error', () => client.destroy());
      client.on('error', () => server.destroy());
      client.on('close', () => server.destroy());
      server.on('close', () => client.destroy());
    });
  });
}

before(async () => {
  const target = configWith().target;
  relay = v4OnlyRelay({ host: target.host, port: target.port });
  await new Promise<void>((resolve) => relay.listen(RELAY_PORT, '127.0.0.1', resolve));
  log = capturingLogger();
  proxy = await startProxy(PORT, { TARGET_HOST: '127.0.0.1', TARGET_PORT: String(RELAY_PORT) }, log.logger);
});

after(async () => {
  await proxy?.stop();
  for (const socket of relayed) socket.destroy();
  await new Promise<void>((resolve) => relay?.close(() => resolve()));
});

describe('a v5 client, a v4-only target', () => {
  it('the Python driver runs its whole workload on v5 with LZ4, and both clusters hold the same', { timeout }, async () => {
    const venv = await driverVenv();
    const ks = uniqueKeyspace('mixed');
    const output = await new Promise<string>((resolve, reject) => {
      // Asynchronous on purpose: the proxy answering the program runs in this very process.
      execFile(venv.python, [workloadScript, '127.0.0.1', String(PORT), ks], { env: { ...process.env, WORKLOAD_PROTOCOL: '5', WORKLOAD_COMPRESSION: 'lz4' }, timeout }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr.slice(-3000)}`)) : resolve(stdout),
      );
    });
    const observed = JSON.parse(output) as Record<string, unknown>;
    assert.equal(observed['protocol_version'], 5);
    assert.equal(observed['compression'], 'lz4');
    const failed = Object.entries(observed).filter(([, value]) => typeof value === 'object' && value !== null && 'error' in value);
    assert.deepEqual(failed, [], 'every step of the workload succeeded');
    assert.ok(log.lines.some((line) => line['cluster'] === 'target' && String(line['msg']).includes('does not speak protocol v5')), 'the proxy fell back to v4 for target');

    const direct = directClients(proxy.config);
    try {
      for (const table of ['items', 'pages', 'counts']) {
        const origin = await rowsOf(direct.origin, `SELECT * FROM ${ks}.${table}`);
        assert.ok(origin.length > 0, `${table} has rows`);
        assert.deepEqual(await rowsOf(direct.target, `SELECT * FROM ${ks}.${table}`), origin, table);
      }
    } finally {
      await direct.shutdown();
    }
  });
});
