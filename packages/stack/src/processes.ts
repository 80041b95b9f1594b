import { execFile, spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * Every process the stack starts carries this system property with its own state directory,
 * so `down` and `status` recognise our processes by pid *and* command line, and never touch a
 * process that merely reused a recorded pid.
 */
export function markerArg(dir: string): string {
  return `-Dcutover.stack=${dir}`;
}

export interface Started {
  readonly pid: number;
}

/** Starts a server detached from this process, output appended to `logFile`, pid recorded in `pidFile`. */
export async function startDetached(
  command: string,
  args: readonly string[],
  options: { cwd: string; logFile: string; pidFile: string; env: NodeJS.ProcessEnv },
): Promise<Started> {
  const log = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', log, log] });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid!));
      child.once('error', reject);
    });
    child.unref();
    await writeFile(options.pidFile, `${pid}\n`);
    return { pid };
  } finally {
    closeSync(log);
  }
}

export function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` is alive and is the server whose state directory is `dir` (zombies are not alive). */
export async function isOurs(pid: number, dir: string): Promise<boolean> {
  try {
    const { stdout } = await execFileAsync('ps', ['-ww', '-o', 'args=', '-p', String(pid)]);
    return stdout.includes(markerArg(dir));
  } catch {
    return false; // ps exits 1 when there is no such process
  }
}

/** SIGTERM, then SIGKILL if the process has not gone within `graceMs`. */
export async function stopProcess(pid: number, dir: string, graceMs: number): Promise<void> {
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (await isOurs(pid, dir)) {
    if (Date.now() > deadline) {
      signal(pid, 'SIGKILL');
      await waitGone(pid, dir);
      return;
    }
    await delay(200);
  }
}

async function waitGone(pid: number, dir: string): Promise<void> {
  for (let i = 0; i < 50 && (await isOurs(pid, dir)); i++) await delay(100);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** The last `lines` lines of a log file, or a note that there is none. */
export function tail(file: string, lines: number): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}
