import { parseArgs } from 'node:util';
import type { Config } from '@cutover/config';
import { LocalStack } from '@cutover/stack';
import { stopDemoConsole } from './demo-console.js';
import { table, type Output } from '../output.js';
import { UsageError } from '../usage.js';

export const STACK_USAGE = `cutover stack <command>

  up [server...]                 provision (first time) and start the servers; running ones are reused
  down [server...]               stop the servers this stack started
  status [server...] [--json]    what is up: name, address, state, pid
  logs [server...] [-n lines]    the end of each server's log

servers: kafka, origin, target, s3, mongo (default: all)`;

export async function stackCommand(args: string[], config: Config, io: Output): Promise<number> {
  const [sub, ...rest] = args;
  const stack = new LocalStack(config, (line) => io.err(line));
  switch (sub) {
    case 'up': {
      const started = Date.now();
      const names = parseArgs({ args: rest, allowPositionals: true }).positionals;
      await stack.up(names);
      io.out(`stack up in ${((Date.now() - started) / 1000).toFixed(1)}s; logs under ${config.stack.dir}`);
      return 0;
    }
    case 'down': {
      const names = parseArgs({ args: rest, allowPositionals: true }).positionals;
      // The demo's console runs with the stack, and stops with all of it.
      const consoleStopped = names.length === 0 && (await stopDemoConsole(config));
      const stopped = [...(consoleStopped ? ['console'] : []), ...(await stack.down(names)).filter((r) => r.pid !== null).map((r) => r.name)];
      io.out(stopped.length === 0 ? 'nothing of ours was running' : `stopped ${stopped.join(', ')}`);
      return 0;
    }
    case 'status': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean' } } });
      const status = await stack.status(positionals);
      if (values.json === true) {
        io.out(JSON.stringify(status.map(({ name, address, state, pid, description, log }) => ({ name, address, state, pid, description, log })), null, 2));
      } else {
        const rows = status.map((s) => [s.name, s.state, s.address, s.pid === null ? '-' : String(s.pid), s.description]);
        for (const line of table([['SERVER', 'STATE', 'ADDRESS', 'PID', 'WHAT'], ...rows])) io.out(line);
      }
      return status.every((s) => s.state === 'running') ? 0 : 3;
    }
    case 'logs': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { lines: { type: 'string', short: 'n', default: '40' } } });
      const lines = Number(values.lines);
      if (!Number.isInteger(lines) || lines < 1) throw new UsageError(`--lines must be a positive whole number, not "${values.lines}"`);
      for (const { name, text } of stack.logs(positionals, lines)) io.out(`==> ${name} (${stack.logFile(name)}) <==\n${text}\n`);
      return 0;
    }
    default:
      throw new UsageError(sub === undefined ? STACK_USAGE : `unknown stack command "${sub}"\n\n${STACK_USAGE}`);
  }
}
