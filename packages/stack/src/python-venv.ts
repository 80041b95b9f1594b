import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** A set of PyPI packages, every one pinned so the venv is the same on every machine, and what they are for (said when Python is missing). */
export interface PythonRequirements {
  readonly purpose: string;
  readonly packages: readonly string[];
}

export interface PythonVenv {
  readonly dir: string;
  readonly python: string;
  /** The venv's bin/ directory: its packages' scripts (cqlsh, …). */
  readonly bin: string;
}

/**
 * Makes sure a virtualenv with `requirements` is in `<home>/venv/<hash>`, creating it the first
 * time (a minute or two at most). The venv is built in a temporary directory beside it and
 * renamed into place only once complete, so an interrupted install is simply redone. The hash
 * covers the pins and the interpreter's version, since binary wheels are built for one Python.
 */
export async function pythonVenv(home: string, requirements: PythonRequirements): Promise<PythonVenv> {
  const interpreter = await python3Version(requirements.purpose);
  const hash = createHash('sha256').update(['venv layout 2', ...requirements.packages, interpreter].join('\n')).digest('hex').slice(0, 12);
  const dir = join(home, 'venv', hash);
  const venv = { dir, python: join(dir, 'bin', 'python'), bin: join(dir, 'bin') };
  // Written last: a venv with it is complete.
  const complete = join(dir, 'cutover-complete');
  if (existsSync(complete)) return venv;

  await mkdir(dirname(dir), { recursive: true });
  const staging = await mkdtemp(`${dir}.partial-`);
  try {
    await run('python3', ['-m', 'venv', '--prompt', 'cutover-tests', staging], 'creating a Python virtualenv');
    await run(join(staging, 'bin', 'pip'), ['install', '--disable-pip-version-check', '-q', ...requirements.packages], `pip install ${requirements.packages.join(' ')}`);
    await repointScripts(staging, dir);
    await writeFile(join(staging, 'cutover-complete'), requirements.packages.join('\n'));
    try {
      await rename(staging, dir);
    } catch (error) {
      // Another process finished the same venv first: use theirs.
      if (!existsSync(complete)) throw error;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return venv;
}

async function python3Version(purpose: string): Promise<string> {
  try {
    const { stdout } = await exec('python3', ['-c', 'import sys; print(sys.version)']);
    return stdout.trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`python3 is not installed: ${purpose} need Python 3.10 or newer with its venv module (apt-get install python3 python3-venv)`);
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
