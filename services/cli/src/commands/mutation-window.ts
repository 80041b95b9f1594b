import type { Config } from '@cutover/config';
import { EventLogError, KafkaEventLog, SchemaCatalogue, topicNames, type StoredRecord } from '@cutover/event-log';
import { readMutations, type LoggedMutation } from '@cutover/mutation-log';
import { UsageError } from '../usage.js';

/** Records appended up to this long before `from` are read too: the proxy's clock may run ahead of the broker's. */
const CLOCK_SKEW_MS = 60_000;

/** Where in the mutation log: a time (when the proxy received the mutation) or a partition's offset. */
export type Bound = { readonly kind: 'time'; readonly ms: number } | { readonly kind: 'position'; readonly partition: number; readonly offset: bigint };

/** An option's ISO-8601 time, ms since the epoch, or `<partition>:<offset>`; a UsageError ending in `usage` otherwise. */
export function parseBound(option: string, text: string, usage: string): Bound {
  const position = /^(\d+):(\d+)$/.exec(text);
  if (position !== null) return { kind: 'position', partition: Number(position[1]), offset: BigInt(position[2]!) };
  if (/^\d+$/.test(text)) return { kind: 'time', ms: Number(text) };
  const ms = /^\d{4}-\d\d-\d\d/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw new UsageError(`${option} takes an ISO-8601 time, ms since the epoch or <partition>:<offset>, not "${text}"\n\n${usage}`);
  return { kind: 'time', ms };
}

export interface MutationWindow {
  readonly from?: Bound | undefined;
  readonly to?: Bound | undefined;
  /** Go on past the log's end, waiting for new mutations, until `signal` aborts. */
  readonly follow?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * The logged mutations from `from` to `to` (both included; either a time the proxy received
 * them, or a log position, which reads that partition only), in log order, to the log's end.
 * A record that cannot be read is handed to `unreadable` and skipped.
 */
export async function* mutationsBetween(config: Config, window: MutationWindow, unreadable: (record: StoredRecord, error: EventLogError) => void): AsyncGenerator<LoggedMutation> {
  const { from, to, follow = false, signal } = window;
  const partition = from?.kind === 'position' ? from.partition : to?.kind === 'position' ? to.partition : undefined;
  const catalogue = SchemaCatalogue.load();
  const log = new KafkaEventLog(config.kafka);
  try {
    const records = log.read(topicNames(config.kafka.topicPrefix).mutations, { ...(from?.kind === 'time' ? { fromTimestamp: Math.max(0, from.ms - CLOCK_SKEW_MS) } : {}), follow, ...(signal === undefined ? {} : { signal }) });
    for await (const record of records) {
      if (partition !== undefined && record.partition !== partition) continue;
      const offset = BigInt(record.offset);
      if (from?.kind === 'position' && offset < from.offset) continue;
      if (to?.kind === 'position' && offset > to.offset) break;
      let mutations: LoggedMutation[];
      try {
        mutations = readMutations(record, catalogue);
      } catch (error) {
        if (!(error instanceof EventLogError)) throw error;
        unreadable(record, error);
        continue;
      }
      for (const m of mutations) {
        if (from?.kind === 'time' && m.receivedAt < from.ms) continue;
        if (to?.kind === 'time' && m.receivedAt > to.ms) continue;
        yield m;
      }
    }
  } finally {
    await log.close();
  }
}
