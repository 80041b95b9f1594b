/**
 * The document migration of one collection of 200,000 documents (about 1 KB each: nested
 * objects, arrays, dates, ObjectIds, decimals, binaries, text), end to end: `cutover migrate
 * documents --until-synced` (MongoDB read by _id ranges, every document through Kafka, loaded
 * into the Data API's table on target) and then `cutover verify` of the collection, against, in
 * the same run, the write floor: the same rows, shredded in memory before the clock starts,
 * written by a plain driver loop with 64 in flight, as fast as any copier can load this target on
 * this machine.
 *
 * The peer the issue names, Kafka Connect's MongoDB source with a Cassandra sink, cannot be had:
 * the MongoDB source connector is on Maven Central (org.mongodb.kafka:mongo-kafka-connect), but
 * no Cassandra sink connector is (DataStax's kafka-connect-cassandra-sink, Lenses' Stream
 * Reactor and Confluent's kafka-connect-cassandra: none there).
 *
 * Goal: end to end at least 70% of the write floor's documents/s.
 *
 *   BENCH_DOCUMENTS (200000)
 *
 * Results: bench/results/document-migration.json, with the CPU of every process per 1,000 documents.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { collectionDdl, fromBson, shred, type CollectionRow } from '@cutover/collection-table';
import { loadConfig } from '@cutover/config';
import { documentUpsert } from '@cutover/document-migrator';
import { LocalStack, cassandraClient, mongoClient } from '@cutover/stack';
import { forEachConcurrently } from '@cutover/table-migrator';
import { Binary, Decimal128, Double, Int32, Long, ObjectId, type Document } from 'mongodb';
import { cpuBetween, round2, run, stackCpu } from '../processes.ts';

const GOAL = 0.7;
const documents = Number(process.env['BENCH_DOCUMENTS'] ?? 200_000);
const DATABASE = 'bench_documents';
const COLLECTION = `${DATABASE}.items`;
const FLOOR_KEYSPACE = 'bench_documents_floor';
const SLOW = { readTimeout: 120_000 };
const IN_FLIGHT = 64;

const config = loadConfig();
const BIN = fileURLToPath(new URL('../../bin/cutover.js', import.meta.url));
const servers = ['target', 'kafka', 'mongo', 's3'] as const;
for (const s of await new LocalStack(config).status([...servers])) {
  if (s.state !== 'running') throw new Error(`the stack's ${s.name} is not running: npx cutover stack up`);
}
const mongo = mongoClient(config);
const target = cassandraClient(config.target);
const env = { KAFKA_TOPIC_PREFIX: `bench-documents-${randomBytes(3).toString('hex')}.`, LOG_LEVEL: 'warn' };

/** About 1 KB of BSON: the shapes an application's documents have. */
function documentOf(i: number): Document {
  return {
    _id: new ObjectId(),
    customer: { name: randomBytes(12).toString('base64url'), email: `${randomBytes(6).toString('hex')}@example.com`, since: new Date(1_600_000_000_000 + i * 1000), tier: i % 3 === 0 ? 'gold' : 'silver', vip: i % 10 === 0 },
    lines: Array.from({ length: 4 }, (_, k) => ({ sku: `SKU-${(i * 7 + k) % 10_000}`, quantity: new Int32(1 + (k % 5)), price: new Decimal128(`${(i % 997) + k}.${String(i % 100).padStart(2, '0')}`), tags: ['new', k % 2 === 0 ? 'promo' : 'regular'] })),
    total: new Double(i * 1.25),
    count: Long.fromNumber(i),
    notes: randomBytes(300).toString('base64'),
    created: new Date(1_700_000_000_000 + i),
    signature: new Binary(randomBytes(32)),
    history: [{ at: new Date(1_700_000_000_000 + i), status: 'created' }, { at: new Date(1_700_000_100_000 + i), status: 'paid' }],
    parent: i % 2 === 0 ? new ObjectId() : null,
  };
}

// ---- Seed MongoDB (not measured).
await mongo.db(DATABASE).dropDatabase();
for (let from = 0; from < documents; from += 1000) await mongo.db(DATABASE).collection('items').insertMany(Array.from({ length: Math.min(1000, documents - from) }, (_, k) => documentOf(from + k)));
const bsonBytes = (await mongo.db(DATABASE).command({ collStats: 'items' }).catch(() => ({ size: 0 }))) as { size?: number };
console.log(`seeded ${documents} documents`);
for (const ks of [DATABASE, FLOOR_KEYSPACE]) await target.execute(`DROP KEYSPACE IF EXISTS ${ks}`, [], SLOW);

// ---- (a) The write floor: rows shredded before the clock starts, 64 writes in flight.
const rows: CollectionRow[] = [];
for await (const document of mongo.db(DATABASE).collection('items').find({}, { promoteValues: false })) {
  const converted = fromBson(document);
  const row = 'bad' in converted ? converted : shred(converted.document);
  if ('bad' in row) throw new Error(`a benchmark document has no Data API form: ${row.bad}`);
  rows.push(row);
}
await target.execute(`CREATE KEYSPACE ${FLOOR_KEYSPACE} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`, [], SLOW);
for (const statement of collectionDdl(FLOOR_KEYSPACE, 'items')) await target.execute(statement, [], SLOW);
const floorBefore = await stackCpu(config, servers);
const floorCpu = process.cpuUsage();
const floorStarted = performance.now();
const at = BigInt(Date.now()) * 1000n;
await forEachConcurrently(rows, IN_FLIGHT, async (row) => {
  const statement = documentUpsert(FLOOR_KEYSPACE, 'items', row, at);
  await target.execute(statement.query, statement.params as unknown[], { prepare: true });
});
const floorSeconds = (performance.now() - floorStarted) / 1000;
const floorToolCpu = process.cpuUsage(floorCpu);
const floor = {
  seconds: round2(floorSeconds),
  documentsPerS: Math.round(documents / floorSeconds),
  cpuS: { tool: round2((floorToolCpu.user + floorToolCpu.system) / 1e6), ...cpuBetween(floorBefore, await stackCpu(config, servers)) },
};
console.log(`write floor: ${floor.seconds} s, ${floor.documentsPerS} documents/s`);
rows.length = 0;
// Its table goes: flushing and compacting it would otherwise go on during the next measurement, on the same two cores.
await target.execute(`DROP KEYSPACE ${FLOOR_KEYSPACE}`, [], SLOW);

// ---- Cutover, end to end.
await run('cutover control start', process.execPath, [BIN, 'control', 'start', '--collection', COLLECTION, '--reason', 'document benchmark'], env);
async function measured(what: string, args: readonly string[]): Promise<{ seconds: number; cpuS: Record<string, number | null>; stdout: string }> {
  const before = await stackCpu(config, servers);
  const ran = await run(what, process.execPath, [BIN, ...args], env);
  const cpuS = { tool: round2(ran.cpuSeconds), ...cpuBetween(before, await stackCpu(config, servers)) };
  console.log(`${what}: ${round2(ran.seconds)} s, CPU s ${JSON.stringify(cpuS)}`);
  return { seconds: round2(ran.seconds), cpuS, stdout: ran.stdout };
}
const migrate = await measured('cutover migrate documents --until-synced', ['migrate', 'documents', '--until-synced']);
const verify = await measured('cutover verify', ['verify', '--json', COLLECTION]);
const report = JSON.parse(verify.stdout.trim().split('\n').at(-1)!) as { documents: number; targetDocuments: number; matches: boolean };
if (!report.matches || report.documents !== documents || report.targetDocuments !== documents) throw new Error(`the verification saw ${JSON.stringify(report)}, not ${documents} documents alike`);

const perThousand = (cpuS: Record<string, number | null>): Record<string, number | null> => Object.fromEntries(Object.entries(cpuS).map(([name, s]) => [name, s === null ? null : round2((s * 1000) / documents)]));
const endToEndSeconds = migrate.seconds + verify.seconds;
const summary = {
  benchmark: 'document-migration',
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model.trim(), cores: cpus().length, totalMemoryBytes: totalmem(), platform: `${platform()} ${release()}`, node: process.version },
  parameters: {
    documents,
    bsonBytes: bsonBytes.size ?? null,
    shape: 'customer object (text, date, bool), 4 order lines (Int32, Decimal128, text array), Double, Int64, 300 characters of text, date, 32-byte binary, array of objects, ObjectId or null; ObjectId _id',
    floor: `plain driver loop, ${IN_FLIGHT} writes in flight, the same INSERT ... USING TIMESTAMP of the Data API's table (its 8 SAI indexes), rows shredded before the clock starts`,
    cutover: 'cutover migrate documents --until-synced (16 ranges, 4 read at once; 4 partitions loaded at once, 64 writes in flight each), then cutover verify of the collection',
    peer: 'not measured: no Cassandra sink connector for Kafka Connect is on Maven Central (the MongoDB source connector is)',
    mongo: 'mongo-java-server (in memory), the stack\'s stand-in for MongoDB',
    timing: 'wall clock per process, Node start included; CPU seconds per 1,000 documents of the process and of each server between its start and its end',
  },
  floor: { ...floor, cpuSPer1000: perThousand(floor.cpuS) },
  migrate: { seconds: migrate.seconds, documentsPerS: Math.round(documents / migrate.seconds), cpuSPer1000: perThousand(migrate.cpuS) },
  verify: { seconds: verify.seconds, documentsPerS: Math.round(documents / verify.seconds), cpuSPer1000: perThousand(verify.cpuS) },
  endToEnd: { seconds: round2(endToEndSeconds), documentsPerS: Math.round(documents / endToEndSeconds) },
  goals: {
    floorRatio: GOAL,
    measured: { endToEndRatio: round2(documents / endToEndSeconds / floor.documentsPerS), migrateRatio: round2(documents / migrate.seconds / floor.documentsPerS) },
    pass: documents / endToEndSeconds >= GOAL * floor.documentsPerS,
  },
};
writeFileSync(fileURLToPath(new URL('../results/document-migration.json', import.meta.url)), `${JSON.stringify(summary, null, 2)}\n`);
console.log(JSON.stringify(summary.goals));
await mongo.db(DATABASE).dropDatabase();
await target.execute(`DROP KEYSPACE IF EXISTS ${DATABASE}`, [], SLOW);
await Promise.all([mongo.close(), target.shutdown()]);
