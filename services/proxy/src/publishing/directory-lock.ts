import { randomUUID } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ProxyError } from '../errors.js';

const LOCK = 'LOCK';

/** Directories locked by this process, with their owner: the lock file cannot tell them apart (same pid). */
const lockedHere = new Map<string, string>();

/**
 * One proxy per journal directory: a `LOCK` file holding the pid, owner and host of the
 * process that has it. The lock is written in full under a temporary name and linked into
 * place, so it appears complete or not at all. A lock whose process is gone is taken over.
 * Liveness is judged by pid, so the lock guards against processes sharing the directory on one
 * machine (one pid namespace), which is how a PROXY_ID reused by mistake shows up.
 */
export class DirectoryLock {
  private constructor(
    private readonly dir: string,
    /** A sentence for the log when the lock of a proxy that is no longer running was taken over. */
    readonly tookOver: string | undefined,
  ) {}

  /** Takes the lock of `dir`, or throws SPOOL_LOCKED naming the live process that holds it. */
  static async take(dir: string, owner: string): Promise<DirectoryLock> {
    const holder = lockedHere.get(dir);
    if (holder !== undefined) throw locked(dir, { owner: holder, pid: process.pid, host: hostname() });
    lockedHere.set(dir, owner);
    try {
      return new DirectoryLock(dir, await takeLockFile(dir, owner));
    } catch (error) {
      lockedHere.delete(dir);
      throw error;
    }
  }

  async release(): Promise<void> {
    await rm(join(this.dir, LOCK), { force: true });
    lockedHere.delete(this.dir);
  }
}

interface LockHolder {
  readonly owner: string;
  readonly pid: number;
  readonly host: string;
}

/** Links the lock file into place; a lock whose process is gone is taken over, with a sentence saying so. */
async function takeLockFile(dir: string, owner: string): Promise<string | undefined> {
  const path = join(dir, LOCK);
  const mine: LockHolder = { owner, pid: process.pid, host: hostname() };
  let stale: string | undefined;
  for (let attempt = 0; ; attempt++) {
    const temp = join(dir, `${LOCK}.${process.pid}.${randomUUID()}`);
    await writeFile(temp, `${JSON.stringify(mine)}\n`);
    try {
      await link(temp, path);
      return stale;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await rm(temp, { force: true });
    }
    const holder = await readLock(path);
    // Our own pid in a lock no journal of this process holds is a previous life (containers reuse pids).
    if (holder !== undefined && holder.pid !== process.pid && isAlive(holder.pid)) throw locked(dir, holder);
    if (attempt > 0) throw locked(dir, holder ?? { owner: 'unknown', pid: 0, host: 'unknown' });
    stale = holder
      ? `took over the journal lock in ${dir} of proxy ${holder.owner} (pid ${holder.pid} on ${holder.host}), which is no longer running`
      : `took over an unreadable journal lock in ${dir}`;
    await rm(path, { force: true });
  }
}

async function readLock(path: string): Promise<LockHolder | undefined> {
  try {
    const { owner, pid, host } = JSON.parse(await readFile(path, 'utf8')) as Partial<Record<keyof LockHolder, unknown>>;
    return Number.isSafeInteger(pid) && (pid as number) > 0 ? { owner: String(owner), pid: pid as number, host: String(host) } : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function locked(dir: string, holder: LockHolder): ProxyError {
  const who = holder.pid === process.pid ? 'this process' : `pid ${holder.pid} on ${holder.host}`;
  return new ProxyError(
    'SPOOL_LOCKED',
    `the journal in ${dir} is in use by proxy ${holder.owner} (${who}): two proxies cannot share a journal; give each proxy its own PROXY_ID or PROXY_SPOOL_DIR`,
  );
}
