/**
 * The publishing path alone, at a rate the whole stack cannot reach on a small machine: the
 * proxy's PublishingSink in this process, fed the mutations the proxy would hand it for the
 * benchmark's INSERT (its EXECUTE bodies, over 100,000 partition keys) at a fixed rate,
 * publishing to the stack's real broker. The baseline ("none") runs the same driver, records
 * built and dropped. What a mode costs beyond it is what publishing costs per mutation: CPU of
 * this process and of the broker, and under acked the time until the journal has it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Config } from '@cutover/config';
import { Consistency, encodeRequestBody, type ColumnSpec, type PrimitiveTypeName } from '@cutover/cql-protocol';
import { KafkaEventLog } from '@cutover/event-log';
import { pino } from 'pino';
import { PublishingSink, type MutationRecord } from '../../services/proxy/src/index.ts';
import { processCpuSeconds } from '../cpu.ts';
import { COLUMNS, INSERT, KEYSPACE, TABLE } from '../proxy/load.ts';

export type SinkMode = 'none' | 'async' | 'acked';

export interface SinkRun {
  readonly mutations: number;
  /** CPU per mutation, µs: this process (the sink and its producer) and the broker. */
  readonly proxyCpuUs: number;
  readonly brokerCpuUs: number;
  /** acked: from record() until its promise resolved (the journal has it), ms. */
  readonly ackP50Ms?: number;
  readonly ackP99Ms?: number;
}

const KEYS = 100_000;
const CQL_TYPES: Record<string, PrimitiveTypeName> = { int: 'int', text: 'varchar', blob: 'blob', timestamp: 'timestamp' };
const columns: ColumnSpec[] = COLUMNS.map((c) => ({ keyspace: KEYSPACE, table: TABLE, name: c.name, type: { kind: 'primitive', name: CQL_TYPES[c.cql]! } }));
const preparedId = randomBytes(16);
const payload = randomBytes(64);
/** EXECUTE bodies as the load generator's driver sends them, one per key (the payload 64 bytes). */
const bodies = Array.from({ length: KEYS }, (_, id) => {
  const int = Buffer.allocUnsafe(4);
  int.writeInt32BE(id);
  const updated = Buffer.allocUnsafe(8);
  updated.writeBigInt64BE(1_795_000_000_000n + BigInt(id));
  return encodeRequestBody({ type: 'EXECUTE', id: preparedId, params: { consistency: Consistency.LOCAL_QUORUM, skipMetadata: true, values: [int, Buffer.from(`name-${id}`), int, payload, updated] } }, 4);
});
const ok = { ok: true, timedOut: false, latencyMs: 0.8 };

/** The benchmark's n-th mutation, as the proxy would hand it to its sink. */
export function mutation(n: number): MutationRecord {
  const key = Buffer.allocUnsafe(4);
  key.writeInt32BE(n % KEYS);
  const body = bodies[n % KEYS]!;
  const now = Date.now();
  return {
    statement: INSERT, preparedId: preparedId.toString('hex'), keyspace: KEYSPACE, table: TABLE, values: [], partitionKey: [{ name: 'id', type: 'int', rendered: '', bytes: key }], columns, pkIndexes: [0],
    proxyId: 'bench', connectionId: `c${n % 32}`, clientAddress: '127.0.0.1:50000', driver: 'DataStax Node.js Driver 4.8.0', receivedAt: now, kind: 'insert', consistency: Consistency.LOCAL_QUORUM,
    writeTimestamp: BigInt(now) * 1000n, nonIdempotent: { counter: false, listAppend: false, lwt: false, now: false, uuid: false, ambiguousIncrement: false },
    results: { origin: ok, target: ok }, request: { version: 4, opcode: 0x0a, flags: 0, body },
  };
}

/** Records `rate` mutations a second for `durationMs` in 1 ms steps, as a proxy's connections would. */
async function drive(sink: PublishingSink | undefined, rate: number, durationMs: number, acks: number[]): Promise<number> {
  const start = performance.now();
  let sent = 0;
  for (let elapsed = 0; elapsed < durationMs; elapsed = performance.now() - start) {
    const due = Math.floor((elapsed * rate) / 1000);
    for (; sent < due; sent++) {
      const record = mutation(sent);
      const at = performance.now();
      const acked = sink?.record(record);
      if (acked !== undefined) void acked.then(() => acks.push(performance.now() - at));
    }
    await delay(1);
  }
  return sent;
}

export async function runSinkAlone(config: Config, options: { mode: SinkMode; rate: number; durationMs: number; topicPrefix: string; brokerPid: number }): Promise<SinkRun> {
  const spoolDir = mkdtempSync(join(tmpdir(), 'bench-sink-'));
  const brokerUs = (): number => processCpuSeconds(readFileSync(`/proc/${options.brokerPid}/stat`, 'utf8')) * 1e6;
  const sink =
    options.mode === 'none'
      ? undefined
      : await PublishingSink.open(
          new KafkaEventLog(config.kafka),
          { ...config, kafka: { ...config.kafka, topicPrefix: options.topicPrefix }, proxy: { ...config.proxy, spoolDir, spoolFsync: 'always', logDurability: options.mode } },
          pino({ level: 'warn' }),
        );
  try {
    await drive(sink, options.rate, 2000, []); // warm-up: the JIT, the producer's connections
    await sink?.flushed();
    const acks: number[] = [];
    const before = { cpu: process.cpuUsage(), broker: brokerUs() };
    const mutations = await drive(sink, options.rate, options.durationMs, acks);
    await sink?.flushed();
    const cpu = process.cpuUsage(before.cpu);
    const brokerCpuUs = brokerUs() - before.broker;
    acks.sort((a, b) => a - b);
    const at = (q: number): number => Math.round(acks[Math.min(acks.length - 1, Math.floor(q * acks.length))]! * 1000) / 1000;
    return {
      mutations,
      proxyCpuUs: (cpu.user + cpu.system) / mutations,
      brokerCpuUs: brokerCpuUs / mutations,
      ...(acks.length > 0 ? { ackP50Ms: at(0.5), ackP99Ms: at(0.99) } : {}),
    };
  } finally {
    await sink?.close();
    rmSync(spoolDir, { recursive: true, force: true });
  }
}
