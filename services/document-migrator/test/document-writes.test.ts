import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseDocument, shred, type CollectionRow, type DocObject } from '@cutover/collection-table';
import cassandra from 'cassandra-driver';
import { documentDelete, documentUpsert, versionTime } from '../src/index.ts';

function row(json: string): CollectionRow {
  const r = shred(parseDocument(json) as DocObject);
  assert.ok('key' in r);
  return r;
}

it('places MongoDB cluster times on the write-time scale in their order, and refuses what has no place', () => {
  const times = [{ t: 1_700_000_000, i: 1 }, { t: 1_700_000_000, i: 999_999 }, { t: 1_700_000_001, i: 0 }].map(versionTime);
  assert.deepEqual(times, [1_700_000_000_000_001n, 1_700_000_000_999_999n, 1_700_000_001_000_000n]);
  assert.throws(() => versionTime({ t: 1, i: 1_000_000 }), /has no place on the write-time scale/);
  assert.throws(() => versionTime({ t: 1, i: -1 }), RangeError);
});

it('writes a version with the same tx_id each time it is loaded, its time in it', () => {
  const r = row('{"_id":"a","n":1}');
  const [first, again, later] = [documentUpsert('ks', 'people', r, 1_700_000_000_123_456n), documentUpsert('ks', 'people', r, 1_700_000_000_123_456n), documentUpsert('ks', 'people', r, 1_700_000_000_123_457n)];
  const txId = (s: typeof first) => s.params[1] as cassandra.types.TimeUuid;
  assert.equal(txId(first).toString(), txId(again).toString());
  assert.notEqual(txId(first).toString(), txId(later).toString());
  assert.equal(txId(first).getDate().getTime(), 1_700_000_000_123);
  assert.equal((first.params.at(-1) as cassandra.types.Long).toString(), '1700000000123456');
  assert.match(first.query, /^INSERT INTO "ks"\."people" \(key, tx_id, doc_json, .*\) VALUES \(.*\) USING TIMESTAMP \?$/);
  assert.deepEqual(documentDelete('ks', 'Mixed-Case', r.key, 5n).query, 'DELETE FROM "ks"."Mixed-Case" USING TIMESTAMP ? WHERE key = ?');
});
