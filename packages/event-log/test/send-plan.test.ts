import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SendPlan, type Piece } from '../src/send-plan.ts';
import { REFUSALS, sendOutcome } from '../src/refusals.ts';

const piece = (index: number, partition: number, bytes: number): Piece => ({ index, partition, bytes, record: { key: null, value: Buffer.alloc(0) } });
const shape = (send: readonly Piece[]) => send.map((p) => `${p.partition}:${p.index}`);

it('puts at most one batch of bytes per partition in a send, several partitions in one send, in order', () => {
  const plan = new SendPlan([piece(0, 0, 700), piece(1, 0, 700), piece(2, 1, 100), piece(3, 0, 700), piece(4, 1, 100)], 1000, 10_000);
  const sends: string[][] = [];
  for (let send = plan.next(); send.length > 0; send = plan.next()) {
    sends.push(shape(send));
    for (const p of new Set(send.map((s) => s.partition))) plan.written(send, p);
  }
  assert.deepEqual(sends, [['0:0', '1:2', '1:4'], ['0:1'], ['0:3']]);
  assert.deepEqual(plan.refused, []);
});

it('bounds a send in all', () => {
  const plan = new SendPlan([piece(0, 0, 600), piece(1, 1, 600), piece(2, 2, 600)], 1000, 1000);
  assert.deepEqual(shape(plan.next()), ['0:0']);
});

it('finds the record a refused batch held by sending its records one by one, and writes the others', () => {
  const plan = new SendPlan([piece(0, 0, 10), piece(1, 0, 10), piece(2, 0, 10), piece(3, 1, 10)], 1000, 10_000);
  let send = plan.next();
  assert.deepEqual(shape(send), ['0:0', '0:1', '0:2', '1:3']);
  plan.failed(send, 0, { code: 'INVALID_RECORD', reason: 'no key' });
  plan.written(send, 1);
  const alone: string[][] = [];
  for (send = plan.next(); send.length > 0; send = plan.next()) {
    alone.push(shape(send));
    if (send[0]!.index === 1) plan.failed(send, 0, { code: 'INVALID_RECORD', reason: 'no key' });
    else plan.written(send, 0);
  }
  assert.deepEqual(alone, [['0:0'], ['0:1'], ['0:2']]);
  assert.deepEqual(plan.refused, [{ index: 1, code: 'INVALID_RECORD', reason: 'no key' }]);
});

it("drops a refused record's other fragments", () => {
  const plan = new SendPlan([piece(0, 0, 900), piece(0, 0, 900), piece(1, 0, 10)], 1000, 10_000);
  const send = plan.next();
  plan.failed(send, 0, { code: 'MESSAGE_TOO_LARGE', reason: 'too large' });
  assert.deepEqual(shape(plan.next()), ['0:1']);
  assert.deepEqual(plan.refused.map((r) => r.index), [0]);
});

it("reads which partitions a failed send wrote and which the broker refused, from @platformatic/kafka's error", () => {
  // The shape the real broker's answer takes (see kafka-log.integration.test.ts for the real thing).
  const response = {
    responses: [
      {
        name: 't',
        partitionResponses: [
          { index: 0, errorCode: 10, errorMessage: null, recordErrors: [] },
          { index: 1, errorCode: 0, errorMessage: null, recordErrors: [] },
          { index: 2, errorCode: 87, errorMessage: 'One or more records have been rejected', recordErrors: [{ batchIndex: 0, batchIndexErrorMessage: 'Compacted topic cannot accept message without key' }] },
        ],
      },
    ],
  };
  const earlier = { responses: [{ name: 't', partitionResponses: [{ index: 1, errorCode: 6, errorMessage: null }] }] };
  const error = Object.assign(new AggregateError([Object.assign(new AggregateError([]), { response: earlier }), Object.assign(new AggregateError([]), { response })], 'Producing messages failed.'), { produced: { offsets: [{ topic: 't', partition: 3, offset: 5n }] } });
  const { written, failed } = sendOutcome(error, 't');
  assert.deepEqual([...written].sort(), [1, 3]);
  assert.deepEqual(Object.fromEntries(failed), {
    0: { code: 'MESSAGE_TOO_LARGE', reason: 'MESSAGE_TOO_LARGE' },
    2: { code: 'INVALID_RECORD', reason: 'Compacted topic cannot accept message without key' },
  });
  assert.ok(REFUSALS.has('MESSAGE_TOO_LARGE') && REFUSALS.has('INVALID_RECORD'));
  assert.ok(!REFUSALS.has('NOT_LEADER_OR_FOLLOWER') && !REFUSALS.has('NOT_ENOUGH_REPLICAS') && !REFUSALS.has('REQUEST_TIMED_OUT'));
  assert.deepEqual(sendOutcome(new Error('connect ECONNREFUSED'), 't'), { written: new Set(), failed: new Map() });
});
