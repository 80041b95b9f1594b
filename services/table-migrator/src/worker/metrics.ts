import { initialState, tableProgress, type MigrationState } from '@cutover/migration-state';
import Fastify, { type FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The table migrator's Prometheus metrics: what this process's workers did (counters), and
 * where every table of the migration stands (gauges, from the state it follows).
 */
export class MigratorMetrics {
  readonly registry = new Registry();
  private state: () => MigrationState = () => initialState;

  readonly rows = new Counter({
    name: 'cutover_migrator_rows_total',
    help: 'Rows this process unloaded from origin or loaded into target, by table and step',
    labelNames: ['table', 'step'] as const,
    registers: [this.registry],
  });

  readonly bytes = new Counter({ name: 'cutover_migrator_unloaded_bytes_total', help: 'Bytes of chunk files this process staged in S3, by table', labelNames: ['table'] as const, registers: [this.registry] });

  readonly badRows = new Counter({ name: 'cutover_migrator_bad_rows_total', help: 'Rows target refused (listed in bad-rows files), by table', labelNames: ['table'] as const, registers: [this.registry] });

  readonly chunkSeconds = new Histogram({
    name: 'cutover_migrator_chunk_duration_seconds',
    help: 'Time a chunk took, by step (unload, load with its check)',
    labelNames: ['step'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });

  /** The gauges tell of the state `state()` returns, when scraped. */
  follow(state: () => MigrationState): void {
    this.state = state;
  }

  constructor() {
    const tables = (): ReturnType<typeof tableProgress>[] => Object.values(this.state().tables).map(tableProgress);
    new Gauge({
      name: 'cutover_migrator_table_rows',
      help: 'Rows of each table: estimated (from the chunks unloaded so far) and copied (loaded into target)',
      labelNames: ['table', 'kind'] as const,
      registers: [this.registry],
      collect() {
        for (const p of tables()) {
          this.set({ table: p.table, kind: 'estimated' }, p.estimatedRows);
          this.set({ table: p.table, kind: 'copied' }, p.rowsLoaded);
        }
      },
    });
    new Gauge({
      name: 'cutover_migrator_table_chunks',
      help: 'Chunks of each table\'s current round: planned, unloaded, loaded, checked, mismatched',
      labelNames: ['table', 'state'] as const,
      registers: [this.registry],
      collect() {
        for (const p of tables()) {
          this.set({ table: p.table, state: 'planned' }, p.chunks);
          this.set({ table: p.table, state: 'unloaded' }, p.chunksUnloaded);
          this.set({ table: p.table, state: 'loaded' }, p.chunksLoaded);
          this.set({ table: p.table, state: 'checked' }, p.chunksChecked);
          this.set({ table: p.table, state: 'mismatched' }, p.mismatchedChunks.length);
        }
      },
    });
    new Gauge({
      name: 'cutover_migrator_table_failed',
      help: '1 for a table whose copy failed (over its error budget), else 0',
      labelNames: ['table'] as const,
      registers: [this.registry],
      collect() {
        for (const p of tables()) this.set({ table: p.table }, p.phase === 'failed' ? 1 : 0);
      },
    });
  }
}

/** /metrics, and /health/live for whoever runs a migrator (it has no readiness of its own to tell). */
export function metricsServer(metrics: { readonly registry: Registry }): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_request, reply) => {
    void reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  app.get('/health/live', () => ({ status: 'ok' }));
  return app;
}
