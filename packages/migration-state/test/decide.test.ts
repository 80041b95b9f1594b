import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditTrail, commitGate, decide, evolve, initialState, tableOrder, type Command, type EventEnvelope, type Fact, type MigrationState } from '../src/index.ts';

let counter = 0;
/** Decides and applies a command the way a service does; returns the new state and the events. */
function run(state: MigrationState, command: Command, issuer = 'alice', reason?: string, migrationId = 'm1'): { state: MigrationState; events: EventEnvelope[] } {
  const events = decide({ commandId: `c${++counter}`, migrationId, issuedAt: 1_700_000_000_000 + counter, issuer, ...(reason ? { reason } : {}), command }, state);
  return { state: events.reduce(evolve, state), events };
}

function rejection(events: readonly EventEnvelope[]): string | undefined {
  const [only] = events;
  return only?.event.type === 'CommandRejected' ? only.event.rejection : undefined;
}

const started = run(initialState, { type: 'StartMigration', tables: ['shop.orders', 'shop.users', 'shop.items'], collections: ['app.profiles'] }).state;

/**
 * A full verification of `table` that ended with `differences` rows differing, recorded; when
 * none, followed by a clean one of what changed since it began, as the commit gate wants.
 */
function verified(state: MigrationState, table: string, differences = 0, options: { round?: number; startedAt?: number } = {}): MigrationState {
  const startedAt = options.startedAt ?? 1_700_000_000_000 + counter;
  const full = run(state, { type: 'RecordVerification', table, round: options.round ?? 0, startedAt, rows: 100, targetRows: 100 - differences, differences, repairedRows: 0, complete: true }, 'verifier');
  return differences > 0 ? full.state : rechecked(full.state, table, { since: startedAt, startedAt: full.events[0]!.at });
}

/** A verification of what changed in `table` since `since`, recorded. */
function rechecked(state: MigrationState, table: string, options: { since: number; startedAt: number; differences?: number }): MigrationState {
  const differences = options.differences ?? 0;
  return run(state, { type: 'RecordVerification', table, round: 0, startedAt: options.startedAt, rows: 5, targetRows: 5, differences, repairedRows: 0, complete: true, scope: 'changed', since: options.since }, 'verifier').state;
}

/** A fact, folded as the state is rebuilt. */
function fact(state: MigrationState, event: Fact, issuer = 'worker-1', at = 1_700_000_000_000 + ++counter): MigrationState {
  return evolve(state, { eventId: `f${++counter}`, migrationId: 'm1', commandId: `f${counter}`, at, issuer, event });
}

const twoTables = run(initialState, { type: 'StartMigration', tables: ['shop.orders', 'shop.users'], collections: [] }).state;
const bothVerified = verified(verified(twoTables, 'shop.orders'), 'shop.users');

describe('decide', () => {
  it('starts a migration with its tables in the order given', () => {
    assert.equal(started.status, 'running');
    assert.equal(started.migrationId, 'm1');
    assert.deepEqual(tableOrder(started), ['shop.orders', 'shop.users', 'shop.items']);
    assert.deepEqual(Object.keys(started.collections), ['app.profiles']);
  });

  it('refuses a second start, bad names, duplicates and an empty migration, saying why', () => {
    assert.equal(rejection(run(started, { type: 'StartMigration', tables: ['a.b'], collections: [] }).events), 'migration m1 is running; a log holds one migration');
    assert.equal(rejection(run(initialState, { type: 'StartMigration', tables: ['orders'], collections: [] }).events), '"orders" is not keyspace.table');
    assert.equal(rejection(run(initialState, { type: 'StartMigration', tables: ['a.b', 'a.b'], collections: [] }).events), 'a.b is listed twice');
    assert.equal(rejection(run(initialState, { type: 'StartMigration', tables: [], collections: [] }).events), 'name at least one table or collection');
  });

  it('reorders by priority, keeping the original order between equals', () => {
    const { state } = run(started, { type: 'SetPriority', table: 'shop.items', priority: -1 });
    assert.deepEqual(tableOrder(state), ['shop.items', 'shop.orders', 'shop.users']);
    assert.deepEqual(tableOrder(run(state, { type: 'SetPriority', table: 'shop.orders', priority: 5 }).state), ['shop.items', 'shop.users', 'shop.orders']);
  });

  it('refuses to re-migrate or reorder an unknown table, naming the tables it has', () => {
    assert.equal(rejection(run(started, { type: 'Remigrate', table: 'shop.nope', truncate: false, force: false }).events), 'unknown table shop.nope; the migration has shop.orders, shop.users, shop.items');
    assert.match(rejection(run(started, { type: 'SetPriority', table: 'x.y', priority: 1 }).events) ?? '', /^unknown table x\.y/);
    assert.equal(rejection(run(started, { type: 'SetPriority', table: 'shop.users', priority: 1.5 }).events), 'priority must be a whole number, not 1.5');
  });

  it('counts re-migrations of a table, remembering whether the last one truncates target', () => {
    const once = run(started, { type: 'Remigrate', table: 'shop.users', truncate: true, force: false }, 'bob', 'checksum mismatch');
    assert.deepEqual(once.events.map((e) => e.event), [{ type: 'RemigrationRequested', table: 'shop.users', truncate: true, force: false }]);
    assert.equal(once.state.tables['shop.users']?.truncate, true);
    const twice = run(once.state, { type: 'Remigrate', table: 'shop.users', truncate: false, force: false }).state.tables['shop.users'];
    assert.equal(twice?.remigrations, 2);
    assert.equal(twice?.truncate, false);
  });

  it('pauses and resumes everything, a table or a collection, refusing a no-op', () => {
    let state = run(started, { type: 'Pause', scope: { kind: 'all' } }).state;
    assert.equal(state.paused, true);
    assert.equal(rejection(run(state, { type: 'Pause', scope: { kind: 'all' } }).events), 'everything is already paused');
    state = run(state, { type: 'Resume', scope: { kind: 'all' } }).state;
    state = run(state, { type: 'Pause', scope: { kind: 'table', name: 'shop.orders' } }).state;
    state = run(state, { type: 'Pause', scope: { kind: 'collection', name: 'app.profiles' } }).state;
    assert.equal(state.paused, false);
    assert.equal(state.tables['shop.orders']?.paused, true);
    assert.equal(state.collections['app.profiles']?.paused, true);
    assert.equal(rejection(run(state, { type: 'Resume', scope: { kind: 'table', name: 'shop.users' } }).events), 'table shop.users is already running');
    assert.equal(rejection(run(state, { type: 'Pause', scope: { kind: 'collection', name: 'app.nope' } }).events), 'unknown collection app.nope; the migration has app.profiles');
  });

  it('switches the primary and the read mode, also before a migration starts', () => {
    const { state } = run(initialState, { type: 'SetPrimary', cluster: 'target' });
    assert.equal(state.primary, 'target');
    assert.equal(rejection(run(state, { type: 'SetPrimary', cluster: 'target' }).events), 'target is already the primary');
    assert.equal(run(state, { type: 'SetReadMode', mode: 'dual-async' }).state.readMode, 'dual-async');
  });

  it('completes only once reads are served by target, and nothing runs after', () => {
    assert.equal(rejection(run(bothVerified, { type: 'CompleteMigration' }).events), 'switch the primary to target before completing the migration');
    const cutOver = run(bothVerified, { type: 'SetPrimary', cluster: 'target' }).state;
    const done = run(cutOver, { type: 'CompleteMigration' }).state;
    assert.equal(done.status, 'completed');
    assert.equal(rejection(run(done, { type: 'Remigrate', table: 'shop.users', truncate: false, force: false }).events), 'no migration is running (it is completed)');
  });

  it('holds reads on origin, and completion, behind the commit gate until every table is verified without a difference', () => {
    const closed = 'the commit gate is closed: shop.orders is not verified; shop.users is not verified. Verify the tables (cutover verify), or force it with a reason';
    assert.equal(rejection(run(twoTables, { type: 'SetPrimary', cluster: 'target' }).events), closed);
    let state = verified(verified(twoTables, 'shop.orders', 2), 'shop.users');
    assert.deepEqual(commitGate(state), ['shop.orders had 2 differing rows at its last verification']);
    assert.deepEqual(commitGate(verified(state, 'shop.orders', 0, { startedAt: 1 })), ['shop.orders had 2 differing rows at its last verification'], 'a verification that began earlier and ended later does not count');
    const otherRound = { type: 'RecordVerification', table: 'shop.orders', round: 1, startedAt: 1_800_000_000_000, rows: 1, targetRows: 1, differences: 0, repairedRows: 0, complete: true } as const;
    assert.equal(rejection(run(state, otherRound).events), 'the verification compared round 1 of shop.orders, which is at round 0 now (re-migrated since): it says nothing of this round');
    assert.match(rejection(run(state, { ...otherRound, table: 'shop.nope' }).events) ?? '', /^unknown table shop\.nope/);
    const audit = auditTrail(run(state, { ...otherRound, round: 0, differences: 3, repairedRows: 7 }).events);
    assert.equal(audit[0]?.detail, 'verified shop.orders: 1 rows compared, 3 differing after 7 were repaired');
    state = verified(state, 'shop.orders');
    assert.deepEqual(commitGate(state), []);
    const switched = run(state, { type: 'SetPrimary', cluster: 'target' });
    assert.deepEqual(switched.events.map((e) => e.event), [{ type: 'PrimaryChanged', cluster: 'target' }]);
    // A re-migration copies the table again: its verification no longer says anything.
    state = run(switched.state, { type: 'Remigrate', table: 'shop.users', truncate: false, force: false }).state;
    assert.equal(state.tables['shop.users']?.verified, undefined);
    assert.match(rejection(run(state, { type: 'CompleteMigration' }).events) ?? '', /^the commit gate is closed: shop\.users is not verified\./);
    assert.equal(run(state, { type: 'SetPrimary', cluster: 'origin' }).events[0]?.event.type, 'PrimaryChanged', 'back to origin is always allowed');
    assert.deepEqual(commitGate(started).slice(-1), ['collection app.profiles is not verified: cutover verify app.profiles']);
  });

  it('holds the gate until what changed since a full verification began is verified clean too, by a check begun once it ended', () => {
    const full = run(twoTables, { type: 'RecordVerification', table: 'shop.orders', round: 0, startedAt: 5_000, rows: 9, targetRows: 9, differences: 0, repairedRows: 0, complete: true });
    const ended = full.events[0]!.at;
    const state = verified(full.state, 'shop.users');
    const since = 'what changed in shop.orders since its verification began is not verified: cutover verify --changed-since 1970-01-01T00:00:05.000Z shop.orders';
    assert.deepEqual(commitGate(state), [since]);
    assert.deepEqual(commitGate(rechecked(state, 'shop.orders', { since: 6_000, startedAt: ended + 1 })), [since], 'a window that begins after the full verification leaves writes out');
    assert.deepEqual(commitGate(rechecked(state, 'shop.orders', { since: 5_000, startedAt: ended - 1 })), [since], 'one begun before it ended leaves out what was written to rows it had compared');
    assert.deepEqual(commitGate(rechecked(state, 'shop.orders', { since: 5_000, startedAt: ended, differences: 1 })), ['shop.orders had 1 differing row among the partitions written since 1970-01-01T00:00:05.000Z']);
    assert.deepEqual(commitGate(rechecked(state, 'shop.orders', { since: 5_000, startedAt: ended })), []);
    const ofPosition = run(state, { type: 'RecordVerification', table: 'shop.orders', round: 0, startedAt: ended, rows: 5, targetRows: 5, differences: 0, repairedRows: 0, complete: true, scope: 'changed' });
    assert.deepEqual(commitGate(ofPosition.state), [since], 'one of what changed since a log position has no time to compare');
    assert.equal(auditTrail(ofPosition.events)[0]?.detail, 'verified the partitions of shop.orders written since a log position: 5 rows compared, 0 differing');
    assert.equal(auditTrail(run(state, { type: 'RecordVerification', table: 'shop.orders', round: 0, startedAt: 9_000, rows: 5, targetRows: 5, differences: 0, repairedRows: 0, complete: true, scope: 'changed', since: 5_000 }).events)[0]?.detail, 'verified the partitions of shop.orders written since 1970-01-01T00:00:05.000Z: 5 rows compared, 0 differing');
  });

  it('holds the gate while a shared verification runs, which ends when its result is recorded', () => {
    const begun = fact(bothVerified, { type: 'VerificationStarted', table: 'shop.orders', round: 0, verificationId: 'v1', ranges: 4 }, 'bob', 60_000);
    const oneRange = fact(begun, { type: 'RangeVerified', table: 'shop.orders', round: 0, verificationId: 'v1', range: 2, rows: 10, targetRows: 10, differences: 0, complete: true, failure: null }, 'worker-2');
    assert.deepEqual(oneRange.tables['shop.orders']?.verification?.done, { 2: { rows: 10, targetRows: 10, differences: 0, complete: true, failure: null, by: 'worker-2' } });
    assert.deepEqual(fact(oneRange, { type: 'RangeVerified', table: 'shop.orders', round: 0, verificationId: 'v0', range: 1, rows: 1, targetRows: 1, differences: 0, complete: true, failure: null }), oneRange, 'a range of another verification changes nothing');
    assert.deepEqual(commitGate(oneRange), ['a verification of shop.orders is running (begun 1970-01-01T00:01:00.000Z by bob, 1 of 4 ranges compared): let it end, or run cutover verify shop.orders to resume it']);
    const result = { type: 'RecordVerification', table: 'shop.orders', round: 0, startedAt: 60_000, rows: 40, targetRows: 40, differences: 0, repairedRows: 0, complete: true } as const;
    assert.equal(rejection(run(oneRange, { ...result, verificationId: 'v0' }).events), 'verification v0 of shop.orders is not under way: verification v1 took its place');
    const ended = run(oneRange, { ...result, verificationId: 'v1' }).state;
    assert.deepEqual([ended.tables['shop.orders']?.verification?.recorded, commitGate(ended)], [true, []]);
    assert.equal(rejection(run(ended, { ...result, verificationId: 'v1' }).events), 'verification v1 of shop.orders is not under way: its result was recorded already');
    assert.deepEqual(fact(ended, { type: 'RangeVerified', table: 'shop.orders', round: 0, verificationId: 'v1', range: 3, rows: 1, targetRows: 1, differences: 0, complete: true, failure: null }), ended, 'a range compared twice, late, changes nothing');
    const restarted = fact(oneRange, { type: 'VerificationStarted', table: 'shop.orders', round: 0, verificationId: 'v2', ranges: 8 }, 'carol', 70_000);
    assert.equal(restarted.tables['shop.orders']?.verification?.id, 'v2', 'one begun later takes its place');
    assert.deepEqual(fact(restarted, { type: 'VerificationStarted', table: 'shop.orders', round: 0, verificationId: 'v1', ranges: 4 }, 'bob', 60_000), restarted);
    assert.equal(run(oneRange, { type: 'Remigrate', table: 'shop.orders', truncate: false, force: false }).state.tables['shop.orders']?.verification, undefined, 'a re-migration ends it: it compared the earlier round');
  });

  it('holds the gate while heals are pending, as the command\'s issuer saw them', () => {
    assert.equal(rejection(run(bothVerified, { type: 'SetPrimary', cluster: 'target', pendingHeals: 3 }).events), "the commit gate is closed: 3 mutation(s) target failed are not healed yet (the heals topic's lag). Verify the tables (cutover verify), or force it with a reason");
    assert.equal(run(bothVerified, { type: 'SetPrimary', cluster: 'target', pendingHeals: 0 }).events[0]?.event.type, 'PrimaryChanged');
  });

  it('lets a command through a closed gate when forced with a reason, and the event and the audit say what it overrode', () => {
    assert.equal(rejection(run(twoTables, { type: 'SetPrimary', cluster: 'target', force: true }).events), 'forcing a command past the commit gate needs a reason, for the audit');
    const forced = run(twoTables, { type: 'SetPrimary', cluster: 'target', force: true }, 'carol', 'the old cluster is failing');
    assert.deepEqual(forced.events[0]?.event, { type: 'PrimaryChanged', cluster: 'target', overriding: 'shop.orders is not verified; shop.users is not verified' });
    assert.equal(auditTrail(forced.events)[0]?.detail, 'primary is now target (forced past the commit gate, which waited for: shop.orders is not verified; shop.users is not verified)');
    const done = run(forced.state, { type: 'CompleteMigration', force: true }, 'carol', 'accepted by the owners');
    assert.deepEqual([done.state.status, done.events[0]?.event], ['completed', { type: 'MigrationCompleted', overriding: 'shop.orders is not verified; shop.users is not verified' }]);
    assert.deepEqual(run(bothVerified, { type: 'SetPrimary', cluster: 'target', force: true }, 'carol', 'no need').events[0]?.event, { type: 'PrimaryChanged', cluster: 'target' }, 'an open gate overrides nothing');
  });

  it('refuses a command addressed to another migration', () => {
    assert.equal(rejection(run(started, { type: 'Pause', scope: { kind: 'all' } }, 'eve', undefined, 'm2').events), "this log's migration is m1, not m2");
  });

  it('keeps an audit of who did what, when and why, refusals included', () => {
    const first = run(bothVerified, { type: 'SetPrimary', cluster: 'target' }, 'carol', 'cut-over window');
    const second = run(first.state, { type: 'Remigrate', table: 'shop.gone', truncate: false, force: false }, 'dave');
    const [accepted, refused] = auditTrail([...first.events, ...second.events]);
    assert.deepEqual({ ...accepted, at: 0, commandId: '' }, { at: 0, commandId: '', issuer: 'carol', reason: 'cut-over window', event: 'PrimaryChanged', detail: 'primary is now target' });
    assert.equal(refused?.issuer, 'dave');
    assert.equal(refused?.event, 'CommandRejected');
    assert.match(refused?.detail ?? '', /^Remigrate rejected: unknown table shop\.gone/);
    assert.equal(accepted?.at, first.events[0]?.at);
  });

  it('gives a command decided twice the same events, ids included', () => {
    const envelope = { commandId: 'fixed', migrationId: 'm1', issuedAt: 5, issuer: 'x', command: { type: 'SetReadMode', mode: 'dual-async' } } as const;
    assert.deepEqual(decide(envelope, started), decide(envelope, started));
    assert.equal(decide(envelope, started)[0]?.eventId, 'fixed/0');
  });
});
