import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { murmur2 as platformaticMurmur2 } from '@platformatic/kafka';
import { murmur2 } from '../src/partition.ts';
import { partitionOf } from '../src/index.ts';

it("hashes as the Java client's murmur2 (vectors from Kafka's UtilsTest)", () => {
  const vectors: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [key, hash] of vectors) assert.equal(murmur2(Buffer.from(key)), hash, key);
});

it("agrees with @platformatic/kafka's murmur2 on keys of every length modulo 4, bytes over 0x7f included", () => {
  for (let length = 0; length < 64; length++) {
    const key = randomBytes(length);
    assert.equal(murmur2(key), platformaticMurmur2(key), key.toString('hex'));
  }
});

it('places a key as the Java default partitioner does: positive hash modulo the partition count', () => {
  // toPositive(murmur2("foobar")) = -790332482 & 0x7fffffff = 1357151166
  assert.equal(partitionOf(Buffer.from('foobar'), 3), 1357151166 % 3);
  assert.equal(partitionOf(Buffer.from('21'), 7), (-973932308 & 0x7fffffff) % 7);
  assert.equal(partitionOf(Buffer.from('anything'), 1), 0);
});
