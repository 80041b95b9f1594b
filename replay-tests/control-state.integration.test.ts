import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { after, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { loadConfig } from '@cutover/config';
import { ControlPlane, controlTopicSpecs, controlTopics, updateToAvro } from '@cutover/control-plane';
import { KafkaEventLog, SchemaCatalogue, createTopics, encodeRecord } from '@cutover/event-log';
import { decide, evolve, initialState, type Command, type CommandEnvelope, type MigrationState } from '@cutover/migration-state';
import { kafkaClient } from '@cutover/stack';

/**
 * Rebuilding the migration state from offset 0 of the real control topic gives exactly the
 * state a service following the topic live arrived at, and exactly the pure fold of the same
 * commands.
 */
const timeout = 180_000;
const config = loadConfig();
const kafka = kafkaClient(config);
const log = new KafkaEventLog(config.kafka);
after(() => log.close());

/** A deterministic mix of commands over a small world, so many are rejected and many accepted. */
function commands(count: number): CommandEnvelope[] {
  const tables = ['shop.orders', 'shop.users', 'shop.items'];
  let seed = 7;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const pick = (): Command => {
    const table = tables[next(3)]!;
    switch (next(8)) {
      case 0: return { type: 'StartMigration', tables, collections: ['app.profiles'] };
      case 1: return { type: 'SetPriority', table, priority: next(5) - 2 };
      case 2: return { type: 'Remigrate', table, truncate: next(2) === 0, force: false };
      case 3: return { type: 'Pause', scope: next(2) === 0 ? { kind: 'all' } : { kind: 'table', name: table } };
      case 4: return { type: 'Resume', scope: next(2) === 0 ? { kind: 'all' } : { kind: 'table', name: table } };
      case 5: return { type: 'SetPrimary', cluster: next(2) === 0 ? 'origin' : 'target' };
      case 6: return { type: 'SetReadMode', mode: next(2) === 0 ? 'primary-only' : 'dual-async' };
      default: return { type: 'CompleteMigration' };
    }
  };
  return Array.from({ length: count }, (_, i) => ({ commandId: randomUUID(), migrationId: 'm1', issuedAt: 1_795_000_000_000 + i, issuer: `user${next(3)}`, command: pick() }));
}

it('the state rebuilt from offset 0 equals the live state, and the pure fold of the same commands', { timeout }, async () => {
  const prefix = `replay-${randomBytes(3).toString('hex')}.`;
  const topics = controlTopics(prefix);
  const admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, controlTopicSpecs(prefix));
  await admin.disconnect();

  const plane = new ControlPlane(log, topics);
  let live: MigrationState = initialState;
  const follower = await plane.follow('replay-test', (state) => {
    live = state;
  });
  try {
    const sent = commands(300);
    const catalogue = SchemaCatalogue.load();
    await log.produce(topics.control, sent.map((c) => ({ key: Buffer.from(c.migrationId), value: encodeRecord(catalogue, 'Update', updateToAvro(c)) })));
    let folded = initialState;
    for (const command of sent) folded = decide(command, folded).reduce(evolve, folded);
    for (let i = 0; i < 600 && !isDeepStrictEqual(live, folded); i++) await delay(50);
    assert.deepEqual(live, folded, 'the follower decided every command');

    const rebuilt = await plane.history();
    assert.equal(rebuilt.unreadable, 0);
    assert.equal(rebuilt.events.length, sent.length);
    assert.deepEqual(rebuilt.state, folded);
    assert.ok(rebuilt.events.some((e) => e.event.type === 'CommandRejected') && rebuilt.events.some((e) => e.event.type === 'MigrationStarted'), 'the mix exercised both verdicts');
  } finally {
    await follower.stop();
  }
});
