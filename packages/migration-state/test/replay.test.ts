import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { auditTrail, decide, evolve, initialState, rebuild, replay, tableOrder, type Command, type CommandEnvelope, type EventEnvelope, type MigrationState } from '../src/index.ts';

/** Commands over a small world of names, so that sequences hit every rule, accepted or not. */
const table = fc.constantFrom('shop.orders', 'shop.users', 'shop.items', 'shop.unknown');
const collection = fc.constantFrom('app.profiles', 'app.unknown');
const scope = fc.oneof(fc.constant({ kind: 'all' } as const), table.map((name) => ({ kind: 'table', name }) as const), collection.map((name) => ({ kind: 'collection', name }) as const));
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ type: fc.constant('StartMigration' as const), tables: fc.subarray(['shop.orders', 'shop.users', 'shop.items']), collections: fc.subarray(['app.profiles']) }),
  fc.record({ type: fc.constant('SetPriority' as const), table, priority: fc.integer({ min: -3, max: 3 }) }),
  fc.record({ type: fc.constant('Remigrate' as const), table, truncate: fc.boolean(), force: fc.boolean() }),
  fc.record({ type: fc.constant('Pause' as const), scope }),
  fc.record({ type: fc.constant('Resume' as const), scope }),
  fc.record({ type: fc.constant('SetPrimary' as const), cluster: fc.constantFrom('origin' as const, 'target' as const) }),
  fc.record({ type: fc.constant('SetReadMode' as const), mode: fc.constantFrom('primary-only' as const, 'dual-async' as const) }),
  fc.constant({ type: 'CompleteMigration' as const }),
);
const envelopes = fc.array(fc.tuple(command, fc.constantFrom('m1', 'm1', 'm1', 'm2'), fc.constantFrom('alice', 'bob')), { maxLength: 60 }).map((list) =>
  list.map(([cmd, migrationId, issuer], i): CommandEnvelope => ({ commandId: `c${i}`, migrationId, issuedAt: 1000 + i, issuer, command: cmd })),
);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** What a running service does: decide each command against its live state and apply the events. */
function live(commands: readonly CommandEnvelope[]): { state: MigrationState; log: EventEnvelope[] } {
  let state = deepFreeze(initialState);
  const log: EventEnvelope[] = [];
  for (const envelope of commands) {
    const events = decide(envelope, state);
    assert.ok(events.length >= 1, 'every command leaves a trace: its events or its rejection');
    for (const event of events) state = deepFreeze(evolve(state, event)); // a frozen state proves evolve never mutates
    log.push(...events);
  }
  return { state, log };
}

it('rebuilding the state from the first event gives exactly the live state', () => {
  fc.assert(
    fc.property(envelopes, (commands) => {
      const { state, log } = live(commands);
      assert.deepEqual(replay(log), state);
      // Replaying in two parts is the same as in one: a service that restarts from a snapshot agrees.
      const half = Math.floor(log.length / 2);
      assert.deepEqual(replay(log.slice(half), replay(log.slice(0, half))), state);
    }),
    { numRuns: 300 },
  );
});

it('deciding is deterministic, and the audit trail has one line per event', () => {
  fc.assert(
    fc.property(envelopes, (commands) => {
      const first = live(commands);
      const second = live(commands);
      assert.deepEqual(second.log, first.log);
      assert.equal(auditTrail(first.log).length, first.log.length);
      assert.deepEqual([...tableOrder(first.state)].sort(), Object.keys(first.state.tables).sort());
    }),
    { numRuns: 200 },
  );
});

it('decides each command knowing the facts logged before it was issued, and no later ones', () => {
  const at = (n: number) => ({ migrationId: 'm1', issuedAt: 1000 + n, issuer: 'alice' });
  const facts = [
    { offset: 3, envelope: { eventId: 'v1', migrationId: 'm1', commandId: 'v1', at: 1001, issuer: 'bob', event: { type: 'VerificationStarted', table: 'shop.orders', round: 0, verificationId: 'v1', ranges: 2 } } as const },
    // Recorded twice (work done twice): folded once.
    { offset: 5, envelope: { eventId: 'v1', migrationId: 'm1', commandId: 'v1', at: 1001, issuer: 'bob', event: { type: 'VerificationStarted', table: 'shop.orders', round: 0, verificationId: 'v1', ranges: 2 } } as const },
  ];
  const record = { type: 'RecordVerification', table: 'shop.orders', round: 0, startedAt: 1001, rows: 1, targetRows: 1, differences: 0, repairedRows: 0, complete: true, verificationId: 'v1' } as const;
  const commands: CommandEnvelope[] = [
    { commandId: 'start', ...at(0), factsThrough: 0, command: { type: 'StartMigration', tables: ['shop.orders'], collections: [] } },
    { commandId: 'early', ...at(2), factsThrough: 3, command: record },
    { commandId: 'late', ...at(3), factsThrough: 4, command: record },
  ];
  const { state, events, facts: folded } = rebuild(commands, facts);
  assert.equal(events.find((e) => e.commandId === 'early')?.event.type, 'CommandRejected', 'issued before the verification began: it knew of none');
  assert.equal(events.find((e) => e.commandId === 'late')?.event.type, 'TableVerified');
  assert.equal(state.tables['shop.orders']?.verification?.recorded, true, 'the fact logged again later does not begin it again');
  assert.equal(folded, 1);
  assert.deepEqual(rebuild(commands.map(({ factsThrough: _f, ...c }) => c), facts).events.map((e) => e.event.type), ['MigrationStarted', 'CommandRejected', 'CommandRejected'], 'commands of Update v3 knew no facts');
});
