import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Config } from '@cutover/config';

const BIN = fileURLToPath(new URL('../../../../bin/cutover.js', import.meta.url));

/** Where the demo's console keeps its pid and what it printed: beside the stack's servers. */
function files(config: Config): { pid: string; out: string } {
  return { pid: join(config.stack.dir, 'console.pid'), out: join(config.stack.dir, 'console.out') };
}

/**
 * Starts `cutover console` for the demo's migration (topic prefix `prefix`), detached so that it
 * outlives the demo and runs on with the stack (`cutover stack down` stops it). The console of
 * an earlier demo gives way first. Resolves with its address, the token in it; or with why not.
 */
export async function startDemoConsole(config: Config, prefix: string): Promise<{ url: string } | { failure: string }> {
  await stopDemoConsole(config);
  const { pid, out } = files(config);
  mkdirSync(config.stack.dir, { recursive: true });
  const token = randomBytes(18).toString('base64url');
  const output = openSync(out, 'w');
  const child = spawn(process.execPath, [BIN, 'console'], { detached: true, stdio: ['ignore', output, output], env: { ...process.env, KAFKA_TOPIC_PREFIX: prefix, CONSOLE_TOKEN: token } });
  closeSync(output);
  child.unref();
  writeFileSync(pid, String(child.pid));
  for (let waited = 0; waited < 60_000; waited += 200) {
    const printed = readFileSync(out, 'utf8');
    const url = /console: (http\S+)/.exec(printed)?.[1];
    if (url !== undefined) return { url: `${url}#token=${token}` };
    if (child.exitCode !== null) return { failure: `it stopped: ${printed.trim().split('\n').at(-1) ?? ''}` };
    await delay(200);
  }
  return { failure: `it did not say where it listens within a minute (see ${out})` };
}

/** Stops the demo's console if it runs; whether it did. */
export async function stopDemoConsole(config: Config): Promise<boolean> {
  const { pid } = files(config);
  let running: number;
  try {
    running = Number(readFileSync(pid, 'utf8'));
    process.kill(running, 'SIGTERM');
  } catch {
    return false;
  } finally {
    rmSync(pid, { force: true });
  }
  for (let waited = 0; waited < 10_000; waited += 100) {
    try {
      process.kill(running, 0);
    } catch {
      return true;
    }
    await delay(100);
  }
  process.kill(running, 'SIGKILL');
  return true;
}
