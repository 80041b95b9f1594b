import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditTrail, collectionProgress, decide, initialState, replay, type CollectionFact, type EventEnvelope, type MigrationState } from '../src/index.ts';

let counter = 0;
const fact = (event: CollectionFact, issuer = 'reader-1'): EventEnvelope => ({ eventId: `d${++counter}`, migrationId: 'm1', commandId: `d${counter}`, at: counter, issuer, event });
const collection = 'app.profiles';
const S = 1_795_000_000_000_000;
const planned = (round = 0, target = 'app.profiles', maxBadDocuments: number | null = 1): CollectionFact => ({
  type: 'CollectionPlanned', collection, round, target, startAt: S, ranges: [{ type: 'number', from: null, to: '{"$numberInt":"5"}' }, { type: 'number', from: '{"$numberInt":"5"}', to: null }],
  estimatedDocuments: 10, estimatedBytes: 1000, maxBadDocuments, maxBadDocumentsPercent: null,
});
const loaded = (partition: number, fromOffset: number, toOffset: number, documents: number, bad: string[] = [], latestChange = 0, round = 0): CollectionFact => ({
  type: 'DocumentsLoaded', collection, round, partition, fromOffset, toOffset, documents, deletes: 1, badDocumentIds: bad, badDocumentsKey: bad.length === 0 ? null : `bad/${partition}-${fromOffset}`, latestChange,
});

describe("the document migrator's facts", () => {
  const started: MigrationState = replay(decide({ commandId: 'c0', migrationId: 'm1', issuedAt: 0, issuer: 'alice', command: { type: 'StartMigration', tables: [], collections: [collection] } }, initialState));

  it('fold into a collection\'s progress: the first plan of a round is its plan, ranges read, changes read, loads counted once', () => {
    assert.equal(collectionProgress(started.collections[collection]!).phase, 'waiting');
    const state = replay([fact(planned()), fact(planned(0, 'elsewhere.profiles'), 'reader-2'), fact({ type: 'RangeRead', collection, round: 0, range: 1, documents: 6, bytes: 600 })], started);
    const copy = state.collections[collection]!.copy!;
    assert.deepEqual([copy.target, copy.planner.issuer], ['app.profiles', 'reader-1']);
    assert.equal(collectionProgress(state.collections[collection]!).phase, 'snapshot');
    const later = replay(
      [
        fact({ type: 'RangeRead', collection, round: 0, range: 0, documents: 4, bytes: 400 }),
        fact({ type: 'ChangesRead', collection, round: 0, resumeToken: 't2', through: S + 2_000_000, changes: 5 }),
        // A reader that took over may record an older position after a newer one: the furthest counts.
        fact({ type: 'ChangesRead', collection, round: 0, resumeToken: 't1', through: S + 1_000_000, changes: 3 }),
        fact(loaded(3, 0, 9, 10, [], S + 500_000)),
        // Loaded again by a loader after the first died before committing: counted once.
        fact(loaded(3, 0, 9, 10, [], S + 500_000)),
        fact(loaded(4, 0, 4, 5)),
      ],
      state,
    );
    const progress = collectionProgress(later.collections[collection]!);
    assert.deepEqual(
      { phase: progress.phase, rangesRead: progress.rangesRead, documentsRead: progress.documentsRead, bytesRead: progress.bytesRead, changesRead: progress.changesRead, documentsLoaded: progress.documentsLoaded, deletesLoaded: progress.deletesLoaded, lag: progress.changeLagSeconds },
      { phase: 'following', rangesRead: 2, documentsRead: 10, bytesRead: 1000, changesRead: 5, documentsLoaded: 15, deletesLoaded: 2, lag: 1.5 },
    );
    assert.equal(later.collections[collection]!.copy!.changes!.resumeToken, 't2');
  });

  it('count each bad document once, however often it is read, and fail the round past its budget', () => {
    const within = replay([fact(planned()), fact(loaded(1, 0, 3, 3, ['{"_id":1}'])), fact(loaded(2, 0, 3, 3, ['{"_id":1}']))], started);
    const progress = collectionProgress(within.collections[collection]!);
    assert.deepEqual([progress.phase, progress.badDocuments, progress.badDocumentsFiles.length], ['snapshot', 1, 2]);
    const over = collectionProgress(replay([fact(loaded(3, 0, 3, 3, ['{"_id":2}']))], within).collections[collection]!);
    assert.deepEqual([over.phase, over.failure], ['failed', '2 bad documents, over the budget of 1']);
  });

  it('begin a new round when the change stream is lost: the copy is dropped, facts of the old round change nothing, and the audit says why', () => {
    const lost = fact({ type: 'ChangeStreamLost', collection, round: 0, reason: 'ChangeStreamHistoryLost: gone from the oplog' });
    const state = replay([fact(planned()), lost, fact(loaded(1, 0, 3, 3)), fact({ type: 'RangeRead', collection, round: 0, range: 0, documents: 4, bytes: 400 })], started);
    const c = state.collections[collection]!;
    assert.deepEqual([c.round, c.copy, c.lost], [1, undefined, ['ChangeStreamHistoryLost: gone from the oplog']]);
    const next = replay([fact(planned(1)), fact({ type: 'RangeRead', collection, round: 1, range: 0, documents: 4, bytes: 400 }), fact({ type: 'RangeRead', collection, round: 1, range: 1, documents: 4, bytes: 400 })], state);
    assert.equal(next.collections[collection]!.copy!.round, 1);
    // A round after the first is followed only once what MongoDB no longer has is swept off target.
    assert.equal(collectionProgress(next.collections[collection]!).phase, 'snapshot');
    assert.equal(collectionProgress(replay([fact({ type: 'CollectionSwept', collection, round: 1, deleted: 3 })], next).collections[collection]!).phase, 'following');
    const audit = auditTrail([lost]);
    assert.equal(audit.length, 1);
    assert.match(audit[0]!.detail, /cannot resume \(ChangeStreamHistoryLost: gone from the oplog\): it is read again whole, in round 1/);
  });

  it('ignore facts of a collection not in the migration', () => {
    const state = replay([fact({ ...planned(), collection: 'other.things' } as CollectionFact)], started);
    assert.deepEqual(state, started);
  });
});
