import { ConfigError, loadConfig } from '@cutover/config';
import { ProxyError } from '@cutover/proxy';
import { StackError } from '@cutover/stack';
import { MigratorError } from '@cutover/table-migrator';
import { CONSOLE_USAGE, consoleCommand } from './commands/console.js';
import { CONTROL_USAGE, auditCommand, controlCommand, stateCommand } from './commands/control.js';
import { demoCommand } from './commands/demo.js';
import { LOG_USAGE, logCommand } from './commands/log.js';
import { MIGRATE_USAGE, migrateCommand } from './commands/migrate.js';
import { proxyCommand } from './commands/proxy.js';
import { STACK_USAGE, stackCommand } from './commands/stack.js';
import { TOPICS_USAGE, topicsCommand } from './commands/topics.js';
import { REPLAY_USAGE, replayCommand } from './commands/replay.js';
import { VERIFY_USAGE, verifyCommand } from './commands/verify.js';
import { consoleOutput, type Output } from './output.js';
import { UsageError } from './usage.js';

const USAGE = `cutover: zero-downtime migrations to a Cassandra-compatible cluster

usage: cutover [--config file.yaml] <command> ...

commands:
  stack   run the local stack of real servers (Kafka, origin and target Cassandra, S3, MongoDB)
  demo    bring the stack up and run the demo workload against it
  proxy   run the dual-write CQL proxy (drivers connect to PROXY_QUERY_PORT)
  topics  create Cutover's Kafka topics, or check them against the catalogue
  control issue a control command (start, reorder, re-migrate, pause, resume, switch primary, ...)
  migrate copy the migration's tables to target
  state   the migration's state, rebuilt from the control log
  audit   who did what, when and why
  log     read the mutation log: what the proxies intercepted and what each cluster answered
  verify  compare origin and target now, row by row, and name every row that differs
  replay  replay the mutation log into a scratch keyspace and check it holds what origin has
  console the web page and HTTP API to run a migration, and a schema registry for its topics

Settings come from environment variables and the optional YAML file (--config or CUTOVER_CONFIG);
see the README's configuration reference.

${STACK_USAGE}

${TOPICS_USAGE}

${CONTROL_USAGE}

${MIGRATE_USAGE}

${LOG_USAGE}

${VERIFY_USAGE}

${REPLAY_USAGE}

${CONSOLE_USAGE}`;

/** Runs the CLI and returns its exit code: 0 ok, 1 failed, 2 bad usage or configuration, 3 not all up. */
export async function main(argv: readonly string[], io: Output = consoleOutput): Promise<number> {
  try {
    const { config: file, help, command, args } = splitGlobalOptions(argv);
    if (help || command === undefined || command === 'help') {
      io.out(USAGE);
      return help || command === 'help' ? 0 : 2;
    }
    const config = loadConfig(file === undefined ? {} : { file });
    switch (command) {
      case 'stack':
        return await stackCommand(args, config, io);
      case 'demo':
        return await demoCommand(args, config, io);
      case 'proxy':
        return await proxyCommand(args, config, io);
      case 'topics':
        return await topicsCommand(args, config, io);
      case 'control':
        return await controlCommand(args, config, io);
      case 'migrate':
        return await migrateCommand(args, config, io);
      case 'state':
        return await stateCommand(args, config, io);
      case 'audit':
        return await auditCommand(args, config, io);
      case 'log':
        return await logCommand(args, config, io);
      case 'verify':
        return await verifyCommand(args, config, io);
      case 'replay':
        return await replayCommand(args, config, io);
      case 'console':
        return await consoleCommand(args, config, io);
      default:
        throw new UsageError(`unknown command "${command}"; try cutover --help`);
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError) {
      io.err(error.message);
      return 2;
    }
    if (error instanceof StackError || error instanceof ProxyError || error instanceof MigratorError) {
      io.err(`error [${error.code}]: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

/** Global options come before the command, as with git: `cutover --config x.yaml stack up`. */
function splitGlobalOptions(argv: readonly string[]): { config?: string; help: boolean; command?: string; args: string[] } {
  let config: string | undefined;
  let help = false;
  let i = 0;
  for (; i < argv.length && argv[i]!.startsWith('-'); i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') help = true;
    else if (arg.startsWith('--config=')) config = arg.slice('--config='.length);
    else if (arg === '--config' && i + 1 < argv.length) config = argv[++i];
    else throw new UsageError(arg === '--config' ? '--config needs a file' : `unknown option ${arg}; try cutover --help`);
  }
  return { ...(config === undefined ? {} : { config }), help, ...(i < argv.length ? { command: argv[i]! } : {}), args: argv.slice(i + 1) };
}
