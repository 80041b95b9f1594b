import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalStack, cassandraClient, generateCertificates, type Certificates } from '@cutover/stack';
import cassandra from 'cassandra-driver';
import { needsHealing } from '../src/mutation-sink.ts';
import { REPLICATION, configWith, rowsOf, startProxy, uniqueKeyspace, type TestProxy } from './support.ts';

/**
 * A secure pair of clusters of its own: PasswordAuthenticator with a different user on each,
 * one-way TLS to origin, mutual TLS to target; and TLS between the driver and the proxy.
 */
const timeout = 240_000;
const ks = uniqueKeyspace('secure');
let certs: Certificates;
let env: Record<string, string>;
let stack: LocalStack;
const proxies: TestProxy[] = [];

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cutover-secure-'));
  certs = await generateCertificates(join(dir, 'certs'), ['127.0.0.1', '127.0.0.4', '127.0.0.5']);
  env = {
    CUTOVER_STACK_DIR: join(dir, 'stack'),
    ORIGIN_HOST: '127.0.0.4',
    TARGET_HOST: '127.0.0.5',
    ORIGIN_USERNAME: 'alice',
    ORIGIN_PASSWORD: 'alice-pw',
    TARGET_USERNAME: 'bob',
    TARGET_PASSWORD: 'bob-pw',
    ORIGIN_TLS_CA_PATH: certs.caPath,
    TARGET_TLS_CA_PATH: certs.caPath,
    TARGET_TLS_CERT_PATH: certs.clientCertPath,
    TARGET_TLS_KEY_PATH: certs.clientKeyPath,
    STACK_TLS_CERT_PATH: certs.serverCertPath,
    STACK_TLS_KEY_PATH: certs.serverKeyPath,
    PROXY_TLS_CERT_PATH: certs.serverCertPath,
    PROXY_TLS_KEY_PATH: certs.serverKeyPath,
  };
  stack = new LocalStack(configWith(env));
  await stack.up(['origin', 'target']);
});

after(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await stack.down(['origin', 'target']);
});

async function proxyWith(port: number, extra: Record<string, string> = {}): Promise<TestProxy> {
  const proxy = await startProxy(port, { ...env, ...extra });
  proxies.push(proxy);
  return proxy;
}

function tlsClient(proxy: TestProxy, credentials: [string, string] | undefined, tls: cassandra.ClientOptions['sslOptions'] | undefined): cassandra.Client {
  return proxy.client({
    // A TLS listener never answers a plain-text STARTUP: fail in 2 s, not the driver's 12.
    socketOptions: { connectTimeout: 2000, readTimeout: 2000 },
    ...(credentials ? { credentials: { username: credentials[0], password: credentials[1] } } : {}),
    ...(tls ? { sslOptions: tls } : {}),
    protocolOptions: { maxVersion: 4 },
  });
}

const trustingCa = (): cassandra.ClientOptions['sslOptions'] => ({ ca: [readFileSync(certs.caPath)], rejectUnauthorized: true });

describe('credentials and TLS', () => {
  it("with PROXY_CLIENT_CREDENTIALS=target the client's credentials go to target, the proxy's own to origin; writes land on both", { timeout }, async () => {
    const proxy = await proxyWith(19702, { PROXY_CLIENT_CREDENTIALS: 'target' });
    const client = tlsClient(proxy, ['bob', 'bob-pw'], trustingCa());
    await client.execute(`CREATE KEYSPACE ${ks} WITH replication = ${REPLICATION}`);
    await client.execute(`CREATE TABLE ${ks}.t (id int PRIMARY KEY, v text)`);
    await client.execute(`INSERT INTO ${ks}.t (id, v) VALUES (?, ?)`, [1, 'secret'], { prepare: true });
    const config = configWith(env);
    for (const cluster of [config.origin, config.target]) {
      const direct = cassandraClient(cluster);
      assert.deepEqual(await rowsOf(direct, `SELECT v FROM ${ks}.t WHERE id = 1`), [{ v: 'secret' }], `${cluster.host} as ${cluster.username}`);
      await direct.shutdown();
    }
  });

  it('a wrong password is an authentication error', { timeout }, async () => {
    const proxy = proxies[0]!;
    const client = tlsClient(proxy, ['bob', 'wrong'], trustingCa());
    await assert.rejects(client.connect(), (error: Error & { innerErrors?: Record<string, Error> }) => {
      const inner = Object.values(error.innerErrors ?? {})[0];
      assert.equal(inner?.name, 'AuthenticationError', String(inner));
      return true;
    });
  });

  it('no credentials for a cluster that needs them is an authentication error', { timeout }, async () => {
    const proxy = proxies[0]!;
    const client = tlsClient(proxy, undefined, trustingCa());
    await assert.rejects(client.connect(), /requires authentication|AuthenticationError|credentials/i);
  });

  it('a plain-text client cannot talk to the TLS listener', { timeout }, async () => {
    const proxy = proxies[0]!;
    const client = tlsClient(proxy, ['bob', 'bob-pw'], undefined);
    await assert.rejects(client.connect(), /All host\(s\) tried/);
  });

  it('with PROXY_CLIENT_CREDENTIALS=origin the client logs in to origin and the proxy to target', { timeout }, async () => {
    const proxy = await proxyWith(19712, { PROXY_CLIENT_CREDENTIALS: 'origin' });
    const client = tlsClient(proxy, ['alice', 'alice-pw'], trustingCa());
    await client.execute(`INSERT INTO ${ks}.t (id, v) VALUES (2, 'as alice')`);
    assert.deepEqual(await rowsOf(client, `SELECT v FROM ${ks}.t WHERE id = 2`), [{ v: 'as alice' }]);
    await assert.rejects(tlsClient(proxy, ['bob', 'bob-pw'], trustingCa()).connect(), /All host\(s\) tried/, "bob is not a user on origin");
  });

  it("by default the client's own credentials go to both clusters: a role that may read one keyspace does only that through the proxy", { timeout }, async () => {
    const config = configWith(env);
    const other = `${ks}_other`;
    for (const cluster of [config.origin, config.target]) {
      const direct = cassandraClient(cluster);
      await direct.execute(`CREATE KEYSPACE IF NOT EXISTS ${other} WITH replication = ${REPLICATION}`);
      await direct.execute(`CREATE TABLE IF NOT EXISTS ${other}.t (id int PRIMARY KEY, v text)`);
      await direct.execute("CREATE ROLE IF NOT EXISTS reader WITH PASSWORD = 'reader-pw' AND LOGIN = true");
      await direct.execute(`GRANT SELECT ON KEYSPACE ${ks} TO reader`);
      // Origin alone lets the reader write: under origin-acked, target's refusal must still be the client's answer.
      if (cluster === config.origin) await direct.execute(`GRANT MODIFY ON KEYSPACE ${ks} TO reader`);
      await direct.shutdown();
    }
    const proxy = await proxyWith(19732, { TARGET_FAILURE_POLICY: 'origin-acked' });
    const reader = tlsClient(proxy, ['reader', 'reader-pw'], trustingCa());
    assert.deepEqual(await rowsOf(reader, `SELECT v FROM ${ks}.t WHERE id = 1`), [{ v: 'secret' }]);
    await assert.rejects(reader.execute(`SELECT v FROM ${other}.t WHERE id = 1`), (error: Error & { code?: number }) => error.code === 0x2100, 'no SELECT on the other keyspace');
    await assert.rejects(reader.execute(`INSERT INTO ${other}.t (id, v) VALUES (9, 'no')`), (error: Error & { code?: number }) => error.code === 0x2100, 'no MODIFY on the other keyspace');
    await assert.rejects(reader.execute(`INSERT INTO ${ks}.t (id, v) VALUES (9, 'refused by target')`), (error: Error & { code?: number }) => error.code === 0x2100, "target's refusal is the client's answer");
    const refused = proxy.sink.mutations.filter((m) => m.statement.includes('refused by target'));
    assert.equal(refused.length, 1, 'the write origin took is in the log');
    assert.equal(needsHealing(refused[0]!), false, 'and is never healed with the proxy\'s rights');
    const direct = cassandraClient(config.target);
    assert.deepEqual(await rowsOf(direct, `SELECT v FROM ${other}.t WHERE id = 9`), []);
    assert.deepEqual(await rowsOf(direct, `SELECT v FROM ${ks}.t WHERE id = 9`), []);
    await direct.shutdown();
    // A user only target knows cannot get in: origin checks the client's credentials too.
    await assert.rejects(tlsClient(proxy, ['bob', 'bob-pw'], trustingCa()).connect(), /All host\(s\) tried/, 'bob is not a user on origin');
  });

  it('mutual TLS on the listener: a client certificate is required', { timeout }, async () => {
    const proxy = await proxyWith(19722, { PROXY_TLS_CA_PATH: certs.caPath, PROXY_CLIENT_CREDENTIALS: 'target' });
    await assert.rejects(tlsClient(proxy, ['bob', 'bob-pw'], trustingCa()).connect(), /All host\(s\) tried/);
    const withCert = tlsClient(proxy, ['bob', 'bob-pw'], { ...trustingCa(), cert: readFileSync(certs.clientCertPath), key: readFileSync(certs.clientKeyPath) });
    assert.deepEqual(await rowsOf(withCert, `SELECT v FROM ${ks}.t WHERE id = 1`), [{ v: 'secret' }]);
  });
});
