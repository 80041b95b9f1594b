import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { KafkaEventLog, createTopics, topicCatalogue, topicNames } from '@cutover/event-log';
import { readMutations } from '@cutover/mutation-log';
import { ProxyServer, PublishingSink, applyMutation } from '@cutover/proxy';
import { cassandraClient, kafkaClient } from '@cutover/stack';
import cassandra from 'cassandra-driver';
import { pino } from 'pino';

/**
 * The mutation log is a faithful record: a workload run through the proxy, replayed from the
 * log into an emptied target table, gives back the origin table, rows and writetimes alike.
 */
const timeout = 180_000;
const prefix = `replay-${randomBytes(3).toString('hex')}.`;
const topic = topicNames(prefix).mutations;
const ks = `replay_${randomBytes(3).toString('hex')}`;
const config = loadConfig({ env: { ...process.env, KAFKA_TOPIC_PREFIX: prefix, PROXY_QUERY_PORT: '19902', PROXY_METRICS_PORT: '19901', PROXY_ID: 'replay', PROXY_SPOOL_DIR: mkdtempSync(join(tmpdir(), 'cutover-journal-')) } });
const logger = pino({ level: 'warn' });
const log = new KafkaEventLog(config.kafka);
const origin = cassandraClient(config.origin, { metadata: false });
const target = cassandraClient(config.target, { metadata: false });
let sink: PublishingSink;
let proxy: ProxyServer;

before(async () => {
  const admin = kafkaClient(config).admin();
  await admin.connect();
  await createTopics(admin, topicCatalogue(prefix).filter((t) => t.name === topic));
  await admin.disconnect();
  sink = await PublishingSink.open(log, config, logger);
  proxy = await ProxyServer.start(config, { sink, logger });
});

after(async () => {
  await proxy.stop();
  await sink.close();
  await log.close();
  await origin.shutdown();
  await target.shutdown();
});

it('replaying the mutation log into an empty target table reproduces the origin table, writetimes included', { timeout }, async () => {
  const admin = new cassandra.Client({ contactPoints: ['127.0.0.1:19902'], localDataCenter: 'datacenter1' });
  await admin.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await admin.execute(`CREATE TABLE ${ks}.t (id int, c int, v text, n bigint, tags set<text>, attrs map<text, int>, PRIMARY KEY (id, c))`);
  await admin.shutdown();

  // The application's own client, in the keyspace: its statements name the table alone.
  const app = new cassandra.Client({ contactPoints: ['127.0.0.1:19902'], localDataCenter: 'datacenter1', keyspace: ks });
  const insert = 'INSERT INTO t (id, c, v, n, tags, attrs) VALUES (?, ?, ?, ?, ?, ?)';
  for (let i = 0; i < 60; i++) {
    await app.execute(insert, [i % 7, i, `v${i}`, cassandra.types.Long.fromNumber(i * 1000), [`t${i % 3}`], { a: i }], { prepare: true });
  }
  for (let i = 0; i < 60; i += 4) await app.execute('UPDATE t SET v = ?, tags = tags + ? WHERE id = ? AND c = ?', [`updated ${i}`, ['x'], i % 7, i], { prepare: true });
  await app.execute(`UPDATE t SET n = 42 WHERE id = 1 AND c = 1`); // a simple statement with literals
  await app.execute(`DELETE v FROM t WHERE id = 2 AND c = 2`);
  await app.execute(`DELETE FROM t WHERE id = 3 AND c = 3`);
  await app.execute('DELETE FROM t WHERE id = ? AND c > ?', [4, 40], { prepare: true }); // a range of rows
  await app.execute(`INSERT INTO t (id, c, v) VALUES (5, 500, 'own timestamp') USING TIMESTAMP 1700000000000000`);
  await app.batch(
    [
      { query: 'INSERT INTO t (id, c, v) VALUES (?, ?, ?)', params: [6, 600, 'batched'] },
      { query: 'UPDATE t SET attrs[?] = ? WHERE id = ? AND c = ?', params: ['b', 7, 6, 6] },
    ],
    { prepare: true },
  );
  await app.shutdown();
  await sink.flushed();

  await target.execute(`TRUNCATE ${ks}.t`);
  const seen = new Set<string>();
  const ofTable = (await log.readAll(topic))
    .flatMap((r) => readMutations(r))
    .filter((m) => m.keyspace === ks && m.kind !== 'DDL' && !seen.has(m.eventId) && seen.add(m.eventId));
  assert.ok(ofTable.length >= 81, `the log holds the workload (${ofTable.length} mutations)`);
  for (const mutation of ofTable) await applyMutation(target, mutation);

  const query = `SELECT id, c, v, writetime(v) AS wv, n, writetime(n) AS wn, tags, attrs FROM ${ks}.t`;
  const rows = async (client: cassandra.Client): Promise<unknown[]> => (await client.execute(query, [], { fetchSize: 1000 })).rows.map((r) => JSON.stringify(r, (_key, value: unknown) => (value instanceof Set ? [...(value as Set<string>)].sort() : value)));
  const fromOrigin = await rows(origin);
  assert.ok(fromOrigin.length > 40);
  assert.deepEqual((await rows(target)).sort(), fromOrigin.sort());
});
