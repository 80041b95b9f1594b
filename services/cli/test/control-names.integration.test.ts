import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { ControlPlane, controlTopics } from '@cutover/control-plane';
import { KafkaEventLog } from '@cutover/event-log';
import { runCli } from './run-cli.ts';

/**
 * `cutover control` with table and collection names that every object inherits (constructor,
 * __proto__, toString): refused as unknown, and the log they are in still replays (`cutover
 * state`, `cutover audit --verify`). On the stack's Kafka, on control topics of their own.
 */
const prefix = `names-${randomBytes(3).toString('hex')}.`;
const env = { KAFKA_TOPIC_PREFIX: prefix };
const log = new KafkaEventLog(loadConfig({ env }).kafka);
const timeout = 180_000;

after(() => log.close());

async function control(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  return runCli(['control', ...args, '--issuer', 'ops'], env);
}

it('refuses commands naming constructor, __proto__ or toString, and the state and audit replay as before', { timeout }, async () => {
  assert.equal((await control('start', '--collection', 'app.profiles', '--collection', 'db.__proto__', '--into', 'ks.proto_docs', '--migration', 'm-names')).code, 0);
  for (const args of [
    ['set-priority', 'constructor', '1'],
    ['set-priority', '--collection', '__proto__', '1'],
    ['pause', '--table', 'toString'],
    ['remigrate', '--collection', 'hasOwnProperty'],
  ]) {
    const refused = await control(...args);
    assert.equal(refused.code, 1, args.join(' '));
    assert.match(refused.stderr, /^rejected: unknown (table|collection) (constructor|__proto__|toString|hasOwnProperty); the migration has /m, args.join(' '));
  }
  await new ControlPlane(log, controlTopics(prefix)).record({ type: 'ChunkLoaded', table: 'constructor', round: 0, chunk: 0, rows: 1, writes: 1, badRows: 0, badRowsKey: null }, { migrationId: 'm-names', issuer: 'worker', eventId: 'loaded-constructor' });
  assert.equal((await control('set-priority', '--collection', 'db.__proto__', '5')).code, 0);

  const json = await runCli(['state', '--json'], env);
  assert.equal(json.code, 0, json.stderr);
  const state = JSON.parse(json.stdout) as { status: string; tables: Record<string, unknown>; collections: Record<string, { priority: number; into?: string }> };
  assert.equal(state.status, 'running');
  assert.deepEqual(Object.keys(state.tables), []);
  assert.deepEqual(Object.keys(state.collections), ['app.profiles', 'db.__proto__']);
  assert.deepEqual([state.collections['db.__proto__']?.priority, state.collections['db.__proto__']?.into], [5, 'ks.proto_docs']);
  const text = await runCli(['state'], env);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^db\.__proto__\s+ks\.proto_docs\s+5/m);

  const audit = await runCli(['audit', '--verify'], env);
  assert.equal(audit.code, 0, audit.stderr);
  assert.equal(audit.stdout.trim(), 'audit verified: 6 command(s) decided again give exactly the 6 verdict(s) recorded');
});
