import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import { REPLICATION, capturingLogger, directClients, startProxy, uniqueKeyspace, type TestProxy } from './support.ts';

/**
 * READ_MODE=dual-async: the client gets the primary's answer, while the proxy also reads from
 * the other cluster in the background and compares, counting and logging mismatches.
 */
const timeout = 60_000;
const ks = uniqueKeyspace('dualread');
const log = capturingLogger();
let proxy: TestProxy;
let direct: ReturnType<typeof directClients>;

async function dualReads(): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${proxy.config.proxy.metricsPort}/metrics`)).text();
  const counts: Record<string, number> = { match: 0, mismatch: 0, error: 0 };
  for (const [, result, value] of text.matchAll(/cutover_proxy_dual_reads_total\{result="(\w+)"\} (\d+)/g)) counts[result!] = Number(value);
  return counts;
}

/** The comparison happens after the client has its answer: wait until it has been counted. */
async function counted(total: number): Promise<Record<string, number>> {
  for (let i = 0; i < 100; i++) {
    const counts = await dualReads();
    if (counts['match']! + counts['mismatch']! + counts['error']! >= total) return counts;
    await delay(50);
  }
  return dualReads();
}

before(async () => {
  proxy = await startProxy(19602, { READ_MODE: 'dual-async' }, log.logger);
  direct = directClients(proxy.config);
  const client = proxy.client();
  await client.execute(`CREATE KEYSPACE ${ks} WITH replication = ${REPLICATION}`);
  await client.execute(`CREATE TABLE ${ks}.t (id int PRIMARY KEY, v text)`);
  await client.execute(`INSERT INTO ${ks}.t (id, v) VALUES (1, 'same')`);
});

after(async () => {
  await proxy.stop();
  await direct.shutdown();
});

it('counts a read both clusters answer alike as a match', { timeout }, async () => {
  const before = await dualReads();
  const rows = await proxy.client().execute(`SELECT v FROM ${ks}.t WHERE id = 1`);
  assert.equal(rows.rows[0]?.['v'], 'same');
  const after = await counted(before['match']! + before['mismatch']! + before['error']! + 1);
  // The driver reads in the background too (schema metadata), so at least one more match.
  assert.ok(after['match']! >= before['match']! + 1, `${after['match']} matches after ${before['match']}`);
  assert.equal(after['mismatch'], before['mismatch']);
});

it('reports an injected mismatch: counted, logged by its partition key and differing columns (no other value), and the client still gets the primary', { timeout }, async () => {
  await direct.target.execute(`INSERT INTO ${ks}.t (id, v) VALUES (2, 'target says B')`);
  await direct.origin.execute(`INSERT INTO ${ks}.t (id, v) VALUES (2, 'origin says A')`);
  const before = await dualReads();
  const rows = await proxy.client().execute(`SELECT id, v FROM ${ks}.t WHERE id = ?`, [2], { prepare: true });
  assert.equal(rows.rows[0]?.['v'], 'origin says A', 'the client reads the primary');
  const after = await counted(before['match']! + before['mismatch']! + before['error']! + 1);
  assert.ok(after['mismatch']! >= before['mismatch']! + 1, `${after['mismatch']} mismatches after ${before['mismatch']}`);

  const logged = log.lines.find((l) => l['msg'] === 'dual read mismatch');
  assert.ok(logged, 'the mismatch is logged');
  assert.equal(logged['table'], `${ks}.t`);
  // The prepared SELECT showed the proxy which columns make the partition key.
  assert.deepEqual(logged['key'], { origin: 'id=2', target: 'id=2' });
  assert.deepEqual(logged['columns'], ['v']);
  assert.doesNotMatch(JSON.stringify(log.lines), /origin says A|target says B/, 'row values never reach the logs');
});
