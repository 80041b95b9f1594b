/**
 * Where the publishing path's CPU goes, stage by stage, in this process on the benchmark's
 * mutations: building each item (the header and the request body, Avro), packing a linger
 * window's items into MutationBatch records per partition, and producing those records to the
 * real broker (the Kafka client's encoding, checksums and socket writes), `perRound` mutations
 * at a time as in a linger window, each stage's CPU read on its own.
 */
import type { KafkaEventLog } from '@cutover/event-log';
import { packBatches } from '../../services/proxy/src/publishing/batches.ts';
import { MutationItems } from '../../services/proxy/src/publishing/mutation-item.ts';
import { mutation } from './sink-alone.ts';

export interface StageCosts {
  readonly mutations: number;
  readonly perRound: number;
  /** CPU per mutation, µs. */
  readonly buildUs: number;
  readonly packUs: number;
  readonly produceUs: number;
}

const cpuUs = (since: NodeJS.CpuUsage): number => {
  const { user, system } = process.cpuUsage(since);
  return user + system;
};

export async function stageCosts(log: KafkaEventLog, topic: string, options: { mutations: number; perRound: number }): Promise<StageCosts> {
  const { mutations, perRound } = options;
  const items = new MutationItems();
  const limits = await log.limits(topic);
  const spent = { build: 0, pack: 0, produce: 0 };
  // Round by round, as the sink works: a linger window's mutations live, no more.
  for (let from = 0; from < mutations; from += perRound) {
    const records = Array.from({ length: Math.min(perRound, mutations - from) }, (_, i) => mutation(from + i));
    let started = process.cpuUsage();
    const built = records.map((r) => items.build(r));
    spent.build += cpuUs(started);
    started = process.cpuUsage();
    const batches = packBatches('bench', built, limits);
    spent.pack += cpuUs(started);
    started = process.cpuUsage();
    await log.produce(topic, batches);
    spent.produce += cpuUs(started);
  }
  const per = (us: number): number => Math.round((us / mutations) * 100) / 100;
  return { mutations, perRound, buildUs: per(spent.build), packUs: per(spent.pack), produceUs: per(spent.produce) };
}
