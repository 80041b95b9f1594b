import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { ControlPlane, controlTopics } from '@cutover/control-plane';
import { KafkaEventLog, partitionOf } from '@cutover/event-log';
import type { EventEnvelope } from '@cutover/migration-state';
import { cassandraClient, mongoClient } from '@cutover/stack';
import { assertTargetHolds } from './documents-on-target.ts';
import { runCli, spawnCli } from './run-cli.ts';

/**
 * Two `cutover migrate documents` processes on one migration share its work: each collection is
 * read by one of them (the readers topic's consumer group shares the collections out), both
 * load, and when one is killed with SIGKILL the other takes its collection over; target then
 * holds exactly MongoDB's documents.
 */
const db = `shared_${randomBytes(3).toString('hex')}`;
const prefix = `${db}.`;
const env = { KAFKA_TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn' };
const config = loadConfig({ env });
const mongo = mongoClient(config);
const target = cassandraClient(config.target);
const log = new KafkaEventLog(config.kafka);
const plane = new ControlPlane(log, controlTopics(prefix));
const timeout = 300_000;
const DOCUMENTS = 100;
const READER_FACTS = new Set(['CollectionPlanned', 'RangeRead', 'ChangesRead']);

/**
 * A collection for each partition of the readers topic (12): however the group shares the
 * partitions out, each of the two processes holds some, so each reads some collections.
 */
const collections = Array.from({ length: 12 }, (_, partition) => {
  for (let i = 0; ; i++) if (partitionOf(Buffer.from(`${db}.c${i}`), 12) === partition) return `${db}.c${i}`;
});
const mongoCollection = (name: string) => mongo.db(db).collection<{ _id: number | string; [field: string]: unknown }>(name.split('.')[1]!);

before(async () => {
  for (const name of collections) await mongoCollection(name).insertMany(Array.from({ length: DOCUMENTS }, (_, i) => ({ _id: i, text: `document ${i} of ${name}` })));
  assert.equal((await runCli(['control', 'start', ...collections.flatMap((c) => ['--collection', c])], env)).code, 0);
});

after(async () => {
  await mongo.db(db).dropDatabase();
  await target.execute(`DROP KEYSPACE IF EXISTS ${db}`);
  await Promise.all([mongo.close(), target.shutdown(), log.close()]);
});

/** The facts of reading each collection, in log order; `last` says which process (its reader's issuer) recorded the latest. */
async function readers(): Promise<{ trail: readonly EventEnvelope[]; facts: Map<string, EventEnvelope[]>; last: (collection: string) => string | undefined }> {
  const { trail } = await plane.history();
  const facts = new Map<string, EventEnvelope[]>(collections.map((c) => [c, []]));
  for (const envelope of trail) if (READER_FACTS.has(envelope.event.type)) facts.get((envelope.event as { collection: string }).collection)?.push(envelope);
  return { trail, facts, last: (collection) => facts.get(collection)!.at(-1)?.issuer };
}

async function kill(child: ReturnType<typeof spawnCli>['child']): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

it('shares the collections and the loading between two processes, and one takes over the collection of the other when it is killed', { timeout }, async () => {
  const processes = ['one', 'two'].map((id) => ({ id, ...spawnCli(['migrate', 'documents'], { ...env, PROXY_ID: id }) }));
  // The application changes every collection all along, so their readers record where they are.
  let writing = true;
  const application = (async () => {
    for (let i = 0; writing; i++) {
      for (const name of collections) await mongoCollection(name).updateOne({ _id: i % DOCUMENTS }, { $set: { changed: i } });
      await delay(20);
    }
  })();
  const stderr = (): string => processes.map((p) => `${p.id}: ${p.stderr()}`).join('\n');
  try {
    // Each collection read by a process of its own, once the group has settled: the last three
    // positions recorded for each (a checkpoint a second) all by one process.
    let read = await readers();
    // (Of the collections with three positions so far: snapshots are read one at a time.)
    const steady = (): string[] => collections.filter((c) => read.facts.get(c)!.length >= 3);
    const settled = (): boolean => steady().every((c) => new Set(read.facts.get(c)!.slice(-3).map((e) => e.issuer)).size === 1) && new Set(steady().map(read.last)).size === 2;
    const deadline = (): number => performance.now() + 120_000;
    for (const by = deadline(); !settled(); ) {
      assert.ok(performance.now() < by, `the two processes never read a collection each: ${JSON.stringify(collections.map((c) => read.facts.get(c)!.slice(-3).map((e) => e.issuer)))}\n${stderr()}`);
      await delay(200);
      read = await readers();
    }
    assert.deepEqual(new Set(steady().map(read.last)), new Set(['one-documents-reader', 'two-documents-reader']));

    // The process reading one of them killed: the other reads it on, from where the facts say.
    const taken = steady()[0]!;
    const victim = processes.find((p) => read.last(taken) === `${p.id}-documents-reader`)!;
    const survivor = processes.find((p) => p !== victim)!;
    await kill(victim.child);
    const killedAt = read.trail.length;
    for (const by = deadline(); read.last(taken) !== `${survivor.id}-documents-reader` || read.trail.length === killedAt; ) {
      assert.ok(performance.now() < by, `${survivor.id} never took ${taken} over\n${stderr()}`);
      await delay(200);
      read = await readers();
    }
    // Both loaded: the loaders' group shares the documents topic's partitions.
    const loaders = new Set(read.trail.filter((e) => e.event.type === 'DocumentsLoaded').map((e) => e.issuer));
    assert.deepEqual(loaders, new Set(['one-documents-loader', 'two-documents-loader']));
  } finally {
    writing = false;
    await application;
    await Promise.all(processes.map((p) => kill(p.child)));
  }
  const synced = await runCli(['migrate', 'documents', '--until-synced'], env);
  assert.equal(synced.code, 0, synced.stderr);
  for (const name of collections) assert.deepEqual(await assertTargetHolds(mongoCollection(name), target, name), [], name);
});
