import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { StackError, findJava17 } from '../src/index.ts';
import { provision } from '../src/provision.ts';

it('a download that fails is a DOWNLOAD_FAILED naming the artifact, and installs nothing', { timeout: 120_000 }, async () => {
  const config = loadConfig();
  const home = mkdtempSync(join(tmpdir(), 'cutover-home-'));
  // Share the Maven repository, so only the missing artifact is asked of Maven Central.
  mkdirSync(join(config.stack.home, 'm2'), { recursive: true });
  symlinkSync(join(config.stack.home, 'm2'), join(home, 'm2'));
  const missing = { id: 'missing-1', artifacts: ['dev.cutover.test:no-such-artifact:0.0.1'] };
  await assert.rejects(provision(missing, home, findJava17(config.stack.javaHome)), (error: unknown) => {
    assert.ok(error instanceof StackError);
    assert.equal(error.code, 'DOWNLOAD_FAILED');
    assert.match(error.message, /^downloading missing-1 from Maven Central failed \(exit \d+\):/);
    assert.match(error.message, /no-such-artifact/);
    return true;
  });
  assert.equal(existsSync(join(home, 'dist', 'missing-1')), false);
});
