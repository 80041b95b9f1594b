import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { configWith } from './support.ts';

const exec = promisify(execFile);

/**
 * The Python packages the proxy is tested with, from PyPI, every one pinned so the venv is
 * the same on every machine. cassandra-driver 3.30.1 ships a CPython 3.11 manylinux wheel
 * (no C build); cqlsh 6.2.2 is the standalone cqlsh of Cassandra 5.0 and requires only
 * cassandra-driver, pure-sasl and wcwidth. The rest are the driver's own dependencies
 * (geomet and its click, Deprecated and its wrapt), pinned to what pip resolves today.
 */
export const PYTHON_REQUIREMENTS = [
  'cassandra-driver==3.30.1',
  'cqlsh==6.2.2',
  'geomet==1.1.0',
  'click==8.5.1',
  'Deprecated==1.3.1',
  'wrapt==2.5.2',
  'pure-sasl==0.6.2',
  'wcwidth==0.9.4',
] as const;

export interface PythonVenv {
  readonly dir: string;
  readonly python: string;
  readonly cqlsh: string;
}

/**
 * Makes sure a virtualenv with {@link PYTHON_REQUIREMENTS} is in `$CUTOVER_HOME/venv/<hash>`,
 * creating it the first time (a minute or two at most). The venv is built in a temporary
 * directory beside it and renamed into place only once complete, so an interrupted install
 * is simply redone. The hash covers the pins and the interpreter's version, since the driver's
 * wheel is built for one Python.
 */
export async function pythonVenv(home = configWith().stack.home): Promise<PythonVenv> {
  const interpreter = await python3Version();
  const hash = createHash('sha256').update([...PYTHON_REQUIREMENTS, interpreter].join('\n')).digest('hex').slice(0, 12);
  const dir = join(home, 'venv', hash);
  const venv = { dir, python: join(dir, 'bin', 'python'), cqlsh: join(dir, 'bin', 'cqlsh') };
  if (existsSync(venv.cqlsh)) return venv;

  await mkdir(dirname(dir), { recursive: true });
  const staging = await mkdtemp(`${dir}.partial-`);
  try {
    await run('python3', ['-m', 'venv', '--prompt', 'cutover-tests', staging], 'creating a Python virtualenv');
    await run(join(staging, 'bin', 'pip'), ['install', '--disable-pip-version-check', '-q', ...PYTHON_REQUIREMENTS], `pip install ${PYTHON_REQUIREMENTS.join(' ')}`);
    await repointScripts(staging, dir);
    try {
      await rename(staging, dir);
    } catch (error) {
      // Another test process finished the same venv first: use theirs.
      if (!existsSync(venv.cqlsh)) throw error;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return venv;
}

async function python3Version(): Promise<string> {
  try {
    const { stdout } = await exec('python3', ['-c', 'import sys; print(sys.version)']);
    return stdout.trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('python3 is not installed: the Python driver and cqlsh tests need Python 3.10 or newer with its venv module (apt-get install python3 python3-venv)');
    }
    throw error;
  }
}

/** A venv's scripts name its own directory (shebangs, activate): point them at where it will live. */
async function repointScripts(staging: string, dir: string): Promise<void> {
  const bin = join(staging, 'bin');
  for (const entry of await readdir(bin, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(bin, entry.name);
    const text = await readFile(path, 'latin1');
    if (text.includes(staging)) await writeFile(path, text.split(staging).join(dir), 'latin1');
  }
}

async function run(command: string, args: string[], what: string): Promise<void> {
  try {
    await exec(command, args, { maxBuffer: 16 * 1024 * 1024, timeout: 600_000 });
  } catch (error) {
    const { stdout = '', stderr = '', message } = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${what} failed: ${message}\n${stdout}${stderr}`.trimEnd(), { cause: error });
  }
}
