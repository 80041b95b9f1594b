import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { kafkaClient } from '@cutover/stack';
import kafkajs from 'kafkajs';
import { runCli } from './run-cli.ts';

/** `cutover topics` against the stack's Kafka, on topics of its own (a prefix of its own). */
const prefix = `test-${randomBytes(3).toString('hex')}.`;
const env = { KAFKA_TOPIC_PREFIX: prefix };
const timeout = 120_000;

after(async () => {
  const admin = kafkaClient(loadConfig()).admin();
  await admin.connect();
  const ours = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (ours.length > 0) await admin.deleteTopics({ topics: ours });
  await admin.disconnect();
});

it('check reports missing topics; create makes them, idempotently; check then passes', { timeout }, async () => {
  const before = await runCli(['topics', 'check'], env);
  assert.equal(before.code, 1);
  assert.match(before.stdout, new RegExp(`^drift: ${prefix.replace('.', '\\.')}cutover\\.control: missing$`, 'm'));

  const created = await runCli(['topics', 'create'], env);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /^created .*cutover\.mutations.*cutover\.dead-letters$/m);
  const again = await runCli(['topics', 'create'], env);
  assert.equal(again.stdout.trim(), 'all 8 topics exist');

  const check = await runCli(['topics', 'check'], env);
  assert.equal(check.code, 0, check.stdout);
  assert.equal(check.stdout.trim(), 'all 8 topics match the catalogue');
});

it('check names a setting changed behind its back', { timeout }, async () => {
  const admin = kafkaClient(loadConfig()).admin();
  await admin.connect();
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: `${prefix}cutover.mutations`, configEntries: [{ name: 'retention.ms', value: '1000' }] }] });
  await admin.disconnect();
  const check = await runCli(['topics', 'check'], env);
  assert.equal(check.code, 1);
  assert.equal(check.stdout.trim(), `drift: ${prefix}cutover.mutations: retention.ms 1000, the catalogue says 604800000`);
});
