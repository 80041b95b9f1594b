import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { ClusterName } from '@cutover/config';
import { LocalStack } from '@cutover/stack';
import cassandra from 'cassandra-driver';
import { REPLICATION, capturingLogger, configWith, directClients, freeze, rowsOf, startProxy, uniqueKeyspace, type TestProxy } from './support.ts';

/**
 * What clients see when a cluster misbehaves: a timeout error when one stops answering, and
 * prepared statements that keep working when target restarts without them. These tests freeze
 * and restart the shared stack's clusters, and always leave them running.
 */
const timeout = 240_000;
const stack = new LocalStack(configWith());
const ks = uniqueKeyspace('failures');
let proxy: TestProxy;

async function pidOf(name: ClusterName): Promise<number> {
  const [status] = await stack.status([name]);
  assert.ok(status?.pid, `${name} must be running`);
  return status.pid;
}

/** Runs `body` while `cluster` is frozen (SIGSTOP): it accepts bytes and answers nothing. */
async function whileFrozen<T>(cluster: ClusterName, body: () => Promise<T>): Promise<T> {
  const pid = await pidOf(cluster);
  try {
    await freeze(pid);
    return await body();
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}

function errorCodeOf(promise: Promise<unknown>): Promise<{ code: number; message: string }> {
  return promise.then(
    () => assert.fail('expected the request to fail'),
    (error: { code?: number; message: string }) => ({ code: error.code ?? -1, message: error.message }),
  );
}

before(async () => {
  proxy = await startProxy(19402, { PROXY_REQUEST_TIMEOUT_MS: '1500' });
  const client = proxy.client();
  await client.execute(`CREATE KEYSPACE ${ks} WITH replication = ${REPLICATION}`);
  await client.execute(`CREATE TABLE ${ks}.t (id int PRIMARY KEY, v text)`);
});

after(() => proxy.stop(), { timeout: 30_000 });

describe('a cluster that stops answering', () => {
  // Direct clients live only while the clusters do: one kept across a restart would keep
  // reconnecting and could hold the process open.
  let direct: ReturnType<typeof directClients>;
  before(() => {
    direct = directClients(proxy.config);
  });
  after(() => direct.shutdown(), { timeout: 30_000 });

  for (const cluster of ['target', 'origin'] as const) {
    it(`${cluster} frozen: a write gets a write timeout naming ${cluster}, not silence`, { timeout }, async () => {
      const client = proxy.client({ socketOptions: { readTimeout: 20_000 } });
      await client.connect();
      const started = Date.now();
      const failure = await whileFrozen(cluster, () => errorCodeOf(client.execute(`INSERT INTO ${ks}.t (id, v) VALUES (1, 'x')`)));
      // The driver words write timeouts itself from the error's details; the code is what counts.
      assert.equal(failure.code, cassandra.types.responseErrorCodes.writeTimeout, failure.message);
      assert.ok(Date.now() - started < 10_000, 'the proxy answered at its own timeout, well before the driver gave up');

      const record = proxy.sink.mutations.findLast((m) => m.statement.includes("VALUES (1, 'x')"));
      assert.equal(record?.results[cluster].timedOut, true);
      // Once it answers again, so does the proxy: the late answer is dropped, not misdelivered.
      await client.execute(`INSERT INTO ${ks}.t (id, v) VALUES (2, 'after ${cluster}')`);
      assert.deepEqual(await rowsOf(direct[cluster], `SELECT v FROM ${ks}.t WHERE id = 2`), [{ v: `after ${cluster}` }]);
    });
  }

  it('origin frozen: a read gets a read timeout; target frozen: reads from origin carry on', { timeout }, async () => {
    const client = proxy.client({ socketOptions: { readTimeout: 20_000 } });
    await client.connect();
    const failure = await whileFrozen('origin', () => errorCodeOf(client.execute(`SELECT v FROM ${ks}.t WHERE id = 2`)));
    assert.equal(failure.code, cassandra.types.responseErrorCodes.readTimeout);
    const rows = await whileFrozen('target', () => client.execute(`SELECT v FROM ${ks}.t WHERE id = 2`));
    assert.equal(rows.rowLength, 1, JSON.stringify({ rows: rows.rows, info: rows.info, columns: rows.columns }));
  });

  it('counts the timeouts by cluster', { timeout }, async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${proxy.config.proxy.metricsPort}/metrics`)).text();
    assert.match(metrics, /cutover_proxy_cluster_failures_total\{cluster="target",code="CLUSTER_TIMEOUT"\} [1-9]/);
    assert.match(metrics, /cutover_proxy_cluster_failures_total\{cluster="origin",code="CLUSTER_TIMEOUT"\} [1-9]/);
  });
});

describe('heartbeats', () => {
  it('an idle connection whose cluster stops answering heartbeats is closed, so its driver reconnects', { timeout }, async () => {
    const log = capturingLogger();
    const beating = await startProxy(19412, { PROXY_HEARTBEAT_INTERVAL_MS: '1000', PROXY_REQUEST_TIMEOUT_MS: '1000' }, log.logger);
    try {
      const client = beating.client();
      await client.connect();
      const heartbeatFailed = (): boolean => log.lines.some((l) => /target heartbeat failed/.test(String(l['reason'])));
      await whileFrozen('target', async () => {
        for (let i = 0; i < 100 && !heartbeatFailed(); i++) await delay(100);
      });
      assert.ok(heartbeatFailed(), 'the session was closed after a failed heartbeat to target');
    } finally {
      await beating.stop();
    }
  });
});

describe('a target restart', () => {
  it('prepared statements heal: the proxy prepares them again on target', { timeout }, async () => {
    // The driver would re-prepare everything itself when the host comes back; turned off, so
    // that what is tested is the proxy healing target on its own.
    const client = proxy.client({ prepareOnAllHosts: false, rePrepareOnUp: false, policies: { reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(200) } });
    const insert = `INSERT INTO ${ks}.t (id, v) VALUES (?, ?)`;
    await client.execute(insert, [10, 'before restart'], { prepare: true });

    // Cassandra reloads prepared statements it persisted; a replaced or wiped node does not.
    // Restart target without them, as such a node would come back.
    await stack.down(['target']);
    const system = join(configWith().stack.dir, 'target', 'data', 'data', 'system');
    for (const dir of readdirSync(system).filter((d) => d.startsWith('prepared_statements-'))) await rm(join(system, dir), { recursive: true });
    await stack.up(['target']);

    // The driver lost its connection when target went away: retry until it has reconnected.
    for (let attempt = 1; ; attempt++) {
      try {
        await client.execute(insert, [11, 'after restart'], { prepare: true });
        break;
      } catch (error) {
        if (!(error instanceof cassandra.errors.NoHostAvailableError) || attempt === 100) throw error;
        await delay(200);
      }
    }
    const fresh = directClients(proxy.config);
    const query = `SELECT id, v FROM ${ks}.t WHERE id IN (10, 11)`;
    const both = { origin: await rowsOf(fresh.origin, query), target: await rowsOf(fresh.target, query) };
    await fresh.shutdown();
    assert.deepEqual(both.origin, [{ id: 10, v: 'before restart' }, { id: 11, v: 'after restart' }]);
    assert.deepEqual(both.target, both.origin);
    const metrics = await (await fetch(`http://127.0.0.1:${proxy.config.proxy.metricsPort}/metrics`)).text();
    assert.match(metrics, /cutover_proxy_reprepared_total\{cluster="target"\} [1-9]/, 'the proxy took the re-prepare path');
  });
});
