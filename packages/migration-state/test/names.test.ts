import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditTrail, commitGate, decide, evolve, initialState, rebuild, tableOrder, type Command, type CommandEnvelope, type EventEnvelope, type Fact, type LoggedFact, type MigrationState } from '../src/index.ts';

/** Names every object answers to through its prototype: to the state they are names like any other. */
const INHERITED = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'] as const;

let counter = 0;
const envelope = (command: Command): CommandEnvelope => ({ commandId: `c${++counter}`, migrationId: 'm1', issuedAt: 1_700_000_000_000 + counter, issuer: 'alice', command });
const fact = (event: Fact): EventEnvelope => ({ eventId: `f${++counter}`, migrationId: 'm1', commandId: `f${counter}`, at: 1_700_000_000_000 + counter, issuer: 'worker-1', event });
const run = (state: MigrationState, command: Command): { state: MigrationState; events: EventEnvelope[] } => {
  const events = decide(envelope(command), state);
  return { state: events.reduce(evolve, state), events };
};
const rejection = (events: readonly EventEnvelope[]): string | undefined => (events.length === 1 && events[0]!.event.type === 'CommandRejected' ? events[0]!.event.rejection : undefined);

/** Every command that names a table or a collection, naming `name`. */
function commandsNaming(name: string): Command[] {
  return [
    { type: 'SetPriority', table: name, priority: 1 },
    { type: 'Remigrate', table: name, truncate: false, force: false },
    { type: 'Pause', scope: { kind: 'table', name } },
    { type: 'Resume', scope: { kind: 'table', name } },
    { type: 'RecordVerification', table: name, round: 0, startedAt: 1, rows: 1, targetRows: 1, differences: 0, repairedRows: 0, complete: true },
    { type: 'SetCollectionPriority', collection: name, priority: 1 },
    { type: 'RemigrateCollection', collection: name, truncate: true },
    { type: 'Pause', scope: { kind: 'collection', name } },
    { type: 'Resume', scope: { kind: 'collection', name } },
    { type: 'RecordCollectionVerification', collection: name, round: 0, startedAt: 1, documents: 1, targetDocuments: 1, badDocuments: 0, differences: 0, differingDocuments: [] },
  ];
}

/** Every kind of fact about a table or a collection, naming `name`. */
function factsNaming(name: string): Fact[] {
  return [
    { type: 'TablePlanned', table: name, round: 0, chunks: 2, estimatedBytes: 10, maxBadRows: 0, maxBadRowsPercent: null, counter: false },
    { type: 'TableRefused', table: name, round: 0, reason: 'no' },
    { type: 'ChunkUnloaded', table: name, round: 0, chunk: 0, s3Key: 'k', rows: 1, bytes: 1, sha256: 'ab', unloadedAt: 1 },
    { type: 'ChunkLoaded', table: name, round: 0, chunk: 0, rows: 1, writes: 1, badRows: 0, badRowsKey: null },
    { type: 'ChunkChecked', table: name, round: 0, chunk: 0, originRows: 1, targetRows: 1, matches: true },
    { type: 'TableTruncated', table: name, round: 0 },
    { type: 'WorkQueued', table: name, round: 0, chunks: 2 },
    { type: 'VerificationStarted', table: name, round: 0, verificationId: 'v1', ranges: 2 },
    { type: 'RangeVerified', table: name, round: 0, verificationId: 'v1', range: 0, rows: 1, targetRows: 1, differences: 0, complete: true, failure: null },
    { type: 'CollectionPlanned', collection: name, round: 0, target: 'ks.t', startAt: 1, ranges: [], estimatedDocuments: 1, estimatedBytes: 1, maxBadDocuments: 0, maxBadDocumentsPercent: null },
    { type: 'RangeRead', collection: name, round: 0, range: 0, documents: 1, bytes: 1 },
    { type: 'ChangesRead', collection: name, round: 0, resumeToken: 't', through: 1, changes: 1 },
    { type: 'DocumentsLoaded', collection: name, round: 0, partition: 0, fromOffset: 0, toOffset: 1, documents: 1, deletes: 0, badDocumentIds: [], badDocumentsKey: null, latestChange: 1 },
    { type: 'CollectionSwept', collection: name, round: 0, deleted: 1 },
    { type: 'ChangeStreamLost', collection: name, round: 0, reason: 'gone' },
  ];
}

const started = run(initialState, { type: 'StartMigration', tables: ['shop.orders', 'shop.users'], collections: ['app.profiles'] }).state;

describe('names that objects inherit (constructor, __proto__, toString, …)', () => {
  it('are refused in every command as unknown tables and collections, and leave the state as it was', () => {
    for (const name of INHERITED) {
      for (const command of commandsNaming(name)) {
        const { state, events } = run(started, command);
        const kind = 'table' in command || ('scope' in command && command.scope.kind === 'table') ? 'table' : 'collection';
        const listed = kind === 'table' ? 'shop.orders, shop.users' : 'app.profiles';
        assert.equal(rejection(events), `unknown ${kind} ${name}; the migration has ${listed}`, `${command.type} ${name}`);
        assert.deepEqual(state, started, `${command.type} ${name}`);
        assert.equal(JSON.stringify(state), JSON.stringify(started));
      }
    }
  });

  it('change nothing as facts', () => {
    for (const name of INHERITED) {
      for (const event of factsNaming(name)) {
        const state = evolve(started, fact(event));
        assert.deepEqual(state, started, `${event.type} ${name}`);
      }
    }
  });

  it('find nothing in the state, however it is looked up', () => {
    for (const name of INHERITED) {
      assert.equal(started.tables[name], undefined, name);
      assert.equal(started.collections[name], undefined, name);
      assert.equal(name in started.tables, false, name);
    }
    assert.deepEqual(Object.keys(started.tables), ['shop.orders', 'shop.users']);
  });

  it('leave a log that replays: commands after them are decided as before, the audit lists the refusals', () => {
    const commands = [
      envelope({ type: 'StartMigration', tables: ['shop.orders', 'shop.users'], collections: ['app.profiles'] }),
      ...INHERITED.flatMap((name) => commandsNaming(name).map(envelope)),
      envelope({ type: 'SetPriority', table: 'shop.users', priority: -1 }),
      envelope({ type: 'Pause', scope: { kind: 'collection', name: 'app.profiles' } }),
    ];
    const facts: LoggedFact[] = INHERITED.flatMap((name) => factsNaming(name)).map((event, offset) => ({ offset, envelope: fact(event) }));
    const once = rebuild(commands, facts);
    const twice = rebuild(commands, facts);
    assert.deepEqual(twice.state, once.state);
    assert.deepEqual(tableOrder(once.state), ['shop.users', 'shop.orders']);
    assert.equal(once.state.collections['app.profiles']?.paused, true);
    assert.deepEqual(Object.keys(once.state.tables), ['shop.orders', 'shop.users']);
    assert.deepEqual(Object.keys(once.state.collections), ['app.profiles']);
    assert.deepEqual(commitGate(once.state), [
      'shop.orders is not verified',
      'shop.users is not verified',
      'collection app.profiles is not verified: cutover verify app.profiles',
    ]);
    const refused = auditTrail(once.events).filter((entry) => entry.event === 'CommandRejected');
    assert.equal(refused.length, INHERITED.length * commandsNaming('x').length);
    assert.match(refused[0]!.detail, /^SetPriority rejected: unknown table constructor;/);
  });

  it('are names like any other within a keyspace or database: ks.constructor, ks.__proto__, db.toString', () => {
    const tables = INHERITED.map((name) => `ks.${name}`);
    const collections = INHERITED.map((name) => `db.${name}`);
    let state = run(initialState, { type: 'StartMigration', tables, collections, into: { 'db.__proto__': 'ks.proto_docs' } }).state;
    assert.deepEqual(Object.keys(state.tables), tables);
    assert.deepEqual(Object.keys(state.collections), collections);
    assert.equal(state.collections['db.__proto__']?.into, 'ks.proto_docs');
    assert.equal(state.collections['db.constructor']?.into, undefined);
    state = run(state, { type: 'SetPriority', table: 'ks.__proto__', priority: -1 }).state;
    state = run(state, { type: 'Pause', scope: { kind: 'table', name: 'ks.constructor' } }).state;
    state = run(state, { type: 'SetCollectionPriority', collection: 'db.toString', priority: -1 }).state;
    state = evolve(state, fact({ type: 'TablePlanned', table: 'ks.__proto__', round: 0, chunks: 2, estimatedBytes: 10, maxBadRows: 0, maxBadRowsPercent: null, counter: false }));
    state = evolve(state, fact({ type: 'ChunkLoaded', table: 'ks.__proto__', round: 0, chunk: 1, rows: 7, writes: 7, badRows: 0, badRowsKey: null }));
    assert.equal(tableOrder(state)[0], 'ks.__proto__');
    assert.equal(state.tables['ks.__proto__']?.copy?.loaded[1]?.rows, 7);
    assert.equal(state.tables['ks.constructor']?.paused, true);
    assert.equal(state.collections['db.toString']?.priority, -1);
    // Their JSON is that of plain objects: `__proto__` is a key like the others.
    const json = JSON.parse(JSON.stringify(state)) as { tables: Record<string, { priority: number }> };
    assert.deepEqual(Object.keys(json.tables), tables);
    assert.equal((Object.getOwnPropertyDescriptor(json.tables, 'ks.__proto__')?.value as { priority: number } | undefined)?.priority, -1);
  });

  it('leave the JSON of the state as it was', () => {
    const state = run(started, { type: 'SetPriority', table: 'shop.users', priority: 2 }).state;
    assert.equal(
      JSON.stringify({ tables: state.tables, collections: state.collections }),
      '{"tables":{"shop.orders":{"name":"shop.orders","priority":0,"position":0,"paused":false,"remigrations":0},"shop.users":{"name":"shop.users","priority":2,"position":1,"paused":false,"remigrations":0}},' +
        '"collections":{"app.profiles":{"name":"app.profiles","paused":false,"priority":0,"position":0,"round":0,"lost":[]}}}',
    );
  });
});
