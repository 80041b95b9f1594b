import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { after, before, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { cassandraClient, pythonVenv } from '@cutover/stack';
import cassandra from 'cassandra-driver';
import { runCli, spawnCli, startProxy } from './run-cli.ts';

const exec = promisify(execFile);

/**
 * The console's schema registry API, used by a third party: Confluent's Python client, from
 * PyPI, decodes real records of the mutations, control and migration-events topics with its
 * AvroDeserializer, asking the console for each record's schema by its id.
 */
const prefix = `registry_${randomBytes(3).toString('hex')}`;
const TOKEN = randomBytes(18).toString('base64url');
const env = {
  KAFKA_TOPIC_PREFIX: `${prefix}.`,
  PROXY_QUERY_PORT: '19962',
  PROXY_METRICS_PORT: '19961',
  PROXY_SPOOL_DIR: mkdtempSync(join(tmpdir(), 'cutover-spool-')),
  CONSOLE_TOKENS: `registry=${TOKEN}`,
  CONSOLE_PORT: '0',
  LOG_LEVEL: 'warn',
};
const config = loadConfig({ env });
const clusters = [cassandraClient(config.origin), cassandraClient(config.target)];
const CONFLUENT = {
  purpose: 'the schema registry test (Confluent\'s Python client)',
  packages: ['confluent-kafka==2.16.1', 'fastavro==1.13.1', 'httpx2==2.16.2', 'httpcore2==2.16.2', 'h11==0.16.0', 'anyio==4.16.0', 'idna==3.20', 'certifi==2026.10.19.post1', 'attrs==26.1.0', 'cachetools==8.0.2', 'Authlib==1.9.10', 'cryptography==50.0.2', 'cffi==2.1.1', 'pycparser==3.12', 'joserfc==1.8.0', 'typing_extensions==4.16.0', 'truststore==0.10.5', 'requests==2.34.2', 'urllib3==2.8.0', 'charset-normalizer==3.5.3', 'avro==1.12.2'],
};
let console_: ReturnType<typeof spawnCli>;

before(async () => {
  for (const cluster of clusters) {
    await cluster.execute(`CREATE KEYSPACE ${prefix} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    await cluster.execute(`CREATE TABLE ${prefix}.items (id int PRIMARY KEY, name text)`);
  }
  // Mutations through the proxy, as an application writes them.
  const proxy = await startProxy(env);
  const client = new cassandra.Client({ contactPoints: [`127.0.0.1:${env.PROXY_QUERY_PORT}`], localDataCenter: 'datacenter1' });
  for (let i = 0; i < 5; i++) await client.execute(`INSERT INTO ${prefix}.items (id, name) VALUES (?, ?)`, [i, `item ${i}`], { prepare: true });
  await client.shutdown();
  assert.equal(await proxy.stop(), 0);
  // A command, and its verdict on the migration-events topic.
  assert.equal((await runCli(['control', 'start', '--collection', `${prefix}.things`], env)).code, 0);
  console_ = spawnCli(['console'], env);
  for (let i = 0; !/console: http/.test(console_.stdout()); i++) {
    assert.ok(i < 600 && console_.child.exitCode === null, `the console never said where it listens:\n${console_.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

after(async () => {
  console_?.child.kill('SIGTERM');
  for (const cluster of clusters) await cluster.execute(`DROP KEYSPACE IF EXISTS ${prefix}`);
  await Promise.all(clusters.map((c) => c.shutdown()));
});

it('lets Confluent\'s Python AvroDeserializer decode real records of the mutations, control and migration-events topics', { timeout: 600_000 }, async () => {
  const venv = await pythonVenv(config.stack.home, CONFLUENT);
  const registry = /console: (http:\/\/[^/\s]+)/.exec(console_.stdout())![1]!;
  const topics = ['cutover.mutations', 'cutover.control', 'cutover.migration-events'].map((t) => `${prefix}.${t}`);
  const script = fileURLToPath(new URL('registry-consumer.py', import.meta.url));
  const { stdout } = await exec(venv.python, [script, config.kafka.brokers.join(','), registry, `registry:${TOKEN}`, ...topics], { timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
  const read = new Map(stdout.trim().split('\n').map((line) => {
    const parsed = JSON.parse(line) as { topic: string; records: number; values: unknown[] };
    return [parsed.topic.slice(prefix.length + 1), parsed] as const;
  }));
  const text = (topic: string): string => JSON.stringify(read.get(topic)!.values);
  assert.ok(read.get('cutover.mutations')!.records >= 1);
  assert.match(text('cutover.mutations'), new RegExp(`${prefix}.*items|items.*${prefix}`), 'the mutations name their table');
  // The start command, and its verdict, each naming the collection (fastavro gives a union's branch as a plain record).
  assert.equal(read.get('cutover.control')!.records, 1);
  assert.match(text('cutover.control'), new RegExp(`"collections":\\["${prefix}\\.things"\\]`));
  assert.ok(read.get('cutover.migration-events')!.records >= 1);
  assert.match(text('cutover.migration-events'), new RegExp(`${prefix}\\.things`));
  // Without the token, the registry answers nothing.
  assert.equal((await fetch(`${registry}/subjects`)).status, 401);
});
