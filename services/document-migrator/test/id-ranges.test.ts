import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Int32, ObjectId } from 'mongodb';
import { clusterTimeOf, documentRecord, idText, rangeFilter, readDocumentEvent, versionTime, type DocumentEvent } from '../src/index.ts';

it('bounds a range to one BSON type of _id (a query compares values of one type only), after the last _id read', () => {
  const from = idText(new Int32(5));
  assert.equal(from, '{"$numberInt":"5"}');
  assert.deepEqual(rangeFilter({ type: 'number', from, to: null }), { $and: [{ _id: { $type: 'number' } }, { _id: { $gte: new Int32(5) } }] });
  const oid = new ObjectId('6b0bd37ef074ce4b9985df7a');
  assert.deepEqual(rangeFilter({ type: 'objectId', from: null, to: idText(oid) }, 'last'), { $and: [{ _id: { $type: 'objectId' } }, { _id: { $lt: oid } }, { _id: { $gt: 'last' } }] });
  assert.deepEqual(rangeFilter({ type: 'other', from: null, to: null }), { _id: { $not: { $type: ['null', 'number', 'string', 'binData', 'objectId', 'bool', 'date'] } } });
});

it('puts a document version on the topic keyed by collection and _id, and reads it back whole', () => {
  const event: DocumentEvent = { migrationId: 'm1', collection: 'app.profiles', round: 2, operation: 'UPDATE', id: '{"$oid":"6b0bd37ef074ce4b9985df7a"}', document: Buffer.from([5, 0, 0, 0, 0]), clusterTime: 1_795_000_000_000_042, range: null, readAt: 1_795_000_000_000 };
  const record = documentRecord(event);
  assert.equal(record.key?.toString(), 'app.profiles/{"$oid":"6b0bd37ef074ce4b9985df7a"}');
  assert.deepEqual(readDocumentEvent(record.value), event);
  const deleted = { ...event, operation: 'DELETE' as const, document: null };
  assert.deepEqual(readDocumentEvent(documentRecord(deleted).value), deleted);
});

it('maps a write time back to the cluster time it stands for', () => {
  const time = { t: 1_795_000_000, i: 42 };
  assert.deepEqual(clusterTimeOf(Number(versionTime(time))), time);
});
