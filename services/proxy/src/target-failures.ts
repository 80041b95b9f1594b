import { needsHealing, type MutationSink } from './mutation-sink.js';

/**
 * Passes every mutation on to `sink`, counting per table the writes origin took and target did
 * not; `onThreshold` is called once for a table when its count reaches `threshold`, since a
 * table that target keeps failing is better copied again than healed write by write.
 */
export function watchTargetFailures(sink: MutationSink, threshold: number, onThreshold: (table: string, failures: number) => void): MutationSink {
  const failures = new Map<string, number>();
  return {
    record(mutation) {
      const logged = sink.record(mutation);
      if (!needsHealing(mutation) || mutation.table === undefined) return logged;
      const table = `${mutation.keyspace ?? ''}.${mutation.table}`;
      const count = (failures.get(table) ?? 0) + 1;
      failures.set(table, count);
      if (count === threshold) onThreshold(table, count);
      return logged;
    },
    refusal: (bytes) => sink.refusal?.(bytes),
    unhealthy: () => sink.unhealthy?.(),
    registerMetrics: (registry) => sink.registerMetrics?.(registry),
  };
}
