import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SchemaCatalogue, groupNames, topicCatalogue, topicDrift, topicNames, topicSpecs, type TopicState } from '../src/index.ts';

const catalogue = topicCatalogue('t1.');

it('names every topic with the prefix, and gives each a value schema from schemas/ (dead letters keep raw bytes; the readers topic is never written)', () => {
  assert.deepEqual(catalogue.map((t) => t.name), ['t1.cutover.mutations', 't1.cutover.heals', 't1.cutover.control', 't1.cutover.migration-events', 't1.cutover.work', 't1.cutover.documents', 't1.cutover.document-readers', 't1.cutover.dead-letters']);
  const schemas = SchemaCatalogue.load();
  for (const topic of catalogue.filter((t) => !t.name.endsWith('dead-letters') && !t.name.endsWith('document-readers'))) assert.doesNotThrow(() => schemas.latest(topic.value as never), topic.name);
  const control = catalogue.find((t) => t.name === 't1.cutover.control')!;
  assert.equal(control.partitions, 1, 'one partition: one total order of commands');
  assert.equal(control.retentionMs, -1, 'kept forever: it is the audit log');
});

it('names each topic of the catalogue once, by what it holds, and the workers\' consumer groups, with the prefix', () => {
  const names = topicNames('t1.');
  assert.deepEqual(Object.values(names).sort(), catalogue.map((t) => t.name).sort());
  assert.deepEqual([names.control, names.migrationEvents, names.deadLetters], ['t1.cutover.control', 't1.cutover.migration-events', 't1.cutover.dead-letters']);
  assert.deepEqual(topicSpecs('t1.', [names.work]).map((t) => t.name), ['t1.cutover.work']);
  assert.deepEqual(groupNames('t1.'), { tableWorkers: 't1.cutover-table-workers', healer: 't1.cutover-healer', documentLoaders: 't1.cutover-document-loaders', documentReaders: 't1.cutover-document-readers' });
  assert.equal(topicNames().mutations, 'cutover.mutations');
});

it('reports missing topics and every differing setting, and nothing when they match', () => {
  const matching = new Map<string, TopicState>(catalogue.map((t) => [t.name, { name: t.name, partitions: t.partitions, cleanupPolicy: t.cleanupPolicy, retentionMs: t.retentionMs }]));
  assert.deepEqual(topicDrift(catalogue, matching), []);
  const drifted = new Map(matching);
  drifted.delete('t1.cutover.work');
  drifted.set('t1.cutover.control', { name: 't1.cutover.control', partitions: 3, cleanupPolicy: 'compact', retentionMs: 1000 });
  assert.deepEqual(topicDrift(catalogue, drifted), [
    't1.cutover.control: 3 partitions, the catalogue says 1',
    't1.cutover.control: cleanup.policy compact, the catalogue says delete',
    't1.cutover.control: retention.ms 1000, the catalogue says -1',
    't1.cutover.work: missing',
  ]);
});
