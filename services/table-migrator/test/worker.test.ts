import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { it } from 'node:test';
import { MemoryEventLog } from '@cutover/event-log';
import { pino } from 'pino';
import cassandra from 'cassandra-driver';
import { TableWorker, type CopyContext } from '../src/index.ts';
import { isTransient } from '../src/worker/transient.ts';

it('sends a work item it cannot read to the dead letters with the reason, and goes on', async () => {
  const log = new MemoryEventLog();
  // Nothing but the log is touched before a work item is read.
  const ctx = { log, workTopic: 'work', deadLetterTopic: 'dead', logger: pino({ level: 'silent' }) } as unknown as CopyContext;
  const worker = await TableWorker.start(ctx, 'w1', 'workers');
  await log.produce('work', [{ key: Buffer.from('x'), value: Buffer.from('not a work item') }]);
  for (let i = 0; i < 200 && (await log.lag('work', 'workers')) > 0; i++) await delay(10);
  await worker.stop();
  const dead = await log.readAll('dead');
  assert.equal(dead.length, 1);
  assert.equal(dead[0]!.value.toString(), 'not a work item');
  assert.match(dead[0]!.headers?.['cutover-error'] ?? '', /^NOT_WIRE_FORMAT: /);
  assert.equal(await log.lag('work', 'workers'), 0, 'committed: the queue goes on');
});

it('tells failures that pass with time (a cluster, S3 or Kafka away) from those that fail again', () => {
  const { errors, types } = cassandra;
  const passing = [
    new errors.NoHostAvailableError({}),
    new errors.OperationTimedOutError('timed out'),
    new errors.ResponseError(types.responseErrorCodes.writeTimeout, 'write timeout'),
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' }),
    Object.assign(new Error('SlowDown'), { $metadata: { httpStatusCode: 503 } }),
    Object.assign(new Error('broker away'), { code: 'PLT_KFK_NETWORK' }),
    new Error('wrapped', { cause: new errors.NoHostAvailableError({}) }),
  ];
  const failing = [
    new errors.ResponseError(types.responseErrorCodes.invalid, 'unconfigured table t'),
    Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }),
    new RangeError('Index out of range'),
    new TypeError("Cannot read properties of undefined (reading 'x')"),
  ];
  assert.deepEqual(passing.map(isTransient), passing.map(() => true));
  assert.deepEqual(failing.map(isTransient), failing.map(() => false));
});
