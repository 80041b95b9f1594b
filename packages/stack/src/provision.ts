import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEPENDENCY_PLUGIN, renderPom, type Distribution } from './distributions.js';
import { StackError, type StackErrorCode } from './errors.js';

export interface Installed {
  /** Directory of every jar the server needs. */
  readonly lib: string;
  /** Compiled launcher classes, when the distribution has one. */
  readonly classes?: string;
}

/**
 * Makes sure a distribution is in `$CUTOVER_HOME/dist`, downloading it with Maven into
 * `$CUTOVER_HOME/m2` the first time. A distribution appears only once complete, so an
 * interrupted download is simply redone.
 */
export async function provision(distribution: Distribution, home: string, javaHome: string): Promise<Installed> {
  const dir = join(home, 'dist', distribution.id);
  const installed: Installed = {
    lib: join(dir, 'lib'),
    ...(distribution.javaSources === undefined ? {} : { classes: join(dir, 'classes') }),
  };
  if (existsSync(dir)) return installed;

  const staging = `${dir}.partial`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await writeFile(join(staging, 'pom.xml'), renderPom(distribution));
  const env = { ...process.env, JAVA_HOME: javaHome };
  await run('mvn', [
    '-B', '-q', '-f', join(staging, 'pom.xml'),
    `-Dmaven.repo.local=${join(home, 'm2')}`,
    `${DEPENDENCY_PLUGIN}:copy-dependencies`,
    `-DoutputDirectory=${join(staging, 'lib')}`,
    '-DincludeScope=runtime',
  ], env, 'DOWNLOAD_FAILED', `downloading ${distribution.id} from Maven Central`);
  if (distribution.javaSources !== undefined) {
    await run(join(javaHome, 'bin', 'javac'), [
      '-d', join(staging, 'classes'), '-cp', join(staging, 'lib', '*'), ...distribution.javaSources,
    ], env, 'BUILD_FAILED', `compiling ${distribution.javaSources.join(', ')}`);
  }
  await rename(staging, dir);
  return installed;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, code: StackErrorCode, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT' && command === 'mvn'
          ? new StackError('MAVEN_NOT_FOUND', 'Maven (mvn) is needed to download the servers\' jars: install it (Debian: apt-get install maven)')
          : new StackError(code, `${what} failed: ${error.message}`),
      );
    });
    child.on('close', (status) => {
      if (status === 0) return resolve();
      const tail = output.trim().split('\n').slice(-15).join('\n');
      reject(new StackError(code, `${what} failed (exit ${status}):\n${tail}`));
    });
  });
}
