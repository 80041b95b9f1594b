/**
 * The migration state rebuilt from the real control topic, in events per second. Goal: at least
 * 100,000 events/s. Measured in the same run, to see where the time goes: reading the topic with
 * kafkajs alone, and decoding and folding the same records in memory without Kafka.
 *
 *   BENCH_EVENTS   control records to rebuild from (default 200000)
 *
 * Results: bench/results/state-rebuild.json.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem, release, platform } from 'node:os';
import { loadConfig } from '@cutover/config';
import { ControlPlane, controlTopicSpecs, controlTopics, updateFromAvro, updateToAvro, type AvroUpdate } from '@cutover/control-plane';
import { KafkaEventLog, SchemaCatalogue, createTopics, decodeRecord, encodeRecord } from '@cutover/event-log';
import { decide, evolve, initialState } from '@cutover/migration-state';
import { kafkaClient } from '@cutover/stack';

const GOAL = 100_000;
const events = Number(process.env['BENCH_EVENTS'] ?? 200_000);
const config = loadConfig();
const kafka = kafkaClient(config);
const log = new KafkaEventLog(config.kafka);
const catalogue = SchemaCatalogue.load();
const prefix = `bench-${randomBytes(3).toString('hex')}.`;
const topics = controlTopics(prefix);

const admin = kafka.admin();
await admin.connect();
await createTopics(admin, controlTopicSpecs(prefix));

// Every command accepted: the read mode flips back and forth, as an operator's switches would.
const records = Array.from({ length: events }, (_, i) => {
  const update = updateToAvro({ commandId: randomUUID(), migrationId: 'bench', issuedAt: 1_795_000_000_000 + i, issuer: 'bench', command: { type: 'SetReadMode', mode: i % 2 === 0 ? 'dual-async' : 'primary-only' } });
  return { key: Buffer.from('bench'), value: encodeRecord(catalogue, 'Update', update) };
});
for (let i = 0; i < records.length; i += 10_000) await log.produce(topics.control, records.slice(i, i + 10_000));

const rate = (count: number, ms: number): number => Math.round((count / ms) * 1000);
const time = async <T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> => {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
};

const readOnly = await time(() => log.readAll(topics.control));
const inMemory = await time(() => {
  let state = initialState;
  for (const record of readOnly.value) {
    const command = updateFromAvro(decodeRecord<AvroUpdate>(catalogue, 'Update', record.value).value);
    state = decide(command, state).reduce(evolve, state);
  }
  return Promise.resolve(state);
});
const rebuild = await time(() => new ControlPlane(log, topics).history());
if (rebuild.value.events.length !== events) throw new Error(`rebuilt ${rebuild.value.events.length} events, expected ${events}`);

await admin.deleteTopics({ topics: [topics.control, topics.deadLetters] });
await admin.disconnect();
await log.close();

const results = {
  benchmark: 'state-rebuild',
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, totalMemoryBytes: totalmem(), platform: `${platform()} ${release()}`, node: process.version },
  parameters: { events },
  rebuildFromKafka: { ms: Math.round(rebuild.ms), eventsPerSecond: rate(events, rebuild.ms) },
  baselines: {
    kafkaReadOnly: { ms: Math.round(readOnly.ms), recordsPerSecond: rate(events, readOnly.ms) },
    decodeAndFoldInMemory: { ms: Math.round(inMemory.ms), eventsPerSecond: rate(events, inMemory.ms) },
  },
  goal: { eventsPerSecond: GOAL, pass: rate(events, rebuild.ms) >= GOAL },
};
writeFileSync(new URL('../results/state-rebuild.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log(`state rebuilt from Kafka: ${events} events in ${results.rebuildFromKafka.ms} ms = ${results.rebuildFromKafka.eventsPerSecond} events/s (goal ≥ ${GOAL}: ${results.goal.pass ? 'PASS' : 'FAIL'})`);
console.log(`  kafkajs reading the topic alone: ${results.baselines.kafkaReadOnly.recordsPerSecond} records/s`);
console.log(`  decoding and folding in memory: ${results.baselines.decodeAndFoldInMemory.eventsPerSecond} events/s`);
process.exitCode = results.goal.pass ? 0 : 1;
