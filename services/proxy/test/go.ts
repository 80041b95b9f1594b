import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { configWith } from './support.ts';

const exec = promisify(execFile);

/** The Go module of the gocql workload: its go.mod and go.sum pin the driver (github.com/apache/cassandra-gocql-driver/v2). */
const moduleDir = fileURLToPath(new URL('go/', import.meta.url));
const moduleFiles = ['go.mod', 'go.sum', 'main.go'];

/** `go` from the PATH, else where the official Go release installs itself. */
async function goCommand(): Promise<{ go: string; version: string }> {
  for (const go of ['go', '/usr/local/go/bin/go']) {
    try {
      const { stdout } = await exec(go, ['version']);
      return { go, version: stdout.trim() };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new Error('go is not installed: the gocql driver tests need Go 1.21 or newer on the PATH (Debian 12\'s golang-go is 1.19, too old)');
}

/**
 * The gocql workload's binary in `<home>/go-workload/<hash>/workload`, built with `go build` the
 * first time (the modules come from the Go module proxy through the usual module cache) and
 * reused afterwards. The hash covers the module's files and the Go version. The binary is built
 * in a directory beside it and renamed into place once complete, so an interrupted build is
 * simply redone.
 */
export async function goWorkload(): Promise<string> {
  const { go, version } = await goCommand();
  const hash = createHash('sha256').update(version);
  for (const file of moduleFiles) hash.update(`\n${file}\n`).update(await readFile(join(moduleDir, file)));
  const dir = join(configWith().stack.home, 'go-workload', hash.digest('hex').slice(0, 12));
  const binary = join(dir, 'workload');
  if (existsSync(binary)) return binary;

  await mkdir(dirname(dir), { recursive: true });
  const staging = await mkdtemp(`${dir}.partial-`);
  try {
    // -mod=readonly: go.sum as committed, never rewritten; GOTOOLCHAIN=local: no other Go fetched.
    await exec(go, ['build', '-mod=readonly', '-trimpath', '-buildvcs=false', '-o', join(staging, 'workload'), '.'], {
      cwd: moduleDir,
      env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '' },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 600_000,
    }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`go build of ${moduleDir} failed: ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`.trimEnd(), { cause: error });
    });
    try {
      await rename(staging, dir);
    } catch (error) {
      // Another process built the same binary first: use theirs.
      if (!existsSync(binary)) throw error;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return binary;
}
