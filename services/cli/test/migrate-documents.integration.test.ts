import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { ControlPlane, controlTopics } from '@cutover/control-plane';
import { KafkaEventLog } from '@cutover/event-log';
import { collectionProgress, type CollectionState } from '@cutover/migration-state';
import { cassandraClient, mongoClient } from '@cutover/stack';
import { Binary, Decimal128, Double, Int32, Long, ObjectId, Timestamp, UUID, type Document } from 'mongodb';
import { assertTargetHolds } from './documents-on-target.ts';
import { runCli, spawnCli } from './run-cli.ts';

/**
 * `cutover migrate documents` against the real stack: a collection of every _id type and every
 * mapped BSON type copied while an application inserts, updates, replaces and deletes, the
 * migrator killed with SIGKILL part-way and started again: target then holds exactly MongoDB's
 * documents, each as the Data API would store it, and the bad document is named in S3.
 */
const db = `docs_${randomBytes(3).toString('hex')}`;
const name = `${db}.items`;
const empty = `${db}.nothing`;
const env = { KAFKA_TOPIC_PREFIX: `${db}.`, DOCUMENT_MAX_BAD: '1', DOCUMENT_RANGES: '12', LOG_LEVEL: 'warn' };
const config = loadConfig({ env });
const mongo = mongoClient(config);
const target = cassandraClient(config.target);
const log = new KafkaEventLog(config.kafka);
const plane = new ControlPlane(log, controlTopics(`${db}.`));
const timeout = 300_000;
const DOCUMENTS = 3000;
/** Rounds of changes the application makes (mongo-java-server reads its whole oplog for each batch of a change stream: a few hundred changes keep the test quick). */
const CHANGES = 100;

function documentOf(i: number): Document {
  const ids = [new ObjectId(), `s-${i}`, i, new UUID(), new Date(1_600_000_000_000 + i), new Int32(-i), Long.fromNumber(10_000_000 + i)];
  return {
    _id: ids[i % ids.length],
    i,
    text: `item ${i} ${'x'.repeat(i % 50)}`,
    price: new Decimal128(`${i}.0100000000000000000000000001`),
    ratio: new Double(i / 7),
    count: new Int32(i),
    big: Long.fromString('9223372036854775807'),
    at: new Date(1_700_000_000_000 + i),
    tags: ['a', i % 2 === 0 ? 'even' : 'odd', null],
    nested: { deep: { deeper: [1, { b: i % 3 === 0 }] } },
    bytes: new Binary(Buffer.from([i % 256, 0, 255])),
    ...(i % 10 === 0 ? { absent: null } : {}),
  };
}

before(async () => {
  const items = mongo.db(db).collection(name.split('.')[1]!);
  for (let i = 0; i < DOCUMENTS; i += 500) await items.insertMany(Array.from({ length: 500 }, (_, k) => documentOf(i + k)));
  // No Data API form: a bad document, within the budget of 1.
  await mongo.db(db).collection<{ _id: string; ts: Timestamp }>(name.split('.')[1]!).insertOne({ _id: 'has-a-timestamp', ts: new Timestamp({ t: 1, i: 1 }) });
  await mongo.db(db).createCollection(empty.split('.')[1]!);
  assert.equal((await runCli(['control', 'start', '--collection', name, '--collection', empty, '--into', `${db}.empty_target`], env)).code, 0);
});

after(async () => {
  await mongo.db(db).dropDatabase();
  await target.execute(`DROP KEYSPACE IF EXISTS ${db}`);
  await Promise.all([mongo.close(), target.shutdown(), log.close()]);
});

async function collection(which: string): Promise<CollectionState> {
  return (await plane.history()).state.collections[which]!;
}

/** The application: inserts, updates, replaces and deletes, `rounds` rounds of each, from document `from` on. */
async function application(from: number, rounds: number): Promise<void> {
  const items = mongo.db(db).collection(name.split('.')[1]!);
  for (let i = from; i < from + rounds; i++) {
    await items.insertOne(documentOf(DOCUMENTS + i));
    await items.updateOne({ i }, { $set: { text: `updated by the application ${i}` }, $inc: { count: 1 } });
    await items.replaceOne({ i: i + 1 }, { i: i + 1, replaced: true, at: new Date() });
    if (i % 3 === 0) await items.deleteOne({ i: i + 2 });
  }
}

/** Waits until the logs say `condition` of the collection. */
async function until(condition: (c: CollectionState) => boolean, what: string, stderr: () => string): Promise<void> {
  for (let i = 0; !condition(await collection(name)); i++) {
    assert.ok(i < 1200, `never: ${what}\n${stderr()}`);
    await delay(100);
  }
}

async function kill(child: ReturnType<typeof spawnCli>['child']): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

it('copies a collection while it is written, killed during its snapshot and during its changes: exactly MongoDB\'s documents on target', { timeout }, async () => {
  // Changes while the snapshot is read; the migrator killed once some ranges are read, before all are.
  const duringSnapshot = application(0, CHANGES);
  const first = spawnCli(['migrate', 'documents'], env);
  await until((c) => Object.keys(c.copy?.read ?? {}).length >= 2, 'two ranges read', first.stderr);
  await kill(first.child);
  await duringSnapshot;
  // Changes once every range is read: they reach target through the change stream only. Killed once it recorded where it got to.
  const second = spawnCli(['migrate', 'documents'], env);
  await until((c) => c.copy !== undefined && Object.keys(c.copy.read).length === c.copy.ranges.length, 'every range read', second.stderr);
  const afterSnapshot = application(CHANGES, CHANGES);
  await until((c) => (c.copy?.changes?.count ?? 0) > 0, 'changes read', second.stderr);
  await kill(second.child);
  await afterSnapshot;

  const synced = await runCli(['migrate', 'documents', '--until-synced'], env);
  assert.equal(synced.code, 0, synced.stderr);
  assert.match(synced.stdout, new RegExp(`${name} → ${db}\\.items: .*following.*1 bad documents listed in s3://`));

  // Every MongoDB document (but the bad one) on target, as the Data API stores it; nothing else.
  assert.deepEqual(await assertTargetHolds(mongo.db(db).collection(name.split('.')[1]!), target, `${db}.items`), ['has-a-timestamp']);

  const state = await collection(name);
  const progress = collectionProgress(state);
  assert.equal(progress.phase, 'following');
  assert.equal(progress.badDocuments, 1);
  assert.equal(progress.rangesRead, progress.ranges);
  assert.ok(progress.ranges >= 7, `a range per _id type at least: ${progress.ranges}`);
  // Phase two's changes at least (the first reader's were lost with it before it recorded them, and read again).
  assert.ok(progress.changesRead >= CHANGES, `changes read: ${progress.changesRead}`);
  assert.ok(progress.deletesLoaded > 0);
});

it('copies an empty collection where --into said: its table is there, with no documents', { timeout }, async () => {
  const progress = collectionProgress(await collection(empty));
  assert.deepEqual([progress.phase, progress.documentsRead, progress.target], ['following', 0, `${db}.empty_target`]);
  const rows = await target.execute(`SELECT count(*) FROM ${db}.empty_target`);
  assert.equal(Number(rows.first()['count']), 0);
});

it('verifies the collections, names what differs on target, and the commit gate waits for them', { timeout }, async () => {
  const clean = await runCli(['verify', name, empty], env);
  assert.equal(clean.code, 0, clean.stderr);
  assert.match(clean.stdout, new RegExp(`${name} → ${db}\\.items: \\d+ documents compared \\(\\d+ on target, 1 bad documents left out\\): agrees`));
  let gate = (await runCli(['state', '--json'], env)).stdout;
  assert.ok(!gate.includes(`collection ${name}`), gate);

  // One document gone from target, one changed there, one there that MongoDB does not have.
  const [gone, changed] = (await target.execute(`SELECT key FROM ${db}.items LIMIT 2`)).rows.map((r) => r['key'] as unknown);
  await target.execute(`DELETE FROM ${db}.items WHERE key = ?`, [gone], { prepare: true });
  await target.execute(`UPDATE ${db}.items SET doc_json = '{"_id":"changed"}' WHERE key = ?`, [changed], { prepare: true });
  await target.execute(`INSERT INTO ${db}.items (key, doc_json) VALUES ((1, 'only-on-target'), '{"_id":"only-on-target"}')`);
  const differs = await runCli(['verify', '--json', name], env);
  assert.equal(differs.code, 1);
  const report = JSON.parse(differs.stdout) as { differences: { id: string; kind: string }[] };
  assert.deepEqual(report.differences.map((d) => d.kind).sort(), ['extra-on-target', 'missing-on-target', 'values']);
  assert.ok(report.differences.some((d) => d.kind === 'extra-on-target' && d.id === '"only-on-target"'));
  gate = (await runCli(['state', '--json'], env)).stdout;
  assert.ok(gate.includes(`collection ${name} had 3 differing documents at its last verification`), gate);
});

it('re-migrates a collection: truncated, read again whole in a new round, and exactly MongoDB\'s documents again', { timeout }, async () => {
  assert.equal((await runCli(['control', 'remigrate', '--collection', name, '--truncate'], env)).code, 0);
  assert.equal((await collection(name)).round, 1);
  const synced = await runCli(['migrate', 'documents', '--until-synced'], env);
  assert.equal(synced.code, 0, synced.stderr);
  const verified = await runCli(['verify', name], env);
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  const state = await collection(name);
  assert.deepEqual([state.round, state.copy?.round, state.verified?.differences], [1, 1, 0]);
  const extra = await target.execute(`SELECT key FROM ${db}.items WHERE key = (1, 'only-on-target')`);
  assert.equal(extra.rowLength, 0, 'the truncate emptied the table first');
});

it('reads a collection again whole when its change stream can no longer resume (its history rolled off the oplog), and says so in the audit', { timeout }, async () => {
  const before = await collection(name);
  assert.ok(before.copy?.changes !== undefined || before.copy !== undefined);
  // Changes while no migrator runs, then the oplog rolls over past where the reader stopped.
  await application(2 * CHANGES, 20);
  await mongo.db('admin').command({ trimOplog: 1 });
  const synced = await runCli(['migrate', 'documents', '--until-synced'], env);
  assert.equal(synced.code, 0, synced.stderr);
  const state = await collection(name);
  assert.equal(state.round, before.round + 1);
  assert.match(state.lost.at(-1) ?? '', /ChangeStreamHistoryLost/);
  // What was deleted in MongoDB while its history was lost is gone from target too.
  assert.ok((state.copy?.swept ?? 0) > 0, `swept: ${state.copy?.swept}`);
  const audit = await runCli(['audit'], env);
  assert.match(audit.stdout, new RegExp(`the change stream of ${name} cannot resume \\(ChangeStreamHistoryLost`));
  const verified = await runCli(['verify', name], env);
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);
});

it('pauses a collection: its changes are not read while others\' are, and on resume they reach target', { timeout }, async () => {
  assert.equal((await runCli(['control', 'pause', '--collection', name], env)).code, 0);
  const before = await collection(name);
  assert.equal(before.paused, true);
  const items = mongo.db(db).collection<{ _id: unknown; [field: string]: unknown }>(name.split('.')[1]!);
  await items.insertOne({ _id: 'while-paused', n: 1 });
  const running = spawnCli(['migrate', 'documents'], { ...env, MIGRATOR_METRICS_PORT: '19973' });
  try {
    // The witness that the migrator runs, reads and loads: a change of the collection not paused, loaded.
    await mongo.db(db).collection<{ _id: string }>(empty.split('.')[1]!).insertOne({ _id: 'witness' });
    for (let i = 0; ((await collection(empty)).copy?.loaded.documents ?? 0) < 1; i++) {
      assert.ok(i < 1200, `the witness never loaded\n${running.stderr()}`);
      await delay(100);
    }
    assert.equal((await collection(name)).copy?.changes?.count, before.copy?.changes?.count, 'no change of the paused collection read');
    assert.equal((await target.execute(`SELECT key FROM ${db}.items WHERE key = (1, 'while-paused')`)).rowLength, 0);
    // What the process did, and where each collection stands, on its metrics port.
    const metrics = await (await fetch('http://127.0.0.1:19973/metrics')).text();
    for (const line of [`cutover_documents_read_total{collection="${empty}",source="changes"} 1`, `cutover_documents_written_total{collection="${empty}",kind="document"} 1`, `cutover_collection_phase{collection="${name}",phase="following"} 1`]) {
      assert.ok(metrics.includes(line), `${line} in\n${metrics}`);
    }
    assert.match(metrics, new RegExp(`cutover_collection_documents\\{collection="${name.replaceAll('.', '\\.')}",kind="estimated"\\} [1-9]`));

    assert.equal((await runCli(['control', 'resume', '--collection', name], env)).code, 0);
    await until((c) => (c.copy?.changes?.count ?? 0) > (before.copy?.changes?.count ?? 0), 'changes read after the resume', running.stderr);
  } finally {
    await kill(running.child);
  }
  const synced = await runCli(['migrate', 'documents', '--until-synced'], env);
  assert.equal(synced.code, 0, synced.stderr);
  assert.deepEqual(await assertTargetHolds(items, target, `${db}.items`), ['has-a-timestamp']);
  await assertTargetHolds(mongo.db(db).collection(empty.split('.')[1]!), target, `${db}.empty_target`);
});
