import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { ControlPlane, controlTopics, migrationEventToAvro } from '@cutover/control-plane';
import { KafkaEventLog, SchemaCatalogue, encodeRecord, type LogRecord } from '@cutover/event-log';
import type { EventEnvelope } from '@cutover/migration-state';
import { runCli } from './run-cli.ts';

/** `cutover state --at` and `cutover audit --verify` on the stack's Kafka, on control topics of their own. */
const prefix = `audit-${randomBytes(3).toString('hex')}.`;
const env = { KAFKA_TOPIC_PREFIX: prefix };
const log = new KafkaEventLog(loadConfig({ env }).kafka);
const timeout = 120_000;
let pausedAt: number;

after(() => log.close());

async function control(...args: string[]): Promise<number | null> {
  return (await runCli(['control', ...args, '--issuer', 'ops'], env)).code;
}

it('rebuilds the state as it was at a time, and decides every command again to find the recorded verdicts exactly so', { timeout }, async () => {
  assert.equal(await control('start', '--collection', 'app.profiles', '--migration', 'm-audit'), 0);
  assert.equal(await control('pause'), 0);
  pausedAt = Date.now();
  assert.equal(await control('pause'), 1, 'already paused: rejected, and the rejection is a verdict too');
  assert.equal(await control('resume'), 0);
  const then = JSON.parse((await runCli(['state', '--at', new Date(pausedAt).toISOString(), '--json'], env)).stdout) as { paused: boolean; status: string };
  const now = JSON.parse((await runCli(['state', '--json'], env)).stdout) as { paused: boolean };
  assert.deepEqual([then.status, then.paused, now.paused], ['running', true, false]);
  const before = JSON.parse((await runCli(['state', '--at', '1000', '--json'], env)).stdout) as { status: string };
  assert.equal(before.status, 'idle', 'before the first command');

  const verified = await runCli(['audit', '--verify'], env);
  assert.equal(verified.code, 0, verified.stderr);
  assert.equal(verified.stdout.trim(), 'audit verified: 4 command(s) decided again give exactly the 4 verdict(s) recorded');
});

it('audit --verify catches a forged verdict, and one no command decided', { timeout }, async () => {
  const topics = controlTopics(prefix);
  const rejected = (await new ControlPlane(log, topics).history()).events.find((e) => e.event.type === 'CommandRejected');
  assert.ok(rejected !== undefined);
  const forge = (envelope: EventEnvelope): LogRecord => ({ key: Buffer.from('m-audit'), value: encodeRecord(SchemaCatalogue.load(), 'MigrationEvent', migrationEventToAvro(envelope)) });
  // The rejected pause recorded as accepted, under the id of its real verdict; and a verdict out of nowhere.
  await log.produce(topics.events, [forge({ ...rejected, event: { type: 'Paused', scope: { kind: 'all' } } }), forge({ ...rejected, eventId: 'forged/0', commandId: 'forged', issuer: 'mallory', event: { type: 'PrimaryChanged', cluster: 'target' } })]);
  const caught = await runCli(['audit', '--verify'], env);
  assert.equal(caught.code, 1);
  assert.match(caught.stderr, new RegExp(`^verdict ${rejected.eventId} at 0:\\d+ is not what its command decides: recorded .*"type":"Paused".*, decided .*"type":"CommandRejected"`, 'm'));
  assert.match(caught.stderr, /^verdict forged\/0 \(PrimaryChanged, by mallory\) at 0:\d+ has no command in .*cutover\.control that decides it$/m);
  assert.match(caught.stdout, /^audit NOT verified: 2 difference\(s\) between the 6 verdict\(s\) recorded and what the 4 command\(s\) decide$/m);
});
