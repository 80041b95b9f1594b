import { readFileSync } from 'node:fs';

/** Linux counts CPU time in ticks of 10 ms. */
const TICKS_PER_SECOND = 100;

/** CPU the whole machine has been busy, seconds, from /proc/stat (every CPU, all but idle and iowait). */
export function machineCpuSeconds(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = ticks;
  return (user! + nice! + system! + irq! + softirq! + steal!) / TICKS_PER_SECOND;
}

/** CPU a process has used, seconds, from its /proc/<pid>/stat line: utime + stime, or with `children` what it has waited for. */
export function processCpuSeconds(statLine: string, children = false): number {
  const fields = statLine.split(') ')[1]!.split(' ');
  return (children ? Number(fields[13]) + Number(fields[14]) : Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}
