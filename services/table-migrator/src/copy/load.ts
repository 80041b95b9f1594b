import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { ErrorCode } from '@cutover/cql-protocol';
import cassandra from 'cassandra-driver';
import { readChunk } from './chunk-file.js';
import type { CopyPlan } from './copy-plan.js';
import { counterRead, counterUpdate } from './counter-rows.js';
import { listCheck, rowWrites, withoutCopiedLists, type Statement } from './row-writes.js';
import { compareInt64, hashRow, int64, type StagedRow } from './staged-row.js';
import type { Staging, UnloadedChunk } from './unload.js';

/** A row target refused, and its answer. */
export interface BadRow {
  readonly row: StagedRow;
  readonly reason: string;
}

export interface LoadedChunk {
  /** Rows written (bad rows not counted). */
  readonly rows: number;
  readonly writes: number;
  readonly badRows: readonly BadRow[];
  /** Of the staged rows, as the check compares them (`hashRow`). */
  readonly sha256: string;
  /** Stopped part-way because `LoadOptions.current` said the work is no longer wanted. */
  readonly abandoned?: true;
}

export interface LoadOptions {
  /** Rows in flight (in batches, as many batches as hold about so many rows). */
  readonly concurrency: number;
  /** Writes per second at most; 0: no limit. */
  readonly rate: number;
  /**
   * Asked before each write: false stops the load (a newer copy round of the table has begun,
   * target soon truncated for it, and this round's rows must not come back).
   */
  readonly current?: () => boolean;
}

/**
 * Rows read from the staged file and written at a time: what a row's failure is traced back
 * within, the rate is paced by, and (with the file's block and a part of its download) what a
 * load holds in memory, whatever the chunk's size.
 */
const SLICE = 2000;

/**
 * Writes a staged chunk to target as it streams in, each cell with its writetime and what
 * remains of its TTL, in unlogged batches of rows of one replica set, about `concurrency` rows
 * in flight. Loading a chunk twice changes nothing: every write carries the timestamp origin
 * had, and a list target already has from this copy is not written again. A row target
 * refuses (a write over its limits, a value it cannot take) is a bad row, returned with the
 * reason; any other failure (target down, a timeout) fails the load, to be done again.
 */
export async function loadChunk(target: cassandra.Client, staging: Staging, plan: CopyPlan, chunk: Pick<UnloadedChunk, 'key'>, options: LoadOptions): Promise<LoadedChunk> {
  // The ring comes with the connection: a worker's first load may come before any other use of target.
  await target.connect();
  const partitionKeys = plan.partitionKey.length;
  let previous: readonly (Buffer | null)[] = [];
  const writesOf = async (slice: readonly StagedRow[]): Promise<Statement[][]> => {
    const rows = await withoutListsTargetHas(target, plan, slice, options.concurrency);
    // What remains of each TTL is taken now, just before the slice is written.
    const nowSeconds = Date.now() / 1000;
    return rows.map((row) => {
      // A partition's rows are consecutive in a token range: its static cells are written once.
      const first = previous.length === 0 || row.key.some((k, i) => i < partitionKeys && !k!.equals(previous[i]!));
      previous = row.key;
      return rowWrites(plan, row, nowSeconds, first);
    });
  };
  return writeRows(target, await fetchChunk(staging, plan, chunk.key), options, writesOf, replicaGroups(target, plan));
}

/**
 * The replica set a row lives on in target, by its token, as the driver's view of the ring
 * tells (its ranges sorted by their ends once, each row's found by a binary search); all one
 * group when the driver does not know the keyspace.
 */
function replicaGroups(target: cassandra.Client, plan: CopyPlan): (row: StagedRow) => string {
  const ring = [...target.metadata.getTokenRanges()]
    .map((range) => ({ end: int64(range.end.getValue() as cassandra.types.Long), replicas: (target.metadata.getReplicas(plan.keyspace, range) as cassandra.Host[] | null)?.map((h) => h.address).join(',') ?? '' }))
    .sort((a, b) => compareInt64(a.end, b.end));
  if (ring.length === 0) return () => '';
  return (row) => {
    // A range holds the tokens after its start up to its end; past the last end, the ring wraps to the first range.
    let [low, high] = [0, ring.length];
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareInt64(ring[middle]!.end, row.token) < 0) low = middle + 1;
      else high = middle;
    }
    return ring[low === ring.length ? 0 : low]!.replicas;
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
  return writeRows(target, await fetchChunk(staging, plan, chunk.key), options, async (slice) => {
    const reads = slice.map((row) => counterRead(plan, row));
    const [there, here] = await Promise.all(
      [origin, target].map(async (client) => {
        const { resultItems } = await cassandra.concurrent.executeConcurrent(client, reads, { concurrencyLevel: options.concurrency, collectResults: true });
        return resultItems.map((result) => ((result as cassandra.types.ResultSet).first() as cassandra.types.Row | null)?.values());
      }),
    );
    return slice.map((row, i) => counterUpdate(plan, row, there![i], here![i]));
  });
}

async function fetchChunk(staging: Staging, plan: CopyPlan, key: string): Promise<AsyncIterable<StagedRow>> {
  const object = await staging.s3.send(new GetObjectCommand({ Bucket: staging.bucket, Key: key }));
  return readChunk(plan, object.Body as Readable);
}

/** Rows in one batch at most, and bytes of their values: under Cassandra's batch size warning (5 KiB). */
const BATCH_ROWS = 32;
const BATCH_BYTES = 4096;

/** A row and the statements that write it. */
interface RowWrites {
  readonly row: StagedRow;
  readonly statements: readonly Statement[];
}

/**
 * Writes rows slice by slice as they stream in, each row with the statements `writesOf` gives
 * for it, `concurrency` requests in flight and no more than `rate` statements a second. With
 * `groupOf`, consecutive rows of one group (one replica set) go in unlogged batches: fewer,
 * larger requests cost both sides less CPU a row. A refused batch is written again a statement
 * at a time, and a row with a refused statement is a bad row.
 */
async function writeRows(
  target: cassandra.Client,
  rows: AsyncIterable<StagedRow>,
  options: LoadOptions,
  writesOf: (slice: readonly StagedRow[]) => Promise<Statement[][]>,
  groupOf?: (row: StagedRow) => string,
): Promise<LoadedChunk> {
  const hash = createHash('sha256');
  const badRows: BadRow[] = [];
  let [read, writes] = [0, 0];
  let abandoned = false;
  const wanted = (): boolean => {
    if (!abandoned && options.current?.() === false) abandoned = true;
    return !abandoned;
  };
  for await (const slice of slices(rows, hash)) {
    if (!wanted()) break;
    read += slice.length;
    const started = performance.now();
    const perRow = await writesOf(slice);
    const written = slice.map((row, i) => ({ row, statements: perRow[i]! }));
    const batches = groupOf === undefined ? written.filter((w) => w.statements.length > 0).map((w) => [w]) : batched(written, groupOf);
    let next = 0;
    // `concurrency` counts rows: so many batches are in flight as hold about that many rows.
    const inFlight = Math.max(1, Math.round(options.concurrency / (slice.length / Math.max(1, batches.length))));
    const lanes = Array.from({ length: Math.min(inFlight, batches.length) }, async () => {
      while (next < batches.length && wanted()) {
        const batch = batches[next++]!;
        const statements = batch.flatMap((w) => w.statements);
        try {
          await (statements.length === 1 ? target.execute(statements[0]!.query, statements[0]!.params, { prepare: true }) : target.batch(statements, { prepare: true, logged: false }));
        } catch (error) {
          if (!(error instanceof Error) || !isRefusal(error)) throw error;
          badRows.push(...(await refusedOneByOne(target, batch)));
        }
      }
    });
    await Promise.all(lanes);
    if (abandoned) break;
    const statements = perRow.reduce((sum, s) => sum + s.length, 0);
    writes += statements;
    const early = options.rate > 0 ? (1000 * statements) / options.rate - (performance.now() - started) : 0;
    if (early > 0) await delay(early);
  }
  return { rows: read - badRows.length, writes, badRows, sha256: hash.digest('hex'), ...(abandoned ? { abandoned: true as const } : {}) };
}

/** The rows in slices of SLICE, each row added to `hash` as it is read. */
async function* slices(rows: AsyncIterable<StagedRow>, hash: Hash): AsyncGenerator<StagedRow[]> {
  let slice: StagedRow[] = [];
  for await (const row of rows) {
    hashRow(hash, row);
    slice.push(row);
    if (slice.length === SLICE) {
      yield slice;
      slice = [];
    }
  }
  if (slice.length > 0) yield slice;
}

/** Consecutive rows of a group, in batches of at most BATCH_ROWS rows and about BATCH_BYTES of values. */
function batched(written: readonly RowWrites[], groupOf: (row: StagedRow) => string): RowWrites[][] {
  const batches: RowWrites[][] = [];
  let current: RowWrites[] | undefined;
  let group: string | undefined;
  let bytes = 0;
  for (const w of written) {
    if (w.statements.length === 0) continue;
    const size = w.row.cells.reduce((sum, cell) => sum + (cell?.value.length ?? 0), 0);
    const of = groupOf(w.row);
    if (current === undefined || of !== group || current.length >= BATCH_ROWS || bytes + size > BATCH_BYTES) {
      current = [];
      batches.push(current);
      group = of;
      bytes = 0;
    }
    current.push(w);
    bytes += size;
  }
  return batches;
}

/** Writes a batch's statements one at a time: the rows target refuses, and why. Any other failure throws. */
async function refusedOneByOne(target: cassandra.Client, batch: readonly RowWrites[]): Promise<BadRow[]> {
  const owners = batch.flatMap((w) => w.statements.map(() => w.row));
  const { resultItems } = await cassandra.concurrent.executeConcurrent(target, batch.flatMap((w) => w.statements), { raiseOnFirstError: false, collectResults: true });
  const refused = new Map<StagedRow, string>();
  resultItems.forEach((result: unknown, i) => {
    if (!(result instanceof Error)) return;
    if (!isRefusal(result)) throw result;
    if (!refused.has(owners[i]!)) refused.set(owners[i]!, result.message);
  });
  return [...refused].map(([row, reason]) => ({ row, reason }));
}

/** An invalid request, or a function failing on the value: sent again, it would fail again. */
const REFUSALS: ReadonlySet<number> = new Set([ErrorCode.INVALID, ErrorCode.FUNCTION_FAILURE]);

/** Target's answer to a write it will never take, however often it is sent. */
function isRefusal(error: Error): boolean {
  return error instanceof cassandra.errors.ResponseError && REFUSALS.has(error.code);
}

/** Drops from the rows the lists target already has from an earlier load of this chunk or newer writes. */
async function withoutListsTargetHas(target: cassandra.Client, plan: CopyPlan, rows: readonly StagedRow[], concurrency: number): Promise<StagedRow[]> {
  const checks = rows.map((row) => listCheck(plan, row));
  const reads = checks.filter((check) => check !== undefined);
  if (reads.length === 0) return [...rows];
  const { resultItems } = await cassandra.concurrent.executeConcurrent(target, reads, { concurrencyLevel: concurrency, collectResults: true });
  let answer = 0;
  return rows.map((row, i) => {
    if (checks[i] === undefined) return row;
    const there = (resultItems[answer++] as cassandra.types.ResultSet).first() as cassandra.types.Row | null;
    return there === null ? row : withoutCopiedLists(plan, row, there.values());
  });
}
