/**
 * What benchmarks measure of processes: a command run to its end (wall clock and the CPU of
 * everything it ran), and the CPU of the local stack's servers and of the whole machine.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '@cutover/config';
import { LocalStack, type ServerName } from '@cutover/stack';
import { machineCpuSeconds, processCpuSeconds } from './cpu.ts';

export const round2 = (n: number): number => Math.round(n * 100) / 100;

export interface Ran {
  readonly seconds: number;
  /** CPU of the process and everything it waited for. */
  readonly cpuSeconds: number;
  readonly stdout: string;
}

/**
 * Runs a command to its end, wall clock. It runs under a shell that, once the command has exited,
 * writes its own /proc stat: its children's CPU (cutime + cstime) is then exactly the command's,
 * which /proc no longer has once the command is gone. `allowed`: exit codes that are no failure.
 */
export async function run(what: string, command: string, args: readonly string[], env: Readonly<Record<string, string>> = {}, allowed: readonly number[] = [0]): Promise<Ran> {
  const statFile = join(tmpdir(), `cutover-bench-stat-${randomBytes(4).toString('hex')}`);
  const started = performance.now();
  const child = spawn('/bin/sh', ['-c', '"$@"; status=$?; cat /proc/$$/stat > "$BENCH_STAT_FILE"; exit $status', 'sh', command, ...args], {
    env: { ...process.env, ...env, BENCH_STAT_FILE: statFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    output = (output + chunk.toString()).slice(-6000);
  });
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-6000)));
  const [code] = (await once(child, 'close')) as [number | null];
  const seconds = (performance.now() - started) / 1000;
  if (code === null || !allowed.includes(code)) throw new Error(`${what} failed (exit ${code}):\n${output.trim().split('\n').slice(-25).join('\n')}`);
  const cpu = processCpuSeconds(await readFile(statFile, 'utf8'), true);
  await rm(statFile, { force: true });
  return { seconds, cpuSeconds: cpu, stdout };
}

/** Each server's pid and CPU seconds, and the machine's CPU seconds (all but idle and iowait, from /proc/stat): what else ran shows there. */
export type CpuSample = Record<string, { pid: number | null; cpu: number }>;

export async function stackCpu(config: Config, servers: readonly ServerName[]): Promise<CpuSample> {
  const sample: CpuSample = { machine: { pid: null, cpu: machineCpuSeconds() } };
  // Looked up every time: the stack is shared, and a server restarted meanwhile has a new pid.
  for (const s of await new LocalStack(config).status(servers)) {
    const stat = s.pid == null ? undefined : await readFile(`/proc/${s.pid}/stat`, 'utf8').catch(() => undefined);
    if (stat !== undefined) sample[s.name] = { pid: s.pid, cpu: processCpuSeconds(stat) };
  }
  return sample;
}

/** CPU seconds spent between two samples; null for a server that was restarted (or stopped) in between. */
export function cpuBetween(before: CpuSample, after: CpuSample): Record<string, number | null> {
  return Object.fromEntries(
    Object.keys(before).map((name) => {
      const [b, a] = [before[name], after[name]];
      return [name, b === undefined || a === undefined || b.pid !== a.pid ? null : round2(a.cpu - b.cpu)];
    }),
  );
}
