import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ClusterName, ReadMode } from '@cutover/config';

/**
 * What a proxy serves by, as the control log last said: kept in a small file next to its
 * journal (PROXY_SPOOL_DIR) so that a proxy restarting while Kafka is down serves as it did,
 * not by a stale default.
 */
export interface ServingState {
  readonly primary: ClusterName;
  readonly readMode: ReadMode;
  readonly migrationId?: string;
}

/** The file a proxy keeps its last serving state in: `<PROXY_SPOOL_DIR>/<PROXY_ID>.control-state.json`. */
export function controlStatePath(spoolDir: string, proxyId: string): string {
  return join(spoolDir, `${proxyId}.control-state.json`);
}

/** The state a file holds; undefined when there is none yet. A file that is not one this module wrote is an error saying why. */
export async function readControlState(path: string): Promise<ServingState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseControlState(text, path);
}

export function parseControlState(text: string, path = 'the control state'): ServingState {
  let saved: unknown;
  try {
    saved = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not JSON: ${(error as Error).message}`);
  }
  const { primary, readMode, migrationId } = (saved ?? {}) as Record<string, unknown>;
  if (primary !== 'origin' && primary !== 'target') throw new Error(`${path}: primary is ${JSON.stringify(primary)}, not origin or target`);
  if (readMode !== 'primary-only' && readMode !== 'dual-async') throw new Error(`${path}: readMode is ${JSON.stringify(readMode)}, not primary-only or dual-async`);
  if (migrationId !== undefined && typeof migrationId !== 'string') throw new Error(`${path}: migrationId is not a string`);
  return { primary, readMode, ...(migrationId === undefined ? {} : { migrationId }) };
}

/**
 * Replaces the file at once: written beside it, flushed to disk, then renamed over it (and the
 * directory flushed), so a crash leaves the old state or the new one, never half of either.
 */
export async function writeControlState(path: string, state: ServingState, savedBy: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  const text = `${JSON.stringify({ primary: state.primary, readMode: state.readMode, migrationId: state.migrationId, savedBy, savedAt: new Date().toISOString() }, null, 2)}\n`;
  await mkdir(dirname(path), { recursive: true });
  try {
    const file = await open(temporary, 'w', 0o644);
    try {
      await file.writeFile(text);
      await file.datasync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  const directory = await open(dirname(path), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

export function sameServingState(a: ServingState | undefined, b: ServingState): boolean {
  return a !== undefined && a.primary === b.primary && a.readMode === b.readMode && a.migrationId === b.migrationId;
}
