/**
 * `npm test` and `npm run test:unit`.
 *
 *   tsx scripts/run-tests.ts unit   unit tests only, no servers
 *   tsx scripts/run-tests.ts all    the local stack up, then every test, then the stack down again
 *                                   (unless it was already running, or CUTOVER_KEEP_STACK=1); a
 *                                   stack it starts lives in $CUTOVER_HOME/test-stack, from empty
 *                                   data, unless CUTOVER_STACK_DIR says where
 *
 * Node 20's test runner does not expand globs, so the files are found here.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@cutover/config';

const root = fileURLToPath(new URL('..', import.meta.url));
const mode = process.argv[2] ?? 'all';
if (mode !== 'unit' && mode !== 'all') {
  console.error(`usage: run-tests.ts unit|all (got "${mode}")`);
  process.exit(2);
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? testFiles(path) : entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const files = ['packages', 'services', 'replay-tests', 'bench']
  .flatMap((dir) => testFiles(join(root, dir)))
  .filter((file) => mode === 'all' || !file.endsWith('.integration.test.ts'))
  .map((file) => relative(root, file))
  .sort();

function phase(name: string, fn: () => number): number {
  const started = Date.now();
  const status = fn();
  console.log(`phase ${name}: ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return status;
}

function run(command: string, args: string[]): number {
  return spawnSync(command, args, { cwd: root, stdio: 'inherit' }).status ?? 1;
}

const cli = (...args: string[]): number => run(process.execPath, [join(root, 'bin', 'cutover.js'), ...args]);
const quietStatus = (): number => spawnSync(process.execPath, [join(root, 'bin', 'cutover.js'), 'stack', 'status'], { cwd: root, stdio: 'ignore' }).status ?? 1;

let startedStack = false;
/** The tests' own stack, when they start one: from empty data each run, removed afterwards. */
let testStackDir: string | undefined;
if (mode === 'all') {
  let up = quietStatus() === 0;
  // What earlier runs left (hundreds of keyspaces, gigabytes of Kafka log) would slow the
  // servers down a little more each run; a stack the user placed is left as it is.
  if (!up && process.env['CUTOVER_STACK_DIR'] === undefined) {
    process.env['CUTOVER_STACK_DIR'] = testStackDir = join(loadConfig().stack.home, 'test-stack');
    up = quietStatus() === 0;
  }
  if (up) {
    console.log(`the local stack is already running${testStackDir === undefined ? '' : ` (${testStackDir})`}: reusing it`);
    testStackDir = undefined;
  } else {
    if (testStackDir !== undefined) rmSync(testStackDir, { recursive: true, force: true });
    startedStack = true;
    if (phase('stack up', () => cli('stack', 'up')) !== 0) {
      cli('stack', 'down'); // whatever did start
      process.exit(1);
    }
  }
}

// A cap on every test and hook, and an exit a little after a file's tests are done even if
// something left a handle open (scripts/exit-when-done.ts): a hung test fails its file
// instead of hanging the whole run, and no test's result is lost. Node 20's cap applies to a
// whole file too, so the few files that work at scale (`*.long.integration.test.ts`, minutes
// each) run in a phase of their own with a longer one.
const runner = (capMs: number): string[] => ['--import', 'tsx', '--import', './scripts/exit-when-done.ts', '--test', `--test-timeout=${capMs}`];
const long = files.filter((file) => file.endsWith('.long.integration.test.ts'));
const short = files.filter((file) => !long.includes(file));
const statuses = [phase(`${mode === 'all' ? '' : 'unit '}tests (${short.length} files)`, () => run(process.execPath, [...runner(300_000), ...short]))];
if (long.length > 0) statuses.push(phase(`long tests (${long.length} files)`, () => run(process.execPath, [...runner(1_800_000), ...long])));
const status = statuses.find((s) => s !== 0) ?? 0;

if (startedStack && process.env['CUTOVER_KEEP_STACK'] !== '1') {
  phase('stack down', () => cli('stack', 'down'));
  if (testStackDir !== undefined) rmSync(testStackDir, { recursive: true, force: true });
}
process.exit(status);
