import type { ClusterName, Config } from '@cutover/config';
import { InMemoryMutationSink, ProxyServer } from '@cutover/proxy';
import { LocalStack, cassandraClient, cassandraSmoke, kafkaSmoke, mongoSmoke, s3Smoke } from '@cutover/stack';
import cassandra from 'cassandra-driver';
import { commandLogger } from '../command-logger.js';
import type { Output } from '../output.js';
import { startDemoConsole } from './demo-console.js';
import { DOCUMENT_COLLECTION, documentMigration } from './demo-documents.js';
import { liveMigration } from './demo-migration.js';
import { UsageError } from '../usage.js';

/**
 * The demo: bring the local stack up and show each real server working through the client
 * library Cutover uses for it. Fails (exit 1) if anything read back differs from what was written.
 */
export async function demoCommand(args: string[], config: Config, io: Output): Promise<number> {
  if (args.length > 0) throw new UsageError(`cutover demo takes no arguments, got "${args.join(' ')}"`);
  const stack = new LocalStack(config, (line) => io.out(`  ${line}`));
  io.out('1. Bringing the local stack up (first run downloads the servers from Maven Central)');
  await stack.up();

  let failures = 0;
  const check = (ok: boolean, what: string): void => {
    io.out(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
    if (!ok) failures++;
  };

  io.out('2. Kafka (kafkajs)');
  const kafka = await kafkaSmoke(config);
  check(JSON.stringify(kafka.consumed) === JSON.stringify(kafka.produced), `topic ${kafka.topic}: produced ${kafka.produced.length} records, consumed ${kafka.consumed.length} back in order`);

  io.out('3. Cassandra origin and target (cassandra-driver)');
  const cql = await cassandraSmoke(config);
  check(cql.origin.read === cql.origin.written, `origin ${config.origin.host}:${config.origin.port}: wrote and read a row of ${cql.table}`);
  check(cql.target.read === cql.target.written, `target ${config.target.host}:${config.target.port}: wrote and read a row of ${cql.table}`);
  check(cql.originKeyOnTarget === null, "origin's row is absent on target: two separate clusters");

  io.out('4. MongoDB wire (mongodb driver)');
  const mongo = await mongoSmoke(config);
  check(JSON.stringify(mongo.found) === JSON.stringify(mongo.inserted), `collection ${mongo.collection}: inserted and found a document`);
  check(mongo.change.operationType === 'insert', `the change stream saw the ${mongo.change.operationType}`);

  io.out('5. S3 (@aws-sdk/client-s3)');
  const s3 = await s3Smoke(config);
  check(s3.got === s3.put.body, `bucket ${s3.bucket}: put and got ${s3.put.key}`);
  check(s3.listed.includes(s3.put.key) && s3.listed.includes(s3.multipart.key), `listed ${s3.listed.length} objects`);
  check(s3.multipart.roundTrip, `multipart upload of ${s3.multipart.partSizes.length} parts assembled ${s3.multipart.size} bytes`);

  io.out(`6. The CQL proxy on ${config.proxy.listenHost}:${config.proxy.queryPort} (cassandra-driver through the proxy)`);
  const sink = new InMemoryMutationSink(1000);
  const proxy = await ProxyServer.start(config, { sink, logger: commandLogger(config, 'demo').logger });
  try {
    const through = await proxySmoke(config, sink);
    check(through.writetimes.origin !== null && through.writetimes.origin === through.writetimes.target, `a write through the proxy is on both clusters with one writetime (${through.writetimes.origin})`);
    check(through.readBack === through.written, `a read through the proxy returns it from ${config.proxy.primaryCluster}`);
    check(through.recorded > 0, `the proxy recorded ${through.recorded} mutation(s) for the event log`);
  } finally {
    await proxy.stop();
  }

  // One migration of its own for each run (the control log holds one): the tables, then the collection.
  const prefix = `demo-${Date.now().toString(36)}.`;
  const started = await startDemoConsole(config, prefix);
  io.out('url' in started ? `The console, to watch the migration live (it keeps running with the stack): ${started.url}` : `The console did not start (${started.failure}); the demo goes on without it.`);

  io.out('7. A live migration: tables copied to target while an application writes through the proxy');
  const migration = await liveMigration(config, prefix, [DOCUMENT_COLLECTION], (line) => io.out(`  ${line}`));
  io.out(`  copied ${migration.copiedRows} rows of ${migration.tables} tables in ${migration.seconds.toFixed(1)} s (${Math.round(migration.copiedRows / migration.seconds)} rows/s) while the application made ${migration.writes} writes through the proxy`);
  check(migration.failedWrites.length === 0, `every write of the application succeeded${migration.failedWrites.length === 0 ? '' : `; ${migration.failedWrites.length} failed, first: ${migration.failedWrites[0]}`}`);
  check(migration.mismatches === 0, `target equals origin: ${migration.rows} rows, same values and writetimes; mismatching token ranges: ${migration.mismatches}`);

  io.out('8. A live document migration: a MongoDB collection copied to target while an application changes it');
  const documents = await documentMigration(config, prefix, (line) => io.out(`  ${line}`));
  io.out(`  copied ${documents.documents} documents to ${documents.target} in ${documents.seconds.toFixed(1)} s while the application made ${documents.changes} changes in MongoDB`);
  check(documents.differences === 0 && documents.mongoDocuments === documents.targetDocuments, `collection ${'cutover_demo_docs.orders'} verified: ${documents.mongoDocuments} documents on MongoDB, ${documents.targetDocuments} on target, ${documents.differences} mismatches`);

  io.out(failures === 0 ? 'Demo complete: every server answered through its real client, the proxy wrote to both clusters, and the tables and the collection copied under live writes match.' : `Demo failed: ${failures} check(s) failed.`);
  io.out(`The stack is still running${'url' in started ? ', and the console' : ''}: \`npx cutover stack status\`, and \`npx cutover stack down\` to stop it.`);
  return failures === 0 ? 0 : 1;
}

/** Writes a row through the running proxy and reads it back, then looks at each cluster directly. */
async function proxySmoke(config: Config, sink: InMemoryMutationSink): Promise<{ written: string; readBack: string | null; writetimes: { origin: string | null; target: string | null }; recorded: number }> {
  const client = new cassandra.Client({ contactPoints: [`${config.proxy.listenHost}:${config.proxy.queryPort}`], localDataCenter: config.origin.localDataCenter });
  const written = `written through the proxy at ${new Date().toISOString()}`;
  try {
    await client.execute("CREATE KEYSPACE IF NOT EXISTS cutover_demo WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await client.execute('CREATE TABLE IF NOT EXISTS cutover_demo.greetings (id int PRIMARY KEY, text text)');
    await client.execute('INSERT INTO cutover_demo.greetings (id, text) VALUES (?, ?)', [1, written], { prepare: true });
    const readBack = ((await client.execute('SELECT text FROM cutover_demo.greetings WHERE id = 1')).first()?.get('text') as string | undefined) ?? null;
    const writetimes = { origin: await writetime(config, 'origin'), target: await writetime(config, 'target') };
    return { written, readBack, writetimes, recorded: sink.recorded };
  } finally {
    await client.shutdown();
  }
}

async function writetime(config: Config, cluster: ClusterName): Promise<string | null> {
  const client = cassandraClient(config[cluster]);
  try {
    const row = (await client.execute('SELECT writetime(text) AS wt FROM cutover_demo.greetings WHERE id = 1')).first();
    return row ? String(row.get('wt')) : null;
  } finally {
    await client.shutdown();
  }
}
