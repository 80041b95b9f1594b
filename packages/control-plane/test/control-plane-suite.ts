import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { SchemaCatalogue, decodeRecord, type EventLog } from '@cutover/event-log';
import { auditTrail, type MigrationState } from '@cutover/migration-state';
import { ControlPlane, controlTopics, migrationEventFromAvro, type AvroMigrationEvent } from '../src/index.ts';

export interface Subject {
  readonly log: EventLog;
  /** A fresh topic prefix whose control, migration-events and dead-letter topics exist and are empty. */
  prefix(): Promise<string>;
}

const as = { migrationId: 'm1', issuer: 'alice' };

/** What the control plane does on any EventLog; run on the in-memory log and on Kafka. */
export function controlPlaneSuite(name: string, make: () => Promise<Subject>): void {
  describe(`control plane: ${name}`, () => {
    let subject: Subject;
    const ready = make().then((s) => (subject = s));
    after(() => subject.log.close());
    const timeout = 90_000;

    it('issues commands, tells each its verdict, and rebuilds the state from the log', { timeout }, async () => {
      await ready;
      const prefix = await subject.prefix();
      const plane = new ControlPlane(subject.log, controlTopics(prefix));
      const started = await plane.issue({ type: 'StartMigration', tables: ['shop.orders', 'shop.users'], collections: [] }, { ...as, reason: 'kick-off' });
      assert.deepEqual(started.map((e) => e.event.type), ['MigrationStarted']);
      const refused = await plane.issue({ type: 'Remigrate', table: 'shop.nope', truncate: false, force: false }, { ...as, issuer: 'bob' });
      assert.equal(refused[0]?.event.type, 'CommandRejected');
      await plane.issue({ type: 'SetPriority', table: 'shop.users', priority: -1 }, as);

      const { state, events, unreadable } = await plane.history();
      assert.equal(unreadable, 0);
      assert.equal(state.status, 'running');
      assert.deepEqual(Object.values(state.tables).find((t) => t.name === 'shop.users')?.priority, -1);
      assert.deepEqual(events.map((e) => e.event.type), ['MigrationStarted', 'CommandRejected', 'PriorityChanged']);
      assert.deepEqual(auditTrail(events).map((a) => [a.issuer, a.event, a.reason ?? null]), [['alice', 'MigrationStarted', 'kick-off'], ['bob', 'CommandRejected', null], ['alice', 'PriorityChanged', null]]);
      const facts = (await subject.log.readAll(controlTopics(prefix).events)).map((r) => migrationEventFromAvro(decodeRecord<AvroMigrationEvent>(SchemaCatalogue.load(), 'MigrationEvent', r.value).value));
      assert.deepEqual(facts, events, 'every verdict, accepted or rejected, is on the facts topic too');
    });

    it('follows the log live, and sends an unreadable record to the dead letters without changing the state', { timeout }, async () => {
      await ready;
      const topics = controlTopics(await subject.prefix());
      const plane = new ControlPlane(subject.log, topics);
      await plane.issue({ type: 'SetReadMode', mode: 'dual-async' }, as);
      let latest: MigrationState | undefined;
      const subscription = await plane.follow('test', (state) => {
        latest = state;
      });
      try {
        await subject.log.produce(topics.control, [{ key: Buffer.from('m1'), value: Buffer.from('{"not": "avro"}') }]);
        await plane.issue({ type: 'SetPrimary', cluster: 'target' }, as);
        for (let i = 0; i < 400 && latest?.primary !== 'target'; i++) await delay(50);
        assert.equal(latest?.primary, 'target', 'the follower saw the command issued after it started');
        assert.equal(latest?.readMode, 'dual-async', 'and everything before it');
      } finally {
        await subscription.stop();
      }
      const dead = await subject.log.readAll(topics.deadLetters);
      assert.equal(dead.length, 1);
      assert.equal(dead[0]?.value.toString(), '{"not": "avro"}', 'the record is kept as it was');
      assert.match(dead[0]?.headers?.['cutover-error'] ?? '', /^NOT_WIRE_FORMAT: /);
      assert.match(dead[0]?.headers?.['cutover-source'] ?? '', new RegExp(`^${topics.control.replaceAll('.', '\\.')}/0/\\d+$`));
      assert.equal((await plane.history()).unreadable, 1);
    });

    it('keeps a live state that agrees with the history, from the start and as commands and facts come', { timeout }, async () => {
      await ready;
      const plane = new ControlPlane(subject.log, controlTopics(await subject.prefix()));
      await plane.issue({ type: 'StartMigration', tables: ['shop.orders'], collections: [] }, as);
      const by = (eventId: string) => ({ migrationId: 'm1', issuer: 'worker-1', eventId });
      await plane.record({ type: 'TablePlanned', table: 'shop.orders', round: 0, chunks: 2, estimatedBytes: 10, maxBadRows: 0, maxBadRowsPercent: null, counter: false }, by('plan'));
      const live = await plane.live('test');
      try {
        assert.deepEqual(live.state, (await plane.history()).state, 'caught up once it resolves');
        await plane.record({ type: 'ChunkLoaded', table: 'shop.orders', round: 0, chunk: 0, rows: 5, writes: 5, badRows: 0, badRowsKey: null }, by('w0'));
        await plane.issue({ type: 'Pause', scope: { kind: 'all' } }, as);
        const expected = (await plane.history()).state;
        for (let i = 0; i < 500 && JSON.stringify(live.state) !== JSON.stringify(expected); i++) await delay(20);
        assert.deepEqual(live.state, expected);
        assert.equal(live.state.paused, true);
        assert.deepEqual(live.state.tables['shop.orders']?.copy?.loaded, { 0: { rows: 5, badRows: 0, badRowsKey: null } });
      } finally {
        await live.close();
      }
    });

    it("folds the migrators' facts into the state, once each, whatever round they name", { timeout }, async () => {
      await ready;
      const plane = new ControlPlane(subject.log, controlTopics(await subject.prefix()));
      await plane.issue({ type: 'StartMigration', tables: ['shop.orders'], collections: [] }, as);
      const by = (eventId: string) => ({ migrationId: 'm1', issuer: 'worker-1', eventId });
      await plane.record({ type: 'TablePlanned', table: 'shop.orders', round: 0, chunks: 2, estimatedBytes: 10, maxBadRows: 0, maxBadRowsPercent: null, counter: false }, by('plan'));
      await plane.record({ type: 'ChunkLoaded', table: 'shop.orders', round: 0, chunk: 0, rows: 5, writes: 5, badRows: 0, badRowsKey: null }, by('w0'));
      await plane.record({ type: 'ChunkLoaded', table: 'shop.orders', round: 0, chunk: 0, rows: 5, writes: 5, badRows: 0, badRowsKey: null }, by('w0'));
      await plane.record({ type: 'ChunkLoaded', table: 'shop.orders', round: 3, chunk: 1, rows: 5, writes: 5, badRows: 0, badRowsKey: null }, by('stale'));
      const { state, events } = await plane.history();
      assert.deepEqual(state.tables['shop.orders']?.copy?.loaded, { 0: { rows: 5, badRows: 0, badRowsKey: null } });
      assert.deepEqual(events.map((e) => e.event.type), ['MigrationStarted'], 'facts are not decisions');
    });
  });
}
