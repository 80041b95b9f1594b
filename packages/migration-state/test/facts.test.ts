import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PLAN_LEASE_MS, auditTrail, decide, evolve, initialState, replay, tableProgress, type Command, type EventEnvelope, type Fact, type MigrationState } from '../src/index.ts';

let counter = 0;
const command = (state: MigrationState, c: Command): EventEnvelope[] => decide({ commandId: `c${++counter}`, migrationId: 'm1', issuedAt: counter, issuer: 'alice', command: c }, state);
const fact = (event: Fact): EventEnvelope => ({ eventId: `w${++counter}`, migrationId: 'm1', commandId: `w${counter}`, at: counter, issuer: 'worker-1', event });
const unloaded = (chunk: number, round = 0): Fact => ({ type: 'ChunkUnloaded', table: 'shop.orders', round, chunk, s3Key: `k${chunk}`, rows: 100, bytes: 5000, sha256: 'ab', unloadedAt: 1 });
const loaded = (chunk: number, round = 0, badRows = 0): Fact => ({ type: 'ChunkLoaded', table: 'shop.orders', round, chunk, rows: 100 - badRows, writes: 120, badRows, badRowsKey: badRows === 0 ? null : `k${chunk}.bad-rows.csv` });
const planned = (chunks: number, round = 0, budget: { maxBadRows: number | null; maxBadRowsPercent: number | null } = { maxBadRows: 0, maxBadRowsPercent: null }, table = 'shop.orders'): Fact => ({ type: 'TablePlanned', table, round, chunks, estimatedBytes: 15_000, ...budget, counter: false });

describe("the migrators' facts", () => {
  const start = command(initialState, { type: 'StartMigration', tables: ['shop.orders', 'shop.users'], collections: [] });
  const started = replay(start);

  it("fold into each table's copy progress, chunk by chunk, a chunk done twice counted once", () => {
    const events = [fact(planned(3)), fact(unloaded(0)), fact(unloaded(1)), fact(loaded(0)), fact(loaded(0))];
    const state = replay(events, started);
    assert.deepEqual(tableProgress(state.tables['shop.orders']!), {
      table: 'shop.orders', phase: 'copying', chunks: 3, chunksUnloaded: 2, chunksLoaded: 1, chunksChecked: 0, mismatchedChunks: [], rowsUnloaded: 200, rowsLoaded: 100, estimatedRows: 300, bytesUnloaded: 10_000, estimatedBytes: 15_000, badRows: 0, badRowsFiles: [],
    });
    assert.equal(tableProgress(state.tables['shop.users']!).phase, 'waiting');
    const done = replay([fact(unloaded(2)), fact(loaded(1)), fact(loaded(2))], state);
    assert.equal(tableProgress(done.tables['shop.orders']!).phase, 'copied');
    const checked = (chunk: number, matches: boolean) => fact({ type: 'ChunkChecked', table: 'shop.orders', round: 0, chunk, originRows: 100, targetRows: matches ? 100 : 99, matches });
    assert.equal(tableProgress(replay([checked(0, true), checked(1, true), checked(2, true)], done).tables['shop.orders']!).phase, 'verified');
    const mismatched = tableProgress(replay([checked(0, true), checked(1, false), checked(2, true)], done).tables['shop.orders']!);
    assert.deepEqual([mismatched.phase, mismatched.mismatchedChunks], ['mismatched', [1]]);
  });

  it("take a round's first plan as its plan and its issuer as its planner; a later claim takes it over only once the planner's lease is over without its work queued", () => {
    const claim = (issuer: string, at: number, chunks: number): EventEnvelope => ({ ...fact(planned(chunks)), issuer, at });
    const copyOf = (events: EventEnvelope[]) => replay(events, started).tables['shop.orders']!.copy!;
    const first = copyOf([claim('p1', 1000, 3), claim('p2', 1001, 5)]);
    assert.deepEqual([first.chunks, first.planner], [3, { issuer: 'p1', at: 1000 }], 'planners that claimed at once: the first wins');
    const late = 1000 + PLAN_LEASE_MS + 1;
    assert.deepEqual(copyOf([claim('p1', 1000, 3), claim('p2', late, 5)]).planner, { issuer: 'p2', at: late }, 'taken over, past the lease');
    assert.equal(copyOf([claim('p1', 1000, 3), claim('p2', late, 5)]).chunks, 3, 'the plan stays the first claim\'s');
    assert.deepEqual(copyOf([claim('p1', 1000, 3), claim('p2', late, 5), claim('p3', late + 1, 5)]).planner, { issuer: 'p2', at: late }, "the taker's lease starts anew");
    const queued = copyOf([claim('p1', 1000, 3), fact({ type: 'WorkQueued', table: 'shop.orders', round: 0, chunks: 3 }), claim('p2', late, 5)]);
    assert.deepEqual([queued.queued, queued.planner!.issuer], [true, 'p1'], 'work queued: no one takes the round over');
    const truncated = copyOf([claim('p1', 1000, 3), fact({ type: 'TableTruncated', table: 'shop.orders', round: 0 })]);
    assert.deepEqual([truncated.truncated, truncated.queued], [true, undefined]);
    const refused = copyOf([claim('p1', 1000, 3), fact({ type: 'TableRefused', table: 'shop.orders', round: 0, reason: 'chunk 1 failed to load: boom' })]);
    assert.deepEqual([refused.refused, refused.planner!.issuer], ['chunk 1 failed to load: boom', 'p1'], 'a failed chunk fails the planned round');
  });

  it('start over with a re-migration: facts of the earlier round no longer count', () => {
    const copied = replay([fact(planned(1)), fact(unloaded(0)), fact(loaded(0))], started);
    const again = command(copied, { type: 'Remigrate', table: 'shop.orders', truncate: false, force: false }).reduce(evolve, copied);
    const late = evolve(again, fact(loaded(0)));
    assert.equal(tableProgress(late.tables['shop.orders']!).phase, 'waiting', 'the old round no longer counts: the table waits to be planned again');
    const replanned = replay([fact(planned(2, 1)), fact(loaded(0, 0)), fact(loaded(0, 1))], late);
    assert.deepEqual(tableProgress(replanned.tables['shop.orders']!).chunksLoaded, 1);
  });

  it('fail a table past its error budget, counted in rows or as a percentage of the rows loaded so far', () => {
    const withBudget = (budget: { maxBadRows: number | null; maxBadRowsPercent: number | null }, ...chunks: Fact[]) => tableProgress(replay([fact(planned(4, 0, budget)), ...chunks.map(fact)], started).tables['shop.orders']!);
    const within = withBudget({ maxBadRows: 2, maxBadRowsPercent: null }, unloaded(0), loaded(0, 0, 1), loaded(1, 0, 1));
    assert.deepEqual([within.phase, within.badRows, within.badRowsFiles, within.rowsLoaded], ['copying', 2, ['k0.bad-rows.csv', 'k1.bad-rows.csv'], 198]);
    const beyond = withBudget({ maxBadRows: 2, maxBadRowsPercent: null }, loaded(0, 0, 1), loaded(1, 0, 2));
    assert.deepEqual([beyond.phase, beyond.failure], ['failed', '3 bad rows, over the budget of 2']);
    assert.equal(withBudget({ maxBadRows: null, maxBadRowsPercent: 1 }, loaded(0, 0, 1), loaded(1, 0, 1)).phase, 'copying', '2 of 200 is 1%, not over');
    const percent = withBudget({ maxBadRows: null, maxBadRowsPercent: 1 }, loaded(0, 0, 1), loaded(1, 0, 2));
    assert.deepEqual([percent.phase, percent.failure], ['failed', '3 bad rows of 200 (1.50%), over the budget of 1%']);
    assert.equal(withBudget({ maxBadRows: 0, maxBadRowsPercent: null }, loaded(0, 0, 1)).phase, 'failed', 'the default budget: none');
  });

  it('change nothing for a table the migration does not have, and stay out of the audit trail', () => {
    const stray = fact(planned(1, 0, undefined, 'shop.nope'));
    assert.deepEqual(evolve(started, stray), started);
    assert.deepEqual(auditTrail([...start, stray]).map((a) => a.event), ['MigrationStarted']);
  });
});
