import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import { fromBson, shred } from '@cutover/collection-table';
import { loadConfig } from '@cutover/config';
import { ControlPlane, controlTopics } from '@cutover/control-plane';
import { KafkaEventLog } from '@cutover/event-log';
import { collectionProgress, type CollectionState } from '@cutover/migration-state';
import { cassandraClient, mongoClient } from '@cutover/stack';
import { Binary, Decimal128, Double, Int32, Long, ObjectId, Timestamp, UUID, type Document } from 'mongodb';
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
/** mongo-java-server reads its whole oplog for each batch of a change stream: a few hundred changes keep the test quick. */
const CHANGES = 150;

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
  assert.equal((await runCli(['control', 'start', '--collection', name, '--collection', empty], env)).code, 0);
});

after(async () => {
  await mongo.db(db).dropDatabase();
  await target.execute(`DROP KEYSPACE IF EXISTS ${db}`);
  await Promise.all([mongo.close(), target.shutdown(), log.close()]);
});

async function collection(which: string): Promise<CollectionState> {
  return (await plane.history()).state.collections[which]!;
}

/** The application: inserts, updates, replaces and deletes, CHANGES rounds of each. */
async function application(): Promise<void> {
  const items = mongo.db(db).collection(name.split('.')[1]!);
  for (let i = DOCUMENTS; i < DOCUMENTS + CHANGES; i++) {
    await items.insertOne(documentOf(i));
    await items.updateOne({ i: i - DOCUMENTS }, { $set: { text: `updated by the application ${i}` }, $inc: { count: 1 } });
    await items.replaceOne({ i: i - DOCUMENTS + 1 }, { i: i - DOCUMENTS + 1, replaced: true, at: new Date() });
    if (i % 3 === 0) await items.deleteOne({ i: i - DOCUMENTS + 2 });
  }
}

it('copies a collection while it is written, killed part-way and started again: exactly MongoDB\'s documents on target', { timeout }, async () => {
  const writing = application();
  const first = spawnCli(['migrate', 'documents'], env);
  // Killed once some ranges are read, and before all are.
  for (let i = 0; ; i++) {
    const read = Object.keys((await collection(name)).copy?.read ?? {}).length;
    if (read >= 2) break;
    assert.ok(i < 600, `no range was read: ${first.stderr()}`);
    await delay(100);
  }
  first.child.kill('SIGKILL');
  await new Promise((resolve) => first.child.once('exit', resolve));
  await writing;
  const synced = await runCli(['migrate', 'documents', '--until-synced'], env);
  assert.equal(synced.code, 0, synced.stderr);
  assert.match(synced.stdout, new RegExp(`${name} → ${db}\\.items: .*following.*1 bad documents listed in s3://`));

  // Every MongoDB document (but the bad one) on target, as the Data API stores it; nothing else.
  const expected = new Map<string, string>();
  for await (const document of mongo.db(db).collection(name.split('.')[1]!).find({}, { promoteValues: false, bsonRegExp: true })) {
    const converted = fromBson(document);
    const row = 'bad' in converted ? converted : shred(converted.document);
    if ('bad' in row) {
      assert.equal(document['_id'], 'has-a-timestamp');
      continue;
    }
    expected.set(row.key.join(':'), row.docJson);
  }
  const actual = new Map<string, string>();
  for await (const row of target.stream(`SELECT key, doc_json FROM ${db}.items`, [], { prepare: true, fetchSize: 1000 }) as unknown as AsyncIterable<{ key: { get(i: number): unknown }; doc_json: string }>) {
    actual.set(`${String(row.key.get(0))}:${String(row.key.get(1))}`, row.doc_json);
  }
  assert.equal(actual.size, expected.size);
  for (const [key, json] of expected) assert.equal(actual.get(key), json, `document ${key}`);

  const state = await collection(name);
  const progress = collectionProgress(state);
  assert.equal(progress.phase, 'following');
  assert.equal(progress.badDocuments, 1);
  assert.equal(progress.rangesRead, progress.ranges);
  assert.ok(progress.ranges >= 7, `a range per _id type at least: ${progress.ranges}`);
});

it('copies an empty collection: its table is there, with no documents', { timeout }, async () => {
  const progress = collectionProgress(await collection(empty));
  assert.equal(progress.phase, 'following');
  assert.equal(progress.documentsRead, 0);
  const rows = await target.execute(`SELECT count(*) FROM ${db}.nothing`);
  assert.equal(Number(rows.first()['count']), 0);
});
