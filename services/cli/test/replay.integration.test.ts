import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { KafkaEventLog, createTopics, topicCatalogue, topicNames, type StoredRecord } from '@cutover/event-log';
import { readMutations } from '@cutover/mutation-log';
import { cassandraClient, kafkaClient } from '@cutover/stack';
import cassandra from 'cassandra-driver';
import { runCli, startProxy } from './run-cli.ts';

/**
 * `cutover replay mutations`: what a third-party driver wrote through `cutover proxy`, replayed
 * from the log into a scratch keyspace, holds every cell origin has from the window; a log with
 * a record removed does not, and the replay names what is missing.
 */
const ks = `replay_${randomBytes(3).toString('hex')}`;
const env = { KAFKA_TOPIC_PREFIX: `${ks}.`, PROXY_QUERY_PORT: '19072', PROXY_METRICS_PORT: '19071', PROXY_SPOOL_DIR: mkdtempSync(join(tmpdir(), 'cutover-spool-')), LOG_LEVEL: 'warn', PROXY_PUBLISH_LINGER_MS: '0' };
const config = loadConfig({ env });
const origin = cassandraClient(config.origin);
const target = cassandraClient(config.target);
const log = new KafkaEventLog(config.kafka);
const timeout = 180_000;
let [since, until] = ['', ''];

before(async () => {
  for (const client of [origin, target]) {
    await client.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    await client.execute(`CREATE TABLE ${ks}.t (id int, n int, v text, tags set<text>, PRIMARY KEY (id, n))`);
    await client.execute(`CREATE TABLE ${ks}.hits (id int PRIMARY KEY, count counter)`);
  }
  // A row written before the window: replaying the window says nothing of it.
  for (const client of [origin, target]) await client.execute(`INSERT INTO ${ks}.t (id, n, v, tags) VALUES (1, 0, 'before', {'old'}) USING TIMESTAMP 1000`);
  since = new Date().toISOString();
  const proxy = await startProxy(env);
  const app = new cassandra.Client({ contactPoints: [`127.0.0.1:${env.PROXY_QUERY_PORT}`], localDataCenter: 'datacenter1' });
  try {
    for (let id = 1; id <= 20; id++) await app.execute(`INSERT INTO ${ks}.t (id, n, v) VALUES (?, 1, ?)`, [id, `v${id}`], { prepare: true });
    await app.execute(`UPDATE ${ks}.t SET tags = tags + {'new'} WHERE id = 1 AND n = 0`, [], { prepare: true });
    await app.batch([{ query: `UPDATE ${ks}.t SET v = 'batched' WHERE id = ? AND n = 1`, params: [2] }, { query: `DELETE v FROM ${ks}.t WHERE id = ? AND n = 1`, params: [3] }], { prepare: true });
    await app.execute(`UPDATE ${ks}.hits SET count = count + 1 WHERE id = 1`, [], { prepare: true });
  } finally {
    await app.shutdown();
    assert.equal(await proxy.stop(), 0); // stopping flushes the log
  }
  until = new Date().toISOString();
});

after(async () => {
  await Promise.all([origin, target].map(async (client) => {
    for (const keyspace of [ks, `${ks}_a`, `${ks}_b`]) await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  }));
  await Promise.all([origin.shutdown(), target.shutdown(), log.close()]);
});

it('replays the window into a scratch keyspace: every cell origin has from the window comes back from the log', { timeout }, async () => {
  const result = await runCli(['replay', 'mutations', '--into', `${ks}_a`, '--tables', `${ks}.t,${ks}.hits`, '--from', since, '--to', until], env);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, new RegExp(`^${ks}\\.t: 20 partition\\(s\\) written in the window, replayed into ${ks}_a\\.t; 21 rows of origin compared: every cell origin has from the window came back from the log$`, 'm'));
  assert.match(result.stderr, /^1 mutation\(s\) not replayed: a counter update adds again each time it is applied$/m, 'reported, not silently skipped');
  const v = async (id: number): Promise<unknown> => (await target.execute(`SELECT v FROM ${ks}_a.t WHERE id = ? AND n = 1`, [id], { prepare: true })).first()?.['v'];
  assert.deepEqual([await v(1), await v(2), await v(3)], ['v1', 'batched', null], 'the scratch copy holds what the window wrote');
  const old = (await target.execute(`SELECT v, tags FROM ${ks}_a.t WHERE id = 1 AND n = 0`)).first();
  assert.deepEqual([old?.['v'], old?.['tags']], [null, ['new']], 'and nothing from before it');
  const again = await runCli(['replay', 'mutations', '--into', `${ks}_a`, '--tables', `${ks}.t`], env);
  assert.equal(again.code, 1);
  assert.match(again.stderr, new RegExp(`^keyspace ${ks}_a exists on target: replay into a new keyspace`, 'm'));
});

it('names what a log with a record removed lacks: the cells of the mutations in that record', { timeout }, async () => {
  // The same log, copied to topics of their own with one record left out.
  const gapped = { ...env, KAFKA_TOPIC_PREFIX: `${ks}-gapped.` };
  const admin = kafkaClient(loadConfig({ env: gapped })).admin();
  await admin.connect();
  await createTopics(admin, topicCatalogue(gapped.KAFKA_TOPIC_PREFIX).filter((t) => t.name.endsWith('cutover.mutations')));
  await admin.disconnect();
  const records = await log.readAll(topicNames(`${ks}.`).mutations);
  // A record of inserts alone, of rows nothing else in the window wrote.
  const insertsOnly = (r: StoredRecord): number[] => {
    const mutations = readMutations(r);
    const ids = mutations.map((m) => (m.table === 't' && m.kind === 'INSERT' ? m.partitionKey![0]!.bytes!.readInt32BE() : 0));
    return ids.every((id) => id > 3) ? ids : [];
  };
  const removed = records.find((r) => insertsOnly(r).length > 0)!;
  const lost = insertsOnly(removed);
  await log.produce(topicNames(gapped.KAFKA_TOPIC_PREFIX).mutations, records.filter((r) => r !== removed).map((r) => ({ key: r.key, value: r.value })));
  const result = await runCli(['replay', 'mutations', '--into', `${ks}_b`, '--tables', `${ks}.t`, '--from', since, '--to', until, '--json'], gapped);
  assert.equal(result.code, 1, result.stderr);
  const [t] = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { complete: boolean; gaps: { key: Record<string, string>; column: string }[] });
  assert.equal(t!.complete, false);
  // Each lost insert wrote v (and the row marker, which cannot be read): v is missing for each of them, and nothing else is.
  const expected = lost.map((id) => `${id}/1 v`);
  assert.deepEqual(t!.gaps.map((g) => `${g.key['id']}/${g.key['n']} ${g.column}`).sort(), expected.sort());
});
