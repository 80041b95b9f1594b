import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { cassandraClient } from '@cutover/stack';
import { runCli } from './run-cli.ts';

/** `cutover verify` against the stack's two clusters: rows made to differ in each way, found and named by key. */
const ks = `verify_${randomBytes(3).toString('hex')}`;
const env = { KAFKA_TOPIC_PREFIX: `${ks}.` };
const config = loadConfig({ env });
const origin = cassandraClient(config.origin);
const target = cassandraClient(config.target);
const timeout = 180_000;

async function both(cql: string, params: unknown[] = []): Promise<void> {
  await Promise.all([origin, target].map((client) => client.execute(cql, params, { prepare: true })));
}

before(async () => {
  for (const client of [origin, target]) {
    await client.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    await client.execute(`CREATE TABLE ${ks}.events (id int, at text, v text, tags set<text>, s int static, PRIMARY KEY (id, at))`);
    await client.execute(`CREATE TABLE ${ks}.same (id bigint PRIMARY KEY, v double)`);
  }
  // 300 rows alike on both clusters, written long ago (not in flight), a static cell per partition.
  for (let id = 0; id < 300; id++) {
    await both(`INSERT INTO ${ks}.events (id, at, v, tags) VALUES (?, ?, ?, ?) USING TIMESTAMP 1000`, [id, `2026-01-0${(id % 9) + 1}`, `value ${id}`, ['a', `t${id}`]]);
    await both(`INSERT INTO ${ks}.same (id, v) VALUES (?, ?) USING TIMESTAMP 1000`, [String(id), id === 7 ? NaN : id / 3]);
  }
  await both(`UPDATE ${ks}.events USING TIMESTAMP 1000 SET s = 1 WHERE id = 0`);
  // Then each way a row can differ.
  await target.execute(`UPDATE ${ks}.events USING TIMESTAMP 2000 SET v = 'changed on target only' WHERE id = 1 AND at = '2026-01-02'`);
  await origin.execute(`DELETE FROM ${ks}.events USING TIMESTAMP 2000 WHERE id = 2 AND at = '2026-01-03'`);
  await target.execute(`UPDATE ${ks}.events USING TIMESTAMP 1001 SET v = 'value 3' WHERE id = 3 AND at = '2026-01-04'`);
  await origin.execute(`UPDATE ${ks}.events USING TIMESTAMP 1000 AND TTL 86400 SET v = 'value 4' WHERE id = 4 AND at = '2026-01-05'`);
  await target.execute(`DELETE FROM ${ks}.events USING TIMESTAMP 2000 WHERE id = 5 AND at = '2026-01-06'`);
  await origin.execute(`UPDATE ${ks}.events USING TIMESTAMP 2000 SET tags = tags + {'new'} WHERE id = 6 AND at = '2026-01-07'`);
  await target.execute(`UPDATE ${ks}.events USING TIMESTAMP 2000 SET s = 2 WHERE id = 0`);
});

after(async () => {
  await Promise.all([origin, target].map((client) => client.execute(`DROP KEYSPACE IF EXISTS ${ks}`)));
  await Promise.all([origin.shutdown(), target.shutdown()]);
});

it('names every row that differs, by its key, with what differs; a table alike on both sides agrees', { timeout }, async () => {
  const result = await runCli(['verify', `${ks}.events`, `${ks}.same`, '--json', '--ranges', '8'], env);
  assert.equal(result.code, 1, result.stderr);
  const [events, same] = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { table: string; rowsCompared: number; rows: { origin: number; target: number }; ranges: number; matches: boolean; complete: boolean; differences: { key: Record<string, string>; kind: string }[] });
  assert.equal(events!.table, `${ks}.events`);
  assert.equal(events!.matches, false);
  assert.equal(events!.complete, true);
  assert.deepEqual(events!.rows, { origin: 299, target: 299 });
  assert.equal(events!.rowsCompared, 299);
  assert.equal(events!.ranges, 8);
  const found = events!.differences.map((d) => `${Object.entries(d.key).map(([k, v]) => `${k}=${v}`).join(',')} ${d.kind}`).sort();
  assert.deepEqual(found, [
    "id=0,at='2026-01-01' values", // the partition's static cell, set on target only, is read with each of its rows
    "id=1,at='2026-01-02' values",
    "id=2,at='2026-01-03' extra-on-target",
    "id=3,at='2026-01-04' writetime",
    "id=4,at='2026-01-05' writetime",
    "id=5,at='2026-01-06' missing-on-target",
    "id=6,at='2026-01-07' values",
  ]);
  assert.deepEqual({ table: same!.table, matches: same!.matches, rowsCompared: same!.rowsCompared, differences: same!.differences }, { table: `${ks}.same`, matches: true, rowsCompared: 300, differences: [] }, 'NaN compares by its bytes');
});

it('prints the same for a person, and exits 0 when every table agrees', { timeout }, async () => {
  const differing = await runCli(['verify', `${ks}.events`], env);
  assert.equal(differing.code, 1);
  assert.match(differing.stdout, new RegExp(`^${ks}\\.events: 7 rows differ \\(299 rows on origin, 299 on target; \\d of 32 token ranges differ\\)$`, 'm'));
  assert.match(differing.stdout, /^ {2}missing on target {2}id=5, at='2026-01-06'$/m);
  assert.match(differing.stdout, /^ {2}extra on target {4}id=2, at='2026-01-03'$/m);
  const agreeing = await runCli(['verify', `${ks}.same`], env);
  assert.equal(agreeing.code, 0, agreeing.stderr);
  assert.equal(agreeing.stdout.trim(), `${ks}.same: origin and target agree (300 rows on origin, 300 on target; 32 token ranges)`);
});

it('reads no more rows a second from each cluster than VERIFY_RATE', { timeout }, async () => {
  const started = performance.now();
  const paced = await runCli(['verify', `${ks}.same`], { ...env, VERIFY_RATE: '100' });
  assert.equal(paced.code, 0, paced.stderr);
  // 300 rows on each cluster at 100 a second: the first page is read at once, the rest take about 3 s.
  assert.ok(performance.now() - started >= 2500, `${Math.round(performance.now() - started)} ms`);
});

it('says what is wrong with what it is asked: a table origin lacks, bad arguments, no migration to take tables from', { timeout }, async () => {
  const missing = await runCli(['verify', `${ks}.nope`], env);
  assert.deepEqual([missing.code, missing.stderr.trim()], [1, `${ks}.nope: no such table on origin`]);
  const usage = await runCli(['verify', 'no_dot', '--ranges', '0'], env);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--ranges takes a whole number from 1 to 65536, not "0"/);
  const none = await runCli(['verify'], env);
  assert.deepEqual([none.code, none.stderr.trim()], [1, 'nothing to verify: name tables or collections (cutover verify keyspace.table ...), or start a migration']);
});

it('--repair makes target agree, but for the rows target has a newer version of, and says which', { timeout }, async () => {
  const result = await runCli(['verify', `${ks}.events`, '--repair', '--json', '--ranges', '8'], env);
  const { repair } = JSON.parse(result.stdout) as { repair: { rows: number; failed: unknown[]; differences: { key: Record<string, string>; kind: string }[] } };
  assert.deepEqual([repair.rows, repair.failed], [7, []]);
  // Target's versions of these are newer than origin's (written at 2000 or 1001, origin's at 1000): a repair never undoes a newer write.
  assert.deepEqual(repair.differences.map((d) => `${Object.values(d.key).join(',')} ${d.kind}`).sort(), [
    "0,'2026-01-01' values", // the static cell target set at 2000
    "1,'2026-01-02' values",
    "3,'2026-01-04' writetime",
    "5,'2026-01-06' missing-on-target", // deleted on target at 2000
  ]);
  assert.equal(result.code, 1);
  const again = await runCli(['verify', `${ks}.events`, '--repair'], env);
  assert.match(again.stdout, new RegExp(`^${ks}\\.events: wrote origin's version of 4 rows to target \\(\\d+ writes\\)$`, 'm'));
  assert.match(again.stdout, new RegExp(`^${ks}\\.events: compared again, 4 rows still differ \\(target has a newer write, or it changed since\\)$`, 'm'));
  assert.equal(again.code, 1);
});

it('the commit gate: reads move to target, and the migration completes, only once every table is verified without a difference', { timeout }, async () => {
  const started = await runCli(['control', 'start', `${ks}.same`, '--issuer', 'ops'], env);
  assert.equal(started.code, 0, started.stderr);
  const early = await runCli(['control', 'set-primary', 'target'], env);
  assert.equal(early.code, 1);
  assert.match(early.stderr, new RegExp(`^rejected: the commit gate is closed: ${ks}\\.same is not verified\\. Verify the tables \\(cutover verify\\), or force it with a reason$`, 'm'));
  const before = new Date().toISOString();
  const verified = await runCli(['verify'], env); // the migration's tables
  assert.equal(verified.code, 0, verified.stderr);
  const waiting = await runCli(['state'], env);
  assert.match(waiting.stdout, new RegExp(`^commit gate: closed, waiting for: what changed in ${ks}\\.same since its verification began is not verified: cutover verify --changed-since \\S+ ${ks}\\.same$`, 'm'));
  const rechecked = await runCli(['verify', '--changed-since', before], env);
  assert.equal(rechecked.code, 0, rechecked.stderr);
  const state = await runCli(['state'], env);
  assert.match(state.stdout, new RegExp(`^${ks}\\.same .* yes, 300 rows \\(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\); changes since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d: agree$`, 'm'));
  assert.match(state.stdout, /^commit gate: open/m);
  for (const command of [['set-primary', 'target'], ['complete']]) {
    const result = await runCli(['control', ...command], env);
    assert.equal(result.code, 0, result.stderr);
  }
  const audit = await runCli(['audit'], env);
  assert.match(audit.stdout, new RegExp(`accepted\\s+verified ${ks}\\.same: 300 rows compared, 0 differing\\s+cutover verify`));
  assert.match(audit.stdout, new RegExp(`accepted\\s+verified the partitions of ${ks}\\.same written since ${before.replaceAll('.', '\\.')}: 0 rows compared, 0 differing\\s+cutover verify`));
  assert.match(audit.stdout, /accepted\s+migration completed\s*$/m);
});

it('the commit gate names a table that differed; --force with a reason goes past it, and the audit says what it overrode', { timeout }, async () => {
  const other = { KAFKA_TOPIC_PREFIX: `${ks}-forced.` };
  assert.equal((await runCli(['control', 'start', `${ks}.events`], other)).code, 0);
  const verified = await runCli(['verify', '--json'], other);
  assert.equal(verified.code, 1);
  const closed = await runCli(['control', 'set-primary', 'target'], other);
  assert.match(closed.stderr, new RegExp(`^rejected: the commit gate is closed: ${ks}\\.events had 4 differing rows at its last verification\\.`, 'm'));
  const unexplained = await runCli(['control', 'set-primary', 'target', '--force'], other);
  assert.deepEqual([unexplained.code, unexplained.stderr.trim()], [1, 'rejected: forcing a command past the commit gate needs a reason, for the audit']);
  const forced = await runCli(['control', 'set-primary', 'target', '--force', '--reason', 'origin is failing', '--issuer', 'carol'], other);
  assert.equal(forced.code, 0, forced.stderr);
  const audit = await runCli(['audit'], other);
  assert.match(audit.stdout, new RegExp(`carol\\s+accepted\\s+primary is now target \\(forced past the commit gate, which waited for: ${ks}\\.events had 4 differing rows at its last verification\\)\\s+origin is failing`));
  const state = JSON.parse((await runCli(['state', '--json'], other)).stdout) as { commitGate: string[]; tables: Record<string, { verified: { differingRows: { key: string; kind: string; repaired: boolean }[] } }> };
  assert.deepEqual(state.commitGate, [`${ks}.events had 4 differing rows at its last verification`]);
  // The rows themselves are facts of the migration, for the console and the audit.
  assert.deepEqual(state.tables[`${ks}.events`]!.verified.differingRows.map((r) => `${r.key} ${r.kind} ${r.repaired}`).sort(), [
    "id=0, at='2026-01-01' values false",
    "id=1, at='2026-01-02' values false",
    "id=3, at='2026-01-04' writetime false",
    "id=5, at='2026-01-06' missing-on-target false",
  ]);
});
