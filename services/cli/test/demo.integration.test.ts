import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runCli } from './run-cli.ts';

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
});
