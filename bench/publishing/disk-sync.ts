/**
 * The floor under LOG_DURABILITY=acked with PROXY_SPOOL_FSYNC=always: how long this machine's
 * disk takes to make an append durable, measured with the calls the journal makes (a write at
 * the end of a file, then fdatasync), one after another as the journal's group commits are.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

export interface SyncLatency {
  readonly syncs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export async function diskSyncLatency(parent: string, syncs = 1000, bytes = 16 * 1024): Promise<SyncLatency> {
  const dir = mkdtempSync(join(parent, 'bench-sync-'));
  const file = await open(join(dir, 'segment'), 'wx');
  const block = Buffer.alloc(bytes, 7);
  const took: number[] = [];
  try {
    for (let i = 0; i < syncs; i++) {
      const start = performance.now();
      await file.write(block, 0, bytes, i * bytes);
      await file.datasync();
      took.push(performance.now() - start);
    }
  } finally {
    await file.close();
    rmSync(dir, { recursive: true, force: true });
  }
  took.sort((a, b) => a - b);
  const at = (q: number): number => Math.round(took[Math.min(took.length - 1, Math.floor(q * took.length))]! * 1000) / 1000;
  return { syncs, p50Ms: at(0.5), p99Ms: at(0.99) };
}
