import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { cassandraSmoke, kafkaSmoke, mongoSmoke, s3Smoke } from '../src/index.ts';

// Runs against the stack that `npm test` brings up, through each real client library.
const config = loadConfig();
const timeout = 120_000;

describe('the local stack, through the real clients', () => {
  it('kafkajs: creates a topic, produces, and consumes the same records back in order', { timeout }, async () => {
    const result = await kafkaSmoke(config, 20);
    assert.equal(result.produced.length, 20);
    assert.deepEqual(result.consumed, result.produced);
  });

  it('cassandra-driver: writes and reads on origin and on target, which are two clusters', { timeout }, async () => {
    const result = await cassandraSmoke(config);
    assert.equal(result.origin.read, 'written to origin');
    assert.equal(result.target.read, 'written to target');
    assert.equal(result.originKeyOnTarget, null, "origin's row must not exist on target");
  });

  it('mongodb: inserts and finds a document, and a change stream sees the insert', { timeout }, async () => {
    const result = await mongoSmoke(config);
    assert.deepEqual(result.found, result.inserted);
    assert.equal(result.change.operationType, 'insert');
    assert.deepEqual(result.change.documentKey, { _id: result.inserted._id });
    assert.deepEqual(result.change.fullDocument, result.inserted);
  });

  it('@aws-sdk/client-s3: creates a bucket, puts, gets, lists, and completes a multipart upload', { timeout }, async () => {
    const result = await s3Smoke(config);
    assert.equal(result.got, result.put.body);
    assert.deepEqual([...result.listed].sort(), [result.put.key, result.multipart.key].sort());
    assert.equal(result.multipart.size, result.multipart.partSizes.reduce((a, b) => a + b, 0));
    assert.ok(result.multipart.roundTrip, 'the assembled object must equal the concatenated parts');
  });
});
