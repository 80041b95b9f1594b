import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { loadConfig } from '@cutover/config';
import { cassandraClient, mongoClient, s3Client } from '@cutover/stack';
import { Timestamp } from 'mongodb';
import { runCli } from './run-cli.ts';

/**
 * Bad documents past the budget: the collection fails, with the reason, and every bad document
 * is in a bad-documents file in S3 with its own; a 15 MB document travels the documents topic
 * (in fragments) and is one of them (the Data API takes 4,000,000 characters of JSON at most).
 */
const db = `budget_${randomBytes(3).toString('hex')}`;
const name = `${db}.things`;
const env = { KAFKA_TOPIC_PREFIX: `${db}.`, DOCUMENT_MAX_BAD: '2', LOG_LEVEL: 'fatal' };
const config = loadConfig({ env });
const mongo = mongoClient(config);
const target = cassandraClient(config.target);
const s3 = s3Client(config);

before(async () => {
  const things = mongo.db(db).collection<{ _id: string; [field: string]: unknown }>('things');
  await things.insertMany(Array.from({ length: 5 }, (_, i) => ({ _id: `good-${i}`, n: i })));
  await things.insertOne({ _id: 'huge', text: 'x'.repeat(15 * 1024 * 1024) });
  await things.insertMany([{ _id: 'stamped-1', at: new Timestamp({ t: 1, i: 1 }) }, { _id: 'stamped-2', at: new Timestamp({ t: 2, i: 1 }) }]);
  assert.equal((await runCli(['control', 'start', '--collection', name], env)).code, 0);
});

after(async () => {
  await mongo.db(db).dropDatabase();
  await target.execute(`DROP KEYSPACE IF EXISTS ${db}`);
  await Promise.all([mongo.close(), target.shutdown()]);
  s3.destroy();
});

it('fails a collection with more bad documents than its budget, and lists each with the reason in S3', { timeout: 240_000 }, async () => {
  const run = await runCli(['migrate', 'documents', '--until-synced'], env);
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(run.stdout, new RegExp(`${name} → ${db}\\.things: .*FAILED: 3 bad documents, over the budget of 2; 3 bad documents listed in s3://`));
  assert.match(run.stderr, /1 collection\(s\) failed/);
  const keys = [...run.stdout.matchAll(/s3:\/\/[^/]+\/(bad-documents\/\S+?\.jsonl)/g)].map((m) => m[1]!);
  const lines: { _id: unknown; reason: string }[] = [];
  for (const key of new Set(keys)) {
    const body = await (await s3.send(new GetObjectCommand({ Bucket: config.s3.bucket, Key: key }))).Body!.transformToString();
    lines.push(...body.trim().split('\n').map((line) => JSON.parse(line) as { _id: unknown; reason: string }));
  }
  const reasons = new Map(lines.map((l) => [l._id, l.reason]));
  assert.match(reasons.get('huge') ?? '', /the document is \d+ characters of JSON, more than the Data API's 4000000/);
  assert.match(reasons.get('stamped-1') ?? '', /at is a BSON Timestamp, which has no Data API mapping/);
  assert.ok(reasons.has('stamped-2'));
  const good = await target.execute(`SELECT count(*) FROM ${db}.things`);
  assert.equal(Number(good.first()['count']), 5, 'the good documents are written');
});
