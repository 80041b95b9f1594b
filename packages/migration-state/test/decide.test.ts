import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditTrail, commitGate, decide, evolve, initialState, tableOrder, type Command, type EventEnvelope, type MigrationState } from '../src/index.ts';

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

/** A full verification of `table` that ended with `differences` rows differing, recorded. */
function verified(state: MigrationState, table: string, differences = 0, options: { round?: number; startedAt?: number } = {}): MigrationState {
  return run(state, { type: 'RecordVerification', table, round: options.round ?? 0, startedAt: options.startedAt ?? 1_700_000_000_000 + counter, rows: 100, targetRows: 100 - differences, differences, repairedRows: 0, complete: true }, 'verifier').state;
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
    assert.equal(rejection(run(state, { type: 'Pause', scope: { kind: 'collection', name: 'app.nope' } }).events), 'unknown collection app.nope');
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
    assert.deepEqual(commitGate(started).slice(-1), ['collection app.profiles is not verified']);
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
