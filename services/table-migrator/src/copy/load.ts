import { setTimeout as delay } from 'node:timers/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import cassandra from 'cassandra-driver';
import { listCheck, statementsFor, withoutCopiedLists, type ChunkRecord, type Statement } from './chunk-rows.js';
import { readChunk } from './chunk-file.js';
import type { CopyPlan } from './copy-plan.js';
import { counterRead, counterUpdate } from './counter-rows.js';
import type { Staging, UnloadedChunk } from './unload.js';

/** A row target refused, and its answer. */
export interface BadRow {
  readonly record: ChunkRecord;
  readonly reason: string;
}

export interface LoadedChunk {
  /** Rows written (bad rows not counted). */
  readonly rows: number;
  readonly writes: number;
  readonly badRows: readonly BadRow[];
  /** Stopped part-way because `LoadOptions.current` said the work is no longer wanted. */
  readonly abandoned?: true;
}

export interface LoadOptions {
  /** Rows in flight (in batches, as many batches as hold about so many rows). */
  readonly concurrency: number;
  /** Writes per second at most; 0: no limit. */
  readonly rate: number;
  /**
   * Asked before each slice of rows: false stops the load (a newer copy round of the table has
   * begun, target perhaps truncated for it, and this round's rows must not come back).
   */
  readonly current?: () => boolean;
}

/** Records written per round of concurrent writes: what a row's failure is traced back within, and the rate is paced by. */
const SLICE = 2000;

/**
 * Writes a staged chunk to target, each cell with its writetime and what remains of its TTL,
 * in unlogged batches of rows of one replica set, about `concurrency` rows in flight. Loading a
 * chunk twice changes nothing: every write carries the timestamp origin had, and a list target
 * already has from this copy is not written again. A row target refuses (a write over its
 * limits, a value it cannot take) is a bad row, returned with the reason; any other failure
 * (target down, a timeout) fails the load, to be done again.
 */
export async function loadChunk(target: cassandra.Client, staging: Staging, plan: CopyPlan, chunk: Pick<UnloadedChunk, 'key'>, options: LoadOptions): Promise<LoadedChunk> {
  const records = await withoutListsTargetHas(target, plan, await fetchChunk(staging, plan, chunk.key), options.concurrency);
  const partitionKeys = plan.partitionKey.length;
  let previous: string | undefined;
  const statementsOf = (slice: readonly ChunkRecord[]): Promise<Statement[][]> => {
    // What remains of each TTL is taken now, just before the slice is written.
    const nowSeconds = Date.now() / 1000;
    return Promise.resolve(
      slice.map((record) => {
        // A partition's rows are consecutive in a token range: its static cells are written once.
        const partition = record.slice(0, partitionKeys).join('\u0000');
        const first = partition !== previous;
        previous = partition;
        return statementsFor(plan, record, nowSeconds, first);
      }),
    );
  };
  // The ring comes with the connection: a worker's first load may come before any other use of target.
  await target.connect();
  return writeRows(target, records, options, statementsOf, replicaGroups(target, plan));
}

/**
 * The replica set a record's row lives on in target, by its token (the record's last value), as
 * the driver's view of the ring tells; all one group when the driver does not know the keyspace.
 */
function replicaGroups(target: cassandra.Client, plan: CopyPlan): (record: ChunkRecord) => string {
  return (record) => {
    const replicas = target.metadata.getReplicas(plan.keyspace, target.metadata.newToken(record.at(-1)!)) as cassandra.Host[] | null;
    return replicas?.map((host) => host.address).join(',') ?? '';
  };
}

/**
 * Loads a staged chunk of a counter table: counters have no writetime to make a write
 * idempotent, so each row's counters are read on both clusters now and target gets the
 * difference added. Loading again adds nothing, and increments the proxy dual-writes meanwhile
 * land on both sides alike; one that lands between the reads and the write is counted twice or
 * not at all, so counter tables are best copied while their writes are quiet, and checked.
 */
export async function loadCounterChunk(origin: cassandra.Client, target: cassandra.Client, staging: Staging, plan: CopyPlan, chunk: Pick<UnloadedChunk, 'key'>, options: LoadOptions): Promise<LoadedChunk> {
  const records = await fetchChunk(staging, plan, chunk.key);
  return writeRows(target, records, options, async (slice) => {
    const reads = slice.map((record) => counterRead(plan, record));
    const [there, here] = await Promise.all(
      [origin, target].map(async (client) => {
        const { resultItems } = await cassandra.concurrent.executeConcurrent(client, reads, { concurrencyLevel: options.concurrency, collectResults: true });
        return resultItems.map((result) => ((result as cassandra.types.ResultSet).first() as cassandra.types.Row | null)?.values());
      }),
    );
    return slice.map((record, i) => counterUpdate(plan, record, there![i], here![i]));
  });
}

async function fetchChunk(staging: Staging, plan: CopyPlan, key: string): Promise<ChunkRecord[]> {
  const object = await staging.s3.send(new GetObjectCommand({ Bucket: staging.bucket, Key: key }));
  return readChunk(plan.header, Buffer.from(await object.Body!.transformToByteArray()));
}

/** Rows in one batch at most, and bytes of their values: under Cassandra's batch size warning (5 KiB). */
const BATCH_ROWS = 32;
const BATCH_BYTES = 4096;

/**
 * Writes records slice by slice, each record with the statements `statementsOf` gives for it,
 * `concurrency` requests in flight and no more than `rate` statements a second. With `groupOf`,
 * consecutive records of one group (one replica set) go in unlogged batches: fewer, larger
 * requests cost both sides less CPU a row. A refused batch is written again a statement at a
 * time, and a record with a refused statement is a bad row.
 */
async function writeRows(
  target: cassandra.Client,
  records: readonly ChunkRecord[],
  options: LoadOptions,
  statementsOf: (slice: readonly ChunkRecord[]) => Promise<Statement[][]>,
  groupOf?: (record: ChunkRecord) => string,
): Promise<LoadedChunk> {
  const badRows: BadRow[] = [];
  let writes = 0;
  for (let from = 0; from < records.length; from += SLICE) {
    if (options.current?.() === false) return { rows: from - badRows.length, writes, badRows, abandoned: true };
    const started = performance.now();
    const slice = records.slice(from, from + SLICE);
    const perRecord = await statementsOf(slice);
    const batches = groupOf === undefined ? perRecord.flatMap((statements, i) => (statements.length === 0 ? [] : [{ records: [i], statements }])) : batched(slice, perRecord, groupOf);
    const refused = new Map<number, string>();
    let next = 0;
    // `concurrency` counts rows: so many batches are in flight as hold about that many rows.
    const inFlight = Math.max(1, Math.round(options.concurrency / (slice.length / batches.length)));
    const lanes = Array.from({ length: Math.min(inFlight, batches.length) }, async () => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        try {
          await (batch.statements.length === 1 ? target.execute(batch.statements[0]!.query, batch.statements[0]!.params, { prepare: true }) : target.batch(batch.statements, { prepare: true, logged: false }));
        } catch (error) {
          if (!(error instanceof Error) || !isRefusal(error)) throw error;
          for (const [record, reason] of await refusedOneByOne(target, slice, perRecord, batch.records)) refused.set(record, reason);
        }
      }
    });
    await Promise.all(lanes);
    for (const [i, reason] of refused) badRows.push({ record: slice[i]!, reason });
    const statements = perRecord.reduce((sum, s) => sum + s.length, 0);
    writes += statements;
    const early = options.rate > 0 ? (1000 * statements) / options.rate - (performance.now() - started) : 0;
    if (early > 0) await delay(early);
  }
  return { rows: records.length - badRows.length, writes, badRows };
}

/** Consecutive records of a group, in batches of at most BATCH_ROWS records and about BATCH_BYTES of values. */
function batched(slice: readonly ChunkRecord[], perRecord: readonly Statement[][], groupOf: (record: ChunkRecord) => string): { records: number[]; statements: Statement[] }[] {
  const batches: { records: number[]; statements: Statement[] }[] = [];
  let current: { records: number[]; statements: Statement[] } | undefined;
  let group: string | undefined;
  let bytes = 0;
  slice.forEach((record, i) => {
    if (perRecord[i]!.length === 0) return;
    const size = record.reduce((sum, value) => sum + value.length, 0);
    const of = groupOf(record);
    if (current === undefined || of !== group || current.records.length >= BATCH_ROWS || bytes + size > BATCH_BYTES) {
      current = { records: [], statements: [] };
      batches.push(current);
      group = of;
      bytes = 0;
    }
    current.records.push(i);
    current.statements.push(...perRecord[i]!);
    bytes += size;
  });
  return batches;
}

/** Writes the statements of `records` one at a time: which of them target refuses, and why. Any other failure throws. */
async function refusedOneByOne(target: cassandra.Client, slice: readonly ChunkRecord[], perRecord: readonly Statement[][], records: readonly number[]): Promise<Map<number, string>> {
  const owners = records.flatMap((i) => perRecord[i]!.map(() => i));
  const { resultItems } = await cassandra.concurrent.executeConcurrent(target, records.flatMap((i) => perRecord[i]!), { raiseOnFirstError: false, collectResults: true });
  const refused = new Map<number, string>();
  resultItems.forEach((result: unknown, i) => {
    if (!(result instanceof Error)) return;
    if (!isRefusal(result)) throw result;
    if (!refused.has(owners[i]!)) refused.set(owners[i]!, result.message);
  });
  return refused;
}

/** An invalid request, or a function (fromJson) failing on the value: sent again, it would fail again. */
const REFUSALS: ReadonlySet<number> = new Set([cassandra.types.responseErrorCodes.invalid, cassandra.types.responseErrorCodes.functionFailure]);

/** Target's answer to a write it will never take, however often it is sent. */
function isRefusal(error: Error): boolean {
  return error instanceof cassandra.errors.ResponseError && REFUSALS.has(error.code);
}

/** Drops from the records the lists target already has from an earlier load of this chunk or newer writes. */
async function withoutListsTargetHas(target: cassandra.Client, plan: CopyPlan, records: readonly ChunkRecord[], concurrency: number): Promise<ChunkRecord[]> {
  const checks = records.map((record) => listCheck(plan, record));
  const reads = checks.filter((check) => check !== undefined);
  if (reads.length === 0) return [...records];
  const { resultItems } = await cassandra.concurrent.executeConcurrent(target, reads, { concurrencyLevel: concurrency, collectResults: true });
  let answer = 0;
  return records.map((record, i) => {
    if (checks[i] === undefined) return record;
    const row = (resultItems[answer++] as cassandra.types.ResultSet).first() as cassandra.types.Row | null;
    return row === null ? record : withoutCopiedLists(plan, record, row.values());
  });
}
