import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { loadConfig } from '@cutover/config';
import { ControlPlane, controlTopicSpecs, controlTopics } from '@cutover/control-plane';
import { KafkaEventLog, createTopics, topicCatalogue } from '@cutover/event-log';
import { cassandraClient, kafkaClient, s3Client } from '@cutover/stack';
import type cassandra from 'cassandra-driver';
import { pino } from 'pino';
import { copyTables, planCopy, type CopyContext } from '../src/index.ts';

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
  workTopic: `${prefix}cutover.work`,
  deadLetterTopic: `${prefix}cutover.dead-letters`,
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
  assert.equal(await planCopy(ctx, (await control.history()).state, sizing), `${ks}.users`);
  assert.equal(await planCopy(ctx, (await control.history()).state, sizing), undefined, 'visits waits until the chunks of users are unloaded');

  const progress = await copyTables(ctx, { workers: 2, workerId: 'worker', group: `${prefix}table-workers`, sizing, pollMs: 200 });
  assert.deepEqual(progress.map((p) => [p.table, p.phase, p.chunksLoaded, p.rowsLoaded, p.chunksChecked]), [[`${ks}.users`, 'verified', 6, 300, 6], [`${ks}.visits`, 'verified', 6, 200, 6]]);
  for (const table of ['users', 'visits']) assert.deepEqual(await rows(ctx.target, table), await rows(ctx.origin, table), `${table} on target`);
});

it('a chunk that fails for a reason that does not pass (its table dropped from origin mid-copy) fails its table with the chunk and the reason, and the copy ends', { timeout }, async () => {
  const failing = `${prefix}failing.`;
  const admin = kafkaClient(config).admin();
  await admin.connect();
  await createTopics(admin, [...controlTopicSpecs(failing), ...topicCatalogue(failing).filter((t) => t.name === `${failing}cutover.work`)]);
  await admin.disconnect();
  const failingCtx: CopyContext = { ...ctx, control: new ControlPlane(log, controlTopics(failing)), workTopic: `${failing}cutover.work` };
  await ctx.origin.execute(`CREATE TABLE ${ks}.dropped (id int PRIMARY KEY, v text)`);
  await Promise.all(Array.from({ length: 50 }, (_, i) => ctx.origin.execute(`INSERT INTO ${ks}.dropped (id, v) VALUES (?, ?)`, [i, `v${i}`], { prepare: true })));
  await failingCtx.control.issue({ type: 'StartMigration', tables: [`${ks}.dropped`], collections: [] }, { migrationId: 'm-failing', issuer: 'test' });
  const sizing = { chunkBytes: 1, minChunks: 3, maxChunks: 3 };
  assert.equal(await planCopy(failingCtx, (await failingCtx.control.history()).state, sizing), `${ks}.dropped`);
  await ctx.origin.execute(`DROP TABLE ${ks}.dropped`);

  const [progress] = await copyTables(failingCtx, { workers: 1, workerId: 'failing', group: `${failing}table-workers`, sizing, pollMs: 200 });
  assert.equal(progress!.phase, 'failed');
  assert.match(progress!.failure ?? '', new RegExp(`^chunk \\d failed to unload: origin has no table ${ks}\\.dropped$`));
});
