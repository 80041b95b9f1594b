import { GetObjectCommand } from '@aws-sdk/client-s3';
import type cassandra from 'cassandra-driver';
import { concurrent } from 'cassandra-driver';
import { listCheck, statementsFor, withoutCopiedLists, type ChunkRecord } from './chunk-rows.js';
import { readChunk } from './chunk-file.js';
import type { CopyPlan } from './copy-plan.js';
import type { Staging, UnloadedChunk } from './unload.js';

export interface LoadedChunk {
  readonly rows: number;
  readonly writes: number;
}

/** Drops from the records the lists target already has from an earlier load of this chunk or newer writes. */
async function withoutListsTargetHas(target: cassandra.Client, plan: CopyPlan, records: readonly ChunkRecord[], concurrency: number): Promise<ChunkRecord[]> {
  const checks = records.map((record) => listCheck(plan, record));
  const reads = checks.filter((check) => check !== undefined);
  if (reads.length === 0) return [...records];
  const { resultItems } = await concurrent.executeConcurrent(target, reads, { concurrencyLevel: concurrency, collectResults: true });
  let answer = 0;
  return records.map((record, i) => {
    if (checks[i] === undefined) return record;
    const row = (resultItems[answer++] as cassandra.types.ResultSet).first() as cassandra.types.Row | null;
    return row === null ? record : withoutCopiedLists(plan, record, row.values());
  });
}

/**
 * Writes a staged chunk to target, each cell with its writetime and what remains of its TTL,
 * `concurrency` writes in flight. Loading a chunk twice changes nothing: every write carries
 * the timestamp origin had, and a list target already has from this copy is not written again.
 */
export async function loadChunk(target: cassandra.Client, staging: Staging, plan: CopyPlan, chunk: Pick<UnloadedChunk, 'key'>, concurrency = 64): Promise<LoadedChunk> {
  const object = await staging.s3.send(new GetObjectCommand({ Bucket: staging.bucket, Key: chunk.key }));
  const records = await withoutListsTargetHas(target, plan, readChunk(plan.header, Buffer.from(await object.Body!.transformToByteArray())), concurrency);
  // Unload wrote when it read the rows on the object: the TTLs have counted down since.
  const elapsedSeconds = (Date.now() - Number(object.Metadata?.['unloaded-at'] ?? Date.now())) / 1000;
  const partitionKeys = plan.partitionKey.length;
  let previous: string | undefined;
  const statements = records.flatMap((record) => {
    // A partition's rows are consecutive in a token range: its static cells are written once.
    const partition = record.slice(0, partitionKeys).join('\u0000');
    const first = partition !== previous;
    previous = partition;
    return statementsFor(plan, record, elapsedSeconds, first);
  });
  await concurrent.executeConcurrent(target, statements, { concurrencyLevel: concurrency });
  return { rows: records.length, writes: statements.length };
}
