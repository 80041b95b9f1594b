import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { it } from 'node:test';
import { MemoryEventLog } from '@cutover/event-log';
import { pino } from 'pino';
import { TableWorker, type CopyContext } from '../src/index.ts';

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
