import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { loadConfig } from '@cutover/config';
import { ControlPlane, controlTopicSpecs, controlTopics } from '@cutover/control-plane';
import { KafkaEventLog, SchemaCatalogue, createTopics, decodeRecord, topicCatalogue, topicNames } from '@cutover/event-log';
import { PLAN_LEASE_MS } from '@cutover/migration-state';
import { cassandraClient, kafkaClient, s3Client } from '@cutover/stack';
import type cassandra from 'cassandra-driver';
import { pino } from 'pino';
import { Planner, copyTables, syncSchema, type CopyContext, type WorkItem } from '../src/index.ts';

/**
 * Two tables copied by two workers sharing the work topic on the real Kafka, clusters and S3:
 * the planner queues the chunks in the state's order, the workers' facts fold into the state
 * until both tables are copied, and target then has exactly origin's rows.
 */
const timeout = 180_000;
const prefix = `copy-${randomBytes(3).toString('hex')}.`;
const ks = `workers_${randomBytes(3).toString('hex')}`;
const config = loadConfig({ env: { ...process.env, KAFKA_TOPIC_PREFIX: prefix } });
const log = new KafkaEventLog(config.kafka, pino({ level: 'error' }));
const control = new ControlPlane(log, controlTopics(prefix));
const ctx: CopyContext = {
  origin: cassandraClient(config.origin),
  target: cassandraClient(config.target),
  staging: { s3: s3Client(config), bucket: `workers-${randomBytes(3).toString('hex')}` },
  log,
  control,
  workTopic: topicNames(prefix).work,
  deadLetterTopic: topicNames(prefix).deadLetters,
  logger: pino({ level: 'warn' }),
};

before(async () => {
  const admin = kafkaClient(config).admin();
  await admin.connect();
  await createTopics(admin, [...controlTopicSpecs(prefix), ...topicCatalogue(prefix).filter((t) => t.name === ctx.workTopic)]);
  await admin.disconnect();
  await ctx.staging.s3.send(new CreateBucketCommand({ Bucket: ctx.staging.bucket }));
  await ctx.origin.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await ctx.origin.execute(`CREATE TABLE ${ks}.users (id int PRIMARY KEY, name text)`);
  await ctx.origin.execute(`CREATE TABLE ${ks}.visits (user int, at int, page text, PRIMARY KEY (user, at))`);
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < 300; i++) writes.push(ctx.origin.execute(`INSERT INTO ${ks}.users (id, name) VALUES (?, ?)`, [i, `user ${i}`], { prepare: true }));
  for (let i = 0; i < 200; i++) writes.push(ctx.origin.execute(`INSERT INTO ${ks}.visits (user, at, page) VALUES (?, ?, ?) USING TTL 86400`, [i % 20, i, `/p/${i}`], { prepare: true }));
  await Promise.all(writes);
});

after(async () => {
  await ctx.origin.shutdown();
  await ctx.target.shutdown();
  await log.close();
});

async function rows(client: cassandra.Client, table: string): Promise<string[]> {
  return (await client.execute(`SELECT * FROM ${ks}.${table}`, [], { fetchSize: 10_000 })).rows.map((r) => JSON.stringify(r)).sort();
}

it('two workers share the chunks of two tables, planned one after the other, until both are copied, and target has exactly their rows', { timeout }, async () => {
  await control.issue({ type: 'StartMigration', tables: [`${ks}.users`, `${ks}.visits`], collections: [] }, { migrationId: 'm-copy', issuer: 'test' });
  const sizing = { chunkBytes: 1, minChunks: 6, maxChunks: 6 };
  const planner = new Planner(ctx, 'test-planner', sizing);
  assert.equal(await planner.next((await control.history()).state), `${ks}.users`, 'users claimed');
  assert.equal(await planner.next((await control.history()).state), undefined, 'users queued; visits waits until the chunks of users are unloaded');
  assert.equal((await control.history()).state.tables[`${ks}.users`]!.copy?.queued, true);

  const progress = await copyTables(ctx, { workers: 2, workerId: 'worker', group: `${prefix}table-workers`, sizing, pollMs: 200 });
  assert.deepEqual(progress.map((p) => [p.table, p.phase, p.chunksLoaded, p.rowsLoaded, p.chunksChecked]), [[`${ks}.users`, 'verified', 6, 300, 6], [`${ks}.visits`, 'verified', 6, 200, 6]]);
  for (const table of ['users', 'visits']) assert.deepEqual(await rows(ctx.target, table), await rows(ctx.origin, table), `${table} on target`);
});

it('a chunk that fails for a reason that does not pass (its table dropped from origin mid-copy) fails its table with the chunk and the reason, and the copy ends', { timeout }, async () => {
  const failing = `${prefix}failing.`;
  const admin = kafkaClient(config).admin();
  await admin.connect();
  await createTopics(admin, [...controlTopicSpecs(failing), ...topicCatalogue(failing).filter((t) => t.name === topicNames(failing).work)]);
  await admin.disconnect();
  const failingCtx: CopyContext = { ...ctx, control: new ControlPlane(log, controlTopics(failing)), workTopic: topicNames(failing).work };
  await ctx.origin.execute(`CREATE TABLE ${ks}.dropped (id int PRIMARY KEY, v text)`);
  await Promise.all(Array.from({ length: 50 }, (_, i) => ctx.origin.execute(`INSERT INTO ${ks}.dropped (id, v) VALUES (?, ?)`, [i, `v${i}`], { prepare: true })));
  await failingCtx.control.issue({ type: 'StartMigration', tables: [`${ks}.dropped`], collections: [] }, { migrationId: 'm-failing', issuer: 'test' });
  const sizing = { chunkBytes: 1, minChunks: 3, maxChunks: 3 };
  const planner = new Planner(failingCtx, 'test-planner', sizing);
  assert.equal(await planner.next((await failingCtx.control.history()).state), `${ks}.dropped`);
  await planner.next((await failingCtx.control.history()).state);
  await ctx.origin.execute(`DROP TABLE ${ks}.dropped`);

  const [progress] = await copyTables(failingCtx, { workers: 1, workerId: 'failing', group: `${failing}table-workers`, sizing, pollMs: 200 });
  assert.equal(progress!.phase, 'failed');
  assert.match(progress!.failure ?? '', new RegExp(`^chunk \\d failed to unload: origin has no table ${ks}\\.dropped$`));
});

/** A migration of its own: its control and work topics under `name`. */
async function separateMigration(name: string): Promise<CopyContext> {
  const topics = `${prefix}${name}.`;
  const admin = kafkaClient(config).admin();
  await admin.connect();
  await createTopics(admin, [...controlTopicSpecs(topics), ...topicCatalogue(topics).filter((t) => t.name === topicNames(topics).work)]);
  await admin.disconnect();
  return { ...ctx, control: new ControlPlane(log, controlTopics(topics)), workTopic: topicNames(topics).work };
}

it('planners that find a round due at once make one plan of it: its work queued once, target truncated once, before any load', { timeout }, async () => {
  const once = await separateMigration('once');
  await ctx.origin.execute(`CREATE TABLE ${ks}.once (id int PRIMARY KEY, v text)`);
  await Promise.all(Array.from({ length: 120 }, (_, i) => ctx.origin.execute(`INSERT INTO ${ks}.once (id, v) VALUES (?, ?)`, [i, `v${i}`], { prepare: true })));
  await once.control.issue({ type: 'StartMigration', tables: [`${ks}.once`], collections: [] }, { migrationId: 'm-once', issuer: 'test' });
  await once.control.issue({ type: 'Remigrate', table: `${ks}.once`, truncate: true, force: false }, { migrationId: 'm-once', issuer: 'test' });
  // Target's TRUNCATE statements, counted across the planners.
  const truncates: string[] = [];
  const target = new Proxy(ctx.target, {
    get(client, property) {
      const value: unknown = Reflect.get(client, property);
      if (property !== 'execute') return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(client) : value;
      return (query: string, ...rest: unknown[]) => {
        if (/^TRUNCATE/.test(query)) truncates.push(query);
        return (client.execute as (...args: unknown[]) => unknown)(query, ...rest);
      };
    },
  });
  const sizing = { chunkBytes: 1, minChunks: 4, maxChunks: 4 };
  // No load of an earlier round can be under way here: no settling before the truncation.
  const planners = ['a', 'b', 'c'].map((name) => new Planner({ ...once, target, truncateSettleMs: 0 }, `planner-${name}`, sizing));
  // The same state for all three, as three processes started together see it: each claims the round.
  const due = (await once.control.history()).state;
  assert.deepEqual(await Promise.all(planners.map((p) => p.next(due))), [`${ks}.once`, `${ks}.once`, `${ks}.once`]);
  for (let look = 0; look < 3; look++) {
    const state = (await once.control.history()).state;
    await Promise.all(planners.map((p) => p.next(state)));
  }
  const copy = (await once.control.history()).state.tables[`${ks}.once`]!.copy!;
  assert.ok(['planner-a', 'planner-b', 'planner-c'].includes(copy.planner!.issuer));
  assert.deepEqual([copy.round, copy.chunks, copy.truncated, copy.queued], [1, 4, true, true]);
  assert.equal(truncates.length, 1, 'target truncated once');
  const unloads = (await log.readAll(once.workTopic)).map((record) => decodeRecord<WorkItem>(SchemaCatalogue.load(), 'WorkItem', record.value).value.workId);
  assert.deepEqual(unloads.sort(), [0, 1, 2, 3].map((chunk) => `m-once/${ks}.once/r1/${chunk}/unload`), 'each chunk queued once');

  const [progress] = await copyTables(once, { workers: 1, workerId: 'once', group: `${prefix}once.table-workers`, sizing, pollMs: 200 });
  assert.deepEqual([progress!.phase, progress!.chunks, progress!.rowsLoaded], ['verified', 4, 120]);
  assert.deepEqual(await rows(ctx.target, 'once'), await rows(ctx.origin, 'once'));
});

it("a round whose planner died before queuing its work is taken over once the planner's lease is over, with the same plan", { timeout }, async () => {
  const lapsed = await separateMigration('lapsed');
  await ctx.origin.execute(`CREATE TABLE ${ks}.lapsed (id int PRIMARY KEY, v text)`);
  await Promise.all(Array.from({ length: 40 }, (_, i) => ctx.origin.execute(`INSERT INTO ${ks}.lapsed (id, v) VALUES (?, ?)`, [i, `v${i}`], { prepare: true })));
  await lapsed.control.issue({ type: 'StartMigration', tables: [`${ks}.lapsed`], collections: [] }, { migrationId: 'm-lapsed', issuer: 'test' });
  await syncSchema(ctx.origin, ctx.target, [`${ks}.lapsed`]);
  // A claim of 5 chunks by a planner that then died: nothing queued, no WorkQueued.
  const plan = { type: 'TablePlanned', table: `${ks}.lapsed`, round: 0, chunks: 5, estimatedBytes: 0, maxBadRows: 0, maxBadRowsPercent: null, counter: false } as const;
  await lapsed.control.record(plan, { migrationId: 'm-lapsed', issuer: 'dead-planner', eventId: 'm-lapsed/dead-claim', at: Date.now() - PLAN_LEASE_MS - 1000 });

  const [progress] = await copyTables(lapsed, { workers: 1, workerId: 'alive', group: `${prefix}lapsed.table-workers`, sizing: { chunkBytes: 1, minChunks: 2, maxChunks: 2 }, pollMs: 200 });
  assert.deepEqual([progress!.phase, progress!.chunks, progress!.rowsLoaded], ['verified', 5, 40], "the dead planner's plan: 5 chunks, not this process's 2");
  const copy = (await lapsed.control.history()).state.tables[`${ks}.lapsed`]!.copy!;
  assert.match(copy.planner!.issuer, /^alive\/planner-/);
  assert.deepEqual(await rows(ctx.target, 'lapsed'), await rows(ctx.origin, 'lapsed'));
});

it('a re-migration with --truncate while the round before is still loading never brings that round\'s rows back', { timeout }, async () => {
  const stale = await separateMigration('stale');
  await ctx.origin.execute(`CREATE TABLE ${ks}.stale (id int PRIMARY KEY, v text)`);
  await Promise.all(Array.from({ length: 2000 }, (_, i) => ctx.origin.execute(`INSERT INTO ${ks}.stale (id, v) VALUES (?, ?)`, [i, `v${i}`], { prepare: true })));
  await stale.control.issue({ type: 'StartMigration', tables: [`${ks}.stale`], collections: [] }, { migrationId: 'm-stale', issuer: 'test' });
  // Until target is truncated, each write of the load takes 100 ms more: the first round's one
  // chunk (one slice, about 60 batches in one lane) is still being written when the second
  // round begins, and long after it would be truncated without waiting.
  let truncated = false;
  let truncatedAt = 0;
  const target = new Proxy(ctx.target, {
    get(client, property) {
      const value: unknown = Reflect.get(client, property);
      if (property === 'execute' || property === 'batch') {
        return async (query: unknown, ...rest: unknown[]) => {
          if (typeof query === 'string' && /^TRUNCATE/.test(query)) [truncated, truncatedAt] = [true, Date.now()];
          else if (!truncated && typeof query !== 'string') await delay(100);
          return (value as (...args: unknown[]) => unknown).call(client, query, ...rest);
        };
      }
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(client) : value;
    },
  });
  const copying = copyTables({ ...stale, target, load: { concurrency: 32, rate: 0 }, truncateSettleMs: 3000 }, { workers: 1, workerId: 'stale', group: `${prefix}stale.table-workers`, sizing: { chunkBytes: 1, minChunks: 1, maxChunks: 1 }, pollMs: 100 });
  // Until the planner creates the table on target, there is nothing to count.
  const onTarget = (): Promise<number> => ctx.target.execute(`SELECT count(*) AS n FROM ${ks}.stale`).then((r) => Number(r.first()['n']), () => 0);
  for (let i = 0; i < 600 && (await onTarget()) === 0; i++) await delay(50);
  assert.ok((await onTarget()) > 0, 'the first round is writing');
  // The first round is writing. Half of the rows go from origin, and the table is copied again.
  await Promise.all(Array.from({ length: 1000 }, (_, i) => ctx.origin.execute(`DELETE FROM ${ks}.stale WHERE id = ?`, [i * 2], { prepare: true })));
  await stale.control.issue({ type: 'Remigrate', table: `${ks}.stale`, truncate: true, force: false }, { migrationId: 'm-stale', issuer: 'test' });

  const [progress] = await copying;
  assert.deepEqual([progress!.phase, progress!.rowsLoaded], ['verified', 1000]);
  const copy = (await stale.control.history()).state.tables[`${ks}.stale`]!.copy!;
  assert.deepEqual([copy.round, copy.truncated], [1, true]);
  assert.ok(truncatedAt - copy.planner!.at >= 3000, `target truncated ${truncatedAt - copy.planner!.at} ms after the round's claim, once the loads before it had time to stop`);
  const left = await rows(ctx.target, 'stale');
  assert.equal(left.length, 1000, 'none of the deleted rows came back');
  assert.deepEqual(left, await rows(ctx.origin, 'stale'));
});
