import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { KafkaEventLog, createTopics, topicCatalogue } from '@cutover/event-log';
import { readMutations, type LoggedMutation } from '@cutover/mutation-log';
import { kafkaClient } from '@cutover/stack';
import cassandra from 'cassandra-driver';
import { pino } from 'pino';
import { ProxyError, ProxyServer, PublishingSink } from '../src/index.ts';
import { REPLICATION, configWith, directClients, rowsOf, uniqueKeyspace } from './support.ts';

/**
 * The mutation log v3 through the proxy on the real stack: values of several megabytes are
 * logged whole (the broker's limit is 1 MiB), in order with the small writes around them;
 * timestamps past 2^53 are exact; passwords never reach the log; a full journal refuses
 * mutations unapplied; one proxy per journal.
 */
const prefix = `log3-${randomBytes(3).toString('hex')}.`;
const topic = `${prefix}cutover.mutations`;
const timeout = 180_000;
const ks = uniqueKeyspace('log3');
const logger = pino({ level: 'warn' });
const config = configWith({ KAFKA_TOPIC_PREFIX: prefix, PROXY_QUERY_PORT: '19972', PROXY_METRICS_PORT: '19971', PROXY_ID: 'log3' });
const log = new KafkaEventLog(config.kafka);
let sink: PublishingSink;
let proxy: ProxyServer;
let client: cassandra.Client;
let direct: ReturnType<typeof directClients>;

before(async () => {
  const admin = kafkaClient(config).admin();
  await admin.connect();
  await createTopics(admin, topicCatalogue(prefix));
  await admin.disconnect();
  direct = directClients(config);
  sink = await PublishingSink.open(log, config, logger);
  proxy = await ProxyServer.start(config, { sink, logger });
  client = new cassandra.Client({ contactPoints: ['127.0.0.1:19972'], localDataCenter: 'datacenter1', queryOptions: { prepare: true } });
  await client.execute(`CREATE KEYSPACE ${ks} WITH replication = ${REPLICATION}`);
  await client.execute(`CREATE TABLE ${ks}.blobs (id int, n int, v blob, PRIMARY KEY (id, n))`);
});

after(async () => {
  await client.shutdown();
  await direct.shutdown();
  await proxy.stop();
  await sink.close();
  await log.close();
});

async function logged(): Promise<LoggedMutation[]> {
  return (await log.readAll(topic)).flatMap((r) => readMutations(r));
}

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('the mutation log through the proxy', () => {
  it('logs 2 MB and 4 MB values whole, in order with the small writes around them', { timeout }, async () => {
    const insert = `INSERT INTO ${ks}.blobs (id, n, v) VALUES (?, ?, ?)`;
    const values = [Buffer.from('small'), randomBytes(2 * 1024 * 1024), Buffer.from('between'), randomBytes(4 * 1024 * 1024), ...Array.from({ length: 20 }, (_, i) => Buffer.from(`after ${i}`))];
    for (const [n, v] of values.entries()) await client.execute(insert, [1, n, v]);
    await sink.flushed();
    const mutations = (await logged()).filter((m) => m.table === 'blobs' && m.kind === 'INSERT');
    assert.equal(mutations.length, values.length, 'every write logged once');
    assert.deepEqual(
      mutations.map((m) => [Number(m.values[1]!.rendered), m.values[2]!.bytes === null ? null : sha(m.values[2]!.bytes)]),
      values.map((v, n) => [n, sha(v)]),
      'in the order written, byte for byte',
    );
    const rows = await rowsOf(direct.target, `SELECT n FROM ${ks}.blobs WHERE id = 1`);
    assert.equal(rows.length, values.length, 'target took the 4 MB write (under its 5 MiB limit)');
  });

  it('logs a client timestamp of 2^62 exactly', { timeout }, async () => {
    const timestamp = cassandra.types.Long.fromString((2n ** 62n).toString());
    await client.execute(`INSERT INTO ${ks}.blobs (id, n, v) VALUES (?, ?, ?)`, [2, 0, Buffer.from('far future')], { timestamp });
    await sink.flushed();
    const mutation = (await logged()).find((m) => m.table === 'blobs' && m.values[0]?.rendered === '2');
    assert.equal(mutation?.writeTimestamp, 2n ** 62n);
  });

  it('never logs a password, in the statement or in the raw request', { timeout }, async () => {
    const secret = `pw-${randomBytes(6).toString('hex')}`;
    // Without PasswordAuthenticator both clusters refuse it; refused or not, it is a statement the log keeps.
    await client.execute(`CREATE ROLE IF NOT EXISTS log3_${randomBytes(3).toString('hex')} WITH PASSWORD = '${secret}' AND LOGIN = true`, [], { prepare: false }).catch(() => undefined);
    // A syntax error: the clusters' message quotes the statement, password included (`(...= 'pw-…' AND LOGIN = [maybe])`).
    const quoted = await client.execute(`CREATE ROLE log3_typo WITH PASSWORD = '${secret}' AND LOGIN = maybe`, [], { prepare: false }).catch((error: Error) => error);
    assert.ok(quoted instanceof Error && quoted.message.includes(secret), 'the client hears the cluster as it answered');
    await sink.flushed();
    const records = await log.readAll(topic);
    assert.ok(records.every((r) => !r.value.includes(Buffer.from(secret))), 'the password is in no record');
    const role = (await logged()).find((m) => m.statement.startsWith('CREATE ROLE'));
    assert.match(role?.statement ?? '', /WITH PASSWORD = '\*+' AND LOGIN = true/);
  });

  it('a second proxy on the same journal is refused', { timeout }, async () => {
    await assert.rejects(PublishingSink.open(log, config, logger), (error: unknown) => error instanceof ProxyError && error.code === 'SPOOL_LOCKED' && /log3/.test(error.message));
  });
});

describe('a full journal', () => {
  it('refuses mutations with Overloaded before either cluster sees them', { timeout }, async () => {
    // Kafka unreachable: the journal only grows, up to PROXY_SPOOL_MAX_BYTES.
    const away = configWith({ KAFKA_BROKERS: '127.0.0.1:1', KAFKA_TOPIC_PREFIX: prefix, PROXY_QUERY_PORT: '19982', PROXY_METRICS_PORT: '19981', PROXY_ID: 'full', PROXY_SPOOL_MAX_BYTES: '64KiB', PROXY_LOG_STALL_MS: '1' });
    const awayLog = new KafkaEventLog(away.kafka, pino({ level: 'silent' }));
    const fullSink = await PublishingSink.open(awayLog, away, pino({ level: 'silent' }));
    const full = await ProxyServer.start(away, { sink: fullSink, logger });
    const writer = new cassandra.Client({ contactPoints: ['127.0.0.1:19982'], localDataCenter: 'datacenter1', queryOptions: { prepare: true } });
    try {
      let refused: { n: number; error: Error } | undefined;
      for (let n = 0; refused === undefined && n < 1000; n++) {
        await writer.execute(`INSERT INTO ${ks}.blobs (id, n, v) VALUES (?, ?, ?)`, [3, n, randomBytes(1024)]).catch((error: Error) => (refused = { n, error }));
      }
      assert.ok(refused, 'a mutation was refused');
      assert.match(refused.error.message, /mutation journal is full \(PROXY_SPOOL_MAX_BYTES=65536/);
      for (const cluster of [direct.origin, direct.target]) {
        assert.deepEqual(await rowsOf(cluster, `SELECT n FROM ${ks}.blobs WHERE id = 3 AND n = ?`, [refused.n]), [], 'the refused mutation was applied nowhere');
      }
      assert.ok(refused.n > 10, 'it took mutations until it was full');
      const metrics = await fetch('http://127.0.0.1:19981/metrics').then((r) => r.text());
      assert.match(metrics, /cutover_proxy_refused_mutations_total [1-9]/);
      assert.match(metrics, /cutover_proxy_log_journal_bytes [1-9]\d{4}/);
      const ready = await fetch('http://127.0.0.1:19981/health/ready');
      assert.equal(ready.status, 503, 'a log that does not advance is not ready');
      assert.match(((await ready.json()) as { log: string }).log, /has not advanced for \d+ s with \d+ mutations waiting/);
    } finally {
      await writer.shutdown();
      await full.stop();
      await fullSink.close();
      await awayLog.close();
    }
  });
});
