import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { ControlPlane, controlTopics } from '@cutover/control-plane';
import { KafkaEventLog, SchemaCatalogue, decodeRecord, topicNames } from '@cutover/event-log';
import type { SharedVerification } from '@cutover/migration-state';
import { cassandraClient } from '@cutover/stack';
import { runCli, spawnCli } from './run-cli.ts';

/**
 * A migration's table verified as shared work: killed at any point it resumes with the ranges
 * still to compare; two verifiers share the ranges; the commit gate waits while one runs, and
 * while heals are pending.
 */
const ks = `shared_${randomBytes(3).toString('hex')}`;
const table = `${ks}.rows`;
const env = { KAFKA_TOPIC_PREFIX: `${ks}.`, VERIFY_WORKERS: '1' };
const config = loadConfig({ env });
const origin = cassandraClient(config.origin);
const target = cassandraClient(config.target);
const log = new KafkaEventLog(config.kafka);
const plane = new ControlPlane(log, controlTopics(`${ks}.`));
const timeout = 240_000;
const ROWS = 1600;
const RANGES = 16;

before(async () => {
  for (const client of [origin, target]) {
    await client.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    await client.execute(`CREATE TABLE ${table} (id int PRIMARY KEY, v text)`);
  }
  for (let id = 0; id < ROWS; id += 100) {
    const batch = Array.from({ length: 100 }, (_, i) => ({ query: `INSERT INTO ${table} (id, v) VALUES (?, ?) USING TIMESTAMP 1000`, params: [id + i, `value ${id + i}`] }));
    await Promise.all([origin, target].map((client) => client.batch(batch, { prepare: true, logged: false })));
  }
  await origin.execute(`UPDATE ${table} USING TIMESTAMP 2000 SET v = 'changed on origin' WHERE id = 7`);
  assert.equal((await runCli(['control', 'start', table], env)).code, 0);
});

after(async () => {
  await Promise.all([origin, target].map((client) => client.execute(`DROP KEYSPACE IF EXISTS ${ks}`)));
  await Promise.all([origin.shutdown(), target.shutdown(), log.close()]);
});

/** The table's last shared verification, as the logs tell it now. */
async function verification(): Promise<SharedVerification | undefined> {
  return (await plane.history()).state.tables[table]?.verification;
}

/** Waits until the logs say `condition` of the table's verification. */
async function until(condition: (v: SharedVerification | undefined) => boolean, what: string): Promise<SharedVerification | undefined> {
  for (let i = 0; i < 600; i++) {
    const v = await verification();
    if (condition(v)) return v;
    await delay(200);
  }
  throw new Error(`never: ${what}`);
}

/** RangeVerified records of a verification on the events topic, by range: how often each range was compared. */
async function comparisons(id: string): Promise<Map<number, number>> {
  const catalogue = SchemaCatalogue.load();
  const counts = new Map<number, number>();
  for (const record of await log.readAll(topicNames(`${ks}.`).migrationEvents)) {
    const { event } = decodeRecord<{ event: Record<string, { verificationId?: string; range?: number }> }>(catalogue, 'MigrationEvent', record.value).value;
    const fact = event['dev.cutover.migration.RangeVerified'];
    if (fact?.verificationId === id) counts.set(fact.range!, (counts.get(fact.range!) ?? 0) + 1);
  }
  return counts;
}

interface VerifyJson {
  readonly verificationId: string;
  readonly rowsCompared: number;
  readonly ranges: number;
  readonly differences: { key: Record<string, string>; kind: string }[];
  readonly notes?: string[];
}

it('a verification killed part-way is resumed by the next one, which compares only the ranges left', { timeout }, async () => {
  // Slow (100 rows a second from each cluster): it is killed with most ranges to go.
  const first = spawnCli(['verify', table, '--ranges', String(RANGES)], { ...env, VERIFY_RATE: '100' });
  const begun = await until((v) => Object.keys(v?.done ?? {}).length >= 2, 'two ranges compared');
  first.child.kill('SIGKILL');
  await new Promise((resolve) => first.child.once('exit', resolve));
  const doneBefore = Object.keys((await verification())!.done).map(Number);
  assert.ok(doneBefore.length < RANGES, `only ${doneBefore.length} of ${RANGES} ranges were compared before the kill`);
  const state = await runCli(['state'], env);
  assert.match(state.stdout, new RegExp(`a verification of ${ks}\\.rows is running \\(begun \\S+ by \\S+, \\d+ of ${RANGES} ranges compared\\)`));

  const resumed = await runCli(['verify', table, '--json'], env);
  assert.equal(resumed.code, 1, resumed.stderr);
  const result = JSON.parse(resumed.stdout) as VerifyJson;
  assert.equal(result.verificationId, begun!.id, 'the verification begun by the killed process');
  assert.equal(result.ranges, RANGES, 'in the ranges it was begun with');
  assert.match(result.notes?.[0] ?? '', /^resumed the verification begun \S+ by \S+$/);
  assert.deepEqual([result.rowsCompared, result.differences], [ROWS, [{ key: { id: '7' }, kind: 'values' }]]);
  const counts = await comparisons(begun!.id);
  assert.equal(counts.size, RANGES, 'every range compared');
  for (const range of doneBefore) assert.equal(counts.get(range), 1, `range ${range}, compared before the kill, was not compared again`);
  const after = (await plane.history()).state.tables[table]!;
  assert.deepEqual([after.verification?.recorded, after.verified?.differences, after.verified?.startedAt], [true, 1, begun!.startedAt], 'recorded, as begun when the killed process began it');
});

it('two verifiers share the ranges of one verification; the commit gate waits while it runs, and while heals are pending', { timeout }, async () => {
  // Slow enough that the second verifier, started seconds later on a busy machine, still finds ranges to compare.
  const slow = { ...env, VERIFY_RATE: '150' };
  const first = spawnCli(['verify', table, '--restart', '--json'], slow);
  const exited = new Promise<number | null>((resolve) => first.child.once('exit', resolve));
  const begun = await until((v) => v !== undefined && !v.recorded, 'a new verification begun');
  const gate = await runCli(['control', 'set-primary', 'target'], env);
  assert.equal(gate.code, 1);
  assert.match(gate.stderr, new RegExp(`^rejected: the commit gate is closed: a verification of ${ks}\\.rows is running \\(begun \\S+ by \\S+, \\d+ of 32 ranges compared\\): let it end, or run cutover verify ${ks}\\.rows to resume it; `, 'm'));
  const second = await runCli(['verify', table, '--json'], slow);
  const firstCode = await exited;
  assert.deepEqual([firstCode, second.code], [1, 1], `${first.stderr()}\n${second.stderr}`);
  const [a, b] = [JSON.parse(first.stdout()) as VerifyJson, JSON.parse(second.stdout) as VerifyJson];
  assert.deepEqual([a.verificationId, b.verificationId], [begun!.id, begun!.id], 'one verification');
  assert.deepEqual([a.rowsCompared, b.rowsCompared, a.differences, b.differences], [ROWS, ROWS, [{ key: { id: '7' }, kind: 'values' }], [{ key: { id: '7' }, kind: 'values' }]]);
  const shared = (await verification())!;
  const by = new Set(Object.values(shared.done).map((r) => r.by.replace(/-\d+$/, '')));
  assert.equal(by.size, 2, `ranges compared by both processes: ${[...by].join(', ')}`);
  assert.match(`${first.stderr()}${second.stderr}`, new RegExp(`${ks}\\.rows: its result was recorded by another verifier of the same verification`));

  // The table repaired and verified clean, what changed since verified too: the gate is open, but for heals pending.
  const since = new Date(shared.startedAt).toISOString();
  assert.equal((await runCli(['verify', table, '--repair'], env)).code, 0);
  const repaired = (await plane.history()).state.tables[table]!.verified!;
  assert.deepEqual([repaired.differences, repaired.differingRows], [0, [{ key: 'id=7', kind: 'values', repaired: true }]], 'the repair is a fact of the migration, row by row');
  assert.equal((await runCli(['verify', table, '--changed-since', since], env)).code, 0);
  assert.equal((await runCli(['topics', 'create'], env)).code, 0);
  await log.produce(topicNames(`${ks}.`).heals, [{ key: Buffer.from('k'), value: Buffer.from('a mutation target failed') }]);
  const pending = await runCli(['control', 'complete'], env);
  assert.match(pending.stderr, /^rejected: switch the primary to target before completing the migration$/m);
  const healing = await runCli(['control', 'set-primary', 'target'], env);
  assert.match(healing.stderr, /^rejected: the commit gate is closed: 1 mutation\(s\) target failed are not healed yet \(the heals topic's lag\)\. /m);
  const audit = await runCli(['audit', '--verify'], env);
  assert.equal(audit.code, 0, `${audit.stdout}${audit.stderr}`);
});
