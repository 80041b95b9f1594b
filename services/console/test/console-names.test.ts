import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ControlPlane, controlTopics, type LiveHistory } from '@cutover/control-plane';
import { MemoryEventLog, SchemaCatalogue, topicCatalogue, topicNames } from '@cutover/event-log';
import type { Command } from '@cutover/migration-state';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildConsole, consoleAuth } from '../src/index.ts';

/**
 * The console's views of a log whose commands and facts name `constructor`, `__proto__`,
 * `toString`: as the CLI (or any writer of the control topic) can issue them, past the API's
 * own checks. They are refused, change nothing, and every view still shows the migration.
 */
const prefix = 'names.';
const log = new MemoryEventLog();
const plane = new ControlPlane(log, controlTopics(prefix));
const TOKEN = 'names-token-0123456789';
let live: LiveHistory;
let app: FastifyInstance;

before(async () => {
  live = await plane.live('console-names-test');
  const { auth } = consoleAuth({ auth: 'token', tokens: { alice: TOKEN } });
  app = await buildConsole({ live, plane, catalogue: SchemaCatalogue.load(), topics: topicCatalogue(prefix), auth, logger: pino({ level: 'silent' }), newMigrationId: () => 'm-names', deadLetters: { log, topic: topicNames(prefix).deadLetters } });
});

after(async () => {
  await app.close();
  await live.close();
  await log.close();
});

async function get(url: string): Promise<{ status: number; body: unknown }> {
  const response = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: response.statusCode, body: response.json() };
}

it('shows the migration as it is when commands and facts name constructor, __proto__ or toString', async () => {
  const by = { migrationId: 'm-names', issuer: 'ops' };
  await plane.issue({ type: 'StartMigration', tables: [], collections: ['app.users', 'db.__proto__'], into: { 'db.__proto__': 'ks.proto_docs' } }, by);
  const refused: Command[] = ['constructor', '__proto__', 'toString'].flatMap((name): Command[] => [
    { type: 'SetPriority', table: name, priority: 1 },
    { type: 'Pause', scope: { kind: 'collection', name } },
    { type: 'RemigrateCollection', collection: name, truncate: false },
  ]);
  for (const command of refused) {
    const [verdict] = await plane.issue(command, by);
    assert.equal(verdict?.event.type, 'CommandRejected', JSON.stringify(command));
  }
  await plane.record({ type: 'CollectionPlanned', collection: 'constructor', round: 0, target: 'ks.t', startAt: 1, ranges: [], estimatedDocuments: 0, estimatedBytes: 0, maxBadDocuments: 0, maxBadDocumentsPercent: null }, { ...by, eventId: 'planned-constructor' });
  await plane.record({ type: 'ChunkLoaded', table: 'toString', round: 0, chunk: 0, rows: 1, writes: 1, badRows: 0, badRowsKey: null }, { ...by, eventId: 'loaded-toString' });
  await plane.issue({ type: 'SetCollectionPriority', collection: 'db.__proto__', priority: -1 }, by);
  for (let i = 0; live.rebuilt.events.length < refused.length + 2 || live.rebuilt.facts < 2; i++) {
    assert.ok(i < 200, 'the live state never caught up');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }

  const state = await get('/api/v1/state');
  assert.equal(state.status, 200, JSON.stringify(state.body));
  assert.deepEqual([(state.body as { tables: number }).tables, (state.body as { collections: number }).collections], [0, 2]);
  const collections = (await get('/api/v1/collections')).body as { name: string; target: string; priority: number; paused: boolean }[];
  assert.deepEqual(collections.map((c) => [c.name, c.target, c.priority, c.paused]), [['db.__proto__', 'ks.proto_docs', -1, false], ['app.users', null, 0, false]]);
  assert.deepEqual((await get('/api/v1/tables')).body, []);
  const commands = await get('/api/v1/commands');
  assert.equal(commands.status, 200);
  const audit = (await get('/api/v1/audit')).body as { entries: { event: string; detail: string }[] };
  const rejections = audit.entries.filter((e) => e.event === 'CommandRejected').map((e) => e.detail);
  assert.equal(rejections.length, refused.length);
  assert.ok(rejections.every((detail) => /rejected: unknown (table|collection) (constructor|__proto__|toString);/.test(detail)), rejections.join('\n'));
});
