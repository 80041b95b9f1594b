import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { LogRecord, StoredRecord } from '../src/index.ts';
import { ABANDON_AFTER_MS, FRAGMENT_HEADER, Reassembler, split } from '../src/fragments.ts';
import { encodedBytes } from '../src/record-size.ts';

/** Stores records on one partition as a log would, from `offset` on. */
function store(records: readonly LogRecord[], offset = 0, partition = 0, timestamp = 1000): StoredRecord[] {
  return records.map((r, i) => ({ key: r.key, value: r.value, ...(r.headers ? { headers: r.headers } : {}), topic: 't', partition, offset: String(offset + i), timestamp }));
}

function feed(reassembler: Reassembler, records: readonly StoredRecord[]): StoredRecord[] {
  return records.flatMap((r) => reassembler.add(r) ?? []);
}

describe('split', () => {
  it('leaves a record that fits as it is', () => {
    const record = { key: Buffer.from('k'), value: Buffer.alloc(100) };
    assert.deepEqual(split(record, 1000, 'w-1'), [record]);
  });

  it('cuts a larger one into fragments that each fit, same key, own headers kept, numbered from 1', () => {
    const record = { key: Buffer.from('key'), value: randomBytes(10_000), headers: { source: 'test' } };
    const fragments = split(record, 1000, 'w-1')!;
    assert.ok(fragments.length > 10);
    assert.ok(fragments.every((f) => encodedBytes(f) <= 1000));
    assert.ok(fragments.every((f) => f.key === record.key && f.headers?.source === 'test'));
    assert.deepEqual(
      fragments.map((f) => f.headers?.[FRAGMENT_HEADER]),
      fragments.map((_, i) => `w-1 ${i + 1}/${fragments.length}`),
    );
    assert.deepEqual(Buffer.concat(fragments.map((f) => f.value)), record.value);
  });

  it('cannot split a record whose key and headers alone do not fit', () => {
    assert.equal(split({ key: Buffer.alloc(2000), value: Buffer.alloc(5000) }, 1000, 'w-1'), undefined);
  });
});

describe('Reassembler', () => {
  const big = (size: number, key = 'k', headers?: Record<string, string>): LogRecord => ({ key: Buffer.from(key), value: randomBytes(size), ...(headers ? { headers } : {}) });
  const small = (value: string): LogRecord => ({ key: Buffer.from('k'), value: Buffer.from(value) });

  it('hands back a fragmented record whole, with the offset of its first fragment and without the fragment header', () => {
    const record = big(5000, 'k', { source: 'test' });
    const stored = store([small('before'), ...split(record, 1000, 'w-1')!, small('after')], 10);
    const out = feed(new Reassembler(), stored);
    assert.deepEqual(
      out.map((r) => r.value.length),
      [6, 5000, 5],
    );
    assert.deepEqual(out[1]!.value, record.value);
    assert.deepEqual(out[1]!.headers, { source: 'test' });
    assert.equal(out[1]!.offset, '11');
    assert.deepEqual(out[1]!.key, Buffer.from('k'));
  });

  it('reassembles two records whose fragments interleave on one partition (two writers), each whole', () => {
    const a = big(3000);
    const b = big(3000);
    const fa = split(a, 1000, 'wa-1')!;
    const fb = split(b, 1000, 'wb-1')!;
    const interleaved = fa.flatMap((f, i) => [f, fb[i]!, small(`s${i}`)]);
    const out = feed(new Reassembler(), store(interleaved));
    const whole = out.filter((r) => r.value.length === 3000);
    assert.equal(whole.length, 2);
    assert.deepEqual(whole[0]!.value, a.value);
    assert.deepEqual(whole[1]!.value, b.value);
    assert.deepEqual(
      out.filter((r) => r.value.length < 10).map((r) => r.value.toString()),
      fa.map((_, i) => `s${i}`),
    );
  });

  it('never hands back a record with a fragment missing, nor one whose first fragment it did not see', () => {
    const fragments = split(big(5000), 1000, 'w-1')!;
    assert.deepEqual(feed(new Reassembler(), store(fragments.filter((_, i) => i !== 2))), []);
    assert.deepEqual(feed(new Reassembler(), store(fragments.slice(1), 1)), []);
  });

  it('does not commit past the first fragment of a record not yet complete, and moves on once it is', () => {
    const fragments = split(big(3000), 1000, 'w-1')!;
    const stored = store([small('a'), ...fragments, small('b')], 100);
    const reassembler = new Reassembler();
    const commits = stored.map((r) => {
      reassembler.add(r);
      return reassembler.commitOffset(0, BigInt(r.offset) + 1n);
    });
    const last = 100 + fragments.length + 1;
    assert.deepEqual(commits, [101n, ...fragments.slice(0, -1).map(() => 101n), BigInt(last), BigInt(last + 1)]);
    assert.equal(reassembler.commitOffset(1, 7n), 7n, 'another partition is not held back');
  });

  it('reads a record again whole when the consumer goes back (a failed handler, a restart from the commit point)', () => {
    const record = big(3000);
    const stored = store([...split(record, 1000, 'w-1')!], 0);
    const reassembler = new Reassembler();
    assert.deepEqual(feed(reassembler, stored.slice(0, 2)), []);
    // Back to the first fragment: those already taken are replaced, not counted twice.
    const again = feed(reassembler, stored);
    assert.equal(again.length, 1);
    assert.deepEqual(again[0]!.value, record.value);
    // Completed then delivered again from its first fragment: handed back again.
    assert.deepEqual(feed(reassembler, stored).map((r) => r.value), [record.value]);
  });

  it('gives up a set its writer abandoned: the same writer started another, or it is long stale', () => {
    const first = split(big(3000), 1000, 'w-1')!;
    const second = split(big(3000), 1000, 'w-2')!;
    const reassembler = new Reassembler();
    feed(reassembler, store(first.slice(0, 1), 0));
    assert.equal(reassembler.commitOffset(0, 5n), 0n);
    feed(reassembler, store(second.slice(0, 1), 1));
    assert.equal(reassembler.commitOffset(0, 5n), 1n, 'w-1 given up once w-2 began');

    const other = new Reassembler();
    feed(other, store(first.slice(0, 1), 0, 0, 1000));
    feed(other, store([small('much later')], 1, 0, 1000 + ABANDON_AFTER_MS + 1));
    assert.equal(other.commitOffset(0, 2n), 2n);
  });

  it('hands back records without the header, or with a header not its own, as they are', () => {
    const reassembler = new Reassembler();
    const odd = store([{ key: null, value: Buffer.from('x'), headers: { [FRAGMENT_HEADER]: 'not a fragment' } }]);
    assert.deepEqual(feed(reassembler, odd), odd);
  });
});
