import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { CommandEnvelope } from '@cutover/migration-state';
import { LiveHistory } from '../src/live-history.ts';

it('is caught up only once every command it read can be decided: the events topic read to its factsThrough, verdicts included', async () => {
  const live = new LiveHistory();
  const start: CommandEnvelope = { commandId: 'c1', migrationId: 'm1', issuedAt: 1, issuer: 'alice', command: { type: 'StartMigration', tables: [], collections: ['app.profiles'] } };
  // Issued when the events topic held 2 records: the start's verdict and a fact.
  const remigrate: CommandEnvelope = { commandId: 'c2', migrationId: 'm1', issuedAt: 2, issuer: 'alice', factsThrough: 2, command: { type: 'RemigrateCollection', collection: 'app.profiles', truncate: false } };
  let caughtUp = false;
  const waiting = live.caughtUp({ commands: 2, facts: 0 }).then(() => (caughtUp = true));
  live.addCommand(start);
  live.addCommand(remigrate);
  await Promise.resolve();
  assert.equal(caughtUp, false, 'the second command waits for the records before it');
  assert.equal(live.state.collections['app.profiles']?.round, 0);
  live.addFact(0, undefined); // the start's verdict
  live.addFact(1, undefined);
  await waiting;
  assert.equal(live.state.collections['app.profiles']?.round, 1);
});
