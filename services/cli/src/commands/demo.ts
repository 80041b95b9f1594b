import type { Config } from '@cutover/config';
import { LocalStack, cassandraSmoke, kafkaSmoke, mongoSmoke, s3Smoke } from '@cutover/stack';
import type { Output } from '../output.js';
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

  io.out(failures === 0 ? 'Demo complete: every server answered through its real client.' : `Demo failed: ${failures} check(s) failed.`);
  io.out(`The stack is still running: \`npx cutover stack status\`, and \`npx cutover stack down\` to stop it.`);
  return failures === 0 ? 0 : 1;
}
