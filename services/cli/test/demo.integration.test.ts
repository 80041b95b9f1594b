import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { stopDemoConsole } from '../src/commands/demo-console.ts';
import { runCli } from './run-cli.ts';

after(async () => {
  assert.equal(await stopDemoConsole(loadConfig()), true, 'the demo left its console running');
});

it('cutover demo runs every step against the stack and the proxy, and every check passes', { timeout: 420_000 }, async () => {
  const demo = await runCli(['demo']);
  assert.equal(demo.code, 0, demo.stdout + demo.stderr);
  const checks = demo.stdout.split('\n').filter((line) => /^ {2}(ok {2}|FAIL) /.test(line));
  assert.equal(checks.filter((line) => line.includes('FAIL')).length, 0, demo.stdout);
  assert.ok(checks.length >= 12, `${checks.length} checks ran`);
  assert.match(demo.stdout, /a write through the proxy is on both clusters with one writetime \(\d{16}\)/);
  assert.match(demo.stdout, /copied \d+ rows of 3 tables in [\d.]+ s \(\d+ rows\/s\) while the application made [1-9]\d* writes through the proxy/);
  assert.match(demo.stdout, /ok +target equals origin: \d+ rows, same values and writetimes; mismatching token ranges: 0/);
  assert.match(demo.stdout, /copied 20000 documents to cutover_demo_docs\.orders in [\d.]+ s while the application made [1-9]\d* changes in MongoDB/);
  assert.match(demo.stdout, /ok +collection cutover_demo_docs\.orders verified: \d+ documents on MongoDB, \d+ on target, 0 mismatches/);
  assert.match(demo.stdout, /^Demo complete/m);
  // Its console runs on, and shows the demo's migration: the three tables copied, the collection copied and verified.
  const url = /The console, to watch the migration live \(it keeps running with the stack\): (http:\/\/\S+)#token=(\S+)/.exec(demo.stdout);
  assert.ok(url !== null, demo.stdout);
  const api = async (path: string): Promise<unknown> => (await fetch(`${url[1]}api/v1/${path}`, { headers: { authorization: `Bearer ${url[2]}` } })).json();
  assert.equal(((await api('state')) as { status: string }).status, 'running');
  const tables = (await api('tables')) as { name: string; phase: string }[];
  assert.equal(tables.length, 3);
  for (const table of tables) assert.ok(['copied', 'verified', 'mismatched'].includes(table.phase), `${table.name} copied: ${table.phase}`);
  const [collection] = (await api('collections')) as { name: string; phase: string; verified: { differences: number } | null }[];
  assert.deepEqual([collection?.name, collection?.phase, collection?.verified?.differences], ['cutover_demo_docs.orders', 'following', 0]);
  assert.doesNotMatch(demo.stdout + demo.stderr, /^\{"level"/m, 'no JSON log lines in the terminal');
});
