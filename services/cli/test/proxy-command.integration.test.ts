import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@cutover/config';
import { KafkaEventLog, topicNames } from '@cutover/event-log';
import { readMutations } from '@cutover/mutation-log';
import cassandra from 'cassandra-driver';

const BIN = fileURLToPath(new URL('../../../bin/cutover.js', import.meta.url));

it('cutover proxy serves drivers, publishes their mutations to Kafka, and stops cleanly on SIGTERM', { timeout: 120_000 }, async () => {
  const prefix = `cli-${randomBytes(3).toString('hex')}.`;
  const env = { ...process.env, KAFKA_TOPIC_PREFIX: prefix, PROXY_QUERY_PORT: '19932', PROXY_METRICS_PORT: '19931', PROXY_SPOOL_DIR: mkdtempSync(join(tmpdir(), 'cutover-spool-')), LOG_LEVEL: 'warn' };
  const child = spawn(process.execPath, [BIN, 'proxy'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const listening = new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('listening on')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`cutover proxy exited with ${code}: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    await listening;
    assert.match(stderr, /^proxy proxy-0 listening on 127\.0\.0\.1:19932 \(metrics on :19931\)/m);

    // A second proxy with the same PROXY_ID and journal directory is refused, in words.
    const second = spawn(process.execPath, [BIN, 'proxy'], { env: { ...env, PROXY_QUERY_PORT: '19942', PROXY_METRICS_PORT: '19941' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let secondErr = '';
    second.stderr.on('data', (chunk: Buffer) => (secondErr += chunk.toString()));
    assert.equal(await new Promise((resolve) => second.on('exit', resolve)), 1, secondErr);
    assert.match(secondErr, /^error \[SPOOL_LOCKED\]: the journal in .* is in use by proxy proxy-0 \(pid \d+ on .*\): two proxies cannot share a journal; give each proxy its own PROXY_ID or PROXY_SPOOL_DIR$/m);
    assert.doesNotMatch(secondErr, /\bat /, 'no stack trace');
    const client = new cassandra.Client({ contactPoints: ['127.0.0.1:19932'], localDataCenter: 'datacenter1' });
    await client.execute("CREATE KEYSPACE IF NOT EXISTS cli_proxy WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await client.execute('CREATE TABLE IF NOT EXISTS cli_proxy.t (id int PRIMARY KEY, v text)');
    const marker = `through the cli ${prefix}`;
    await client.execute('INSERT INTO cli_proxy.t (id, v) VALUES (?, ?)', [1, marker], { prepare: true });
    await client.shutdown();
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /stopping on SIGTERM/);

    // Stopping flushed what was recorded: the insert is in the topic.
    const log = new KafkaEventLog(loadConfig({ env }).kafka);
    const events = (await log.readAll(topicNames(prefix).mutations)).flatMap((r) => readMutations(r));
    await log.close();
    assert.ok(events.some((e) => e.kind === 'INSERT' && e.values.some((v) => v.rendered === `'${marker}'`)), JSON.stringify(events.map((e) => e.kind)));
  } finally {
    child.kill('SIGKILL');
  }
});
