import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MemoryEventLog, RecordsRefused } from '../src/index.ts';
import { eventLogContract } from './contract.ts';

let topics = 0;
eventLogContract('in memory', () => {
  const log = new MemoryEventLog({ partitions: () => 3 });
  return Promise.resolve({ log, topic: () => Promise.resolve(`topic-${++topics}`) });
});

it('refuses records over maxRecordBytes, writes the others, and reports its limits', async () => {
  const log = new MemoryEventLog({ partitions: (topic) => (topic === 'wide' ? 5 : 1), maxRecordBytes: 100 });
  assert.deepEqual(await log.limits('wide'), { partitions: 5, maxRecordBytes: 100 });
  const refusal = await log.produce('t', [{ key: Buffer.from('k'), value: Buffer.alloc(99) }, { key: Buffer.from('k'), value: Buffer.alloc(100) }, { key: null, value: Buffer.alloc(3) }]).catch((e: unknown) => e);
  assert.ok(refusal instanceof RecordsRefused);
  assert.deepEqual(
    refusal.refused.map((r) => [r.index, r.code]),
    [[1, 'MESSAGE_TOO_LARGE']],
  );
  assert.deepEqual(
    (await log.readAll('t')).map((r) => r.value.length),
    [99, 3],
  );
});

it('still takes the partition count alone, as before its options', async () => {
  assert.equal((await new MemoryEventLog(() => 4).limits('t')).partitions, 4);
  assert.equal((await new MemoryEventLog().limits('t')).partitions, 1);
});
