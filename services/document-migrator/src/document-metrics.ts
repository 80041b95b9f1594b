import { collectionProgress, initialState, type MigrationState } from '@cutover/migration-state';
import { Counter, Gauge, Registry } from 'prom-client';

/**
 * The document migrator's Prometheus metrics: what this process's readers and loaders did
 * (counters), and where every collection of the migration stands (gauges, from the state it
 * follows), served on the migrator's metrics port.
 */
export class DocumentMetrics {
  readonly registry = new Registry();
  private state: () => MigrationState = () => initialState;

  readonly read = new Counter({ name: 'cutover_documents_read_total', help: 'Documents this process read from MongoDB onto the documents topic, by collection and source (snapshot, changes)', labelNames: ['collection', 'source'] as const, registers: [this.registry] });

  readonly written = new Counter({ name: 'cutover_documents_written_total', help: 'Writes this process made to target, by collection and kind (document, delete)', labelNames: ['collection', 'kind'] as const, registers: [this.registry] });

  readonly bad = new Counter({ name: 'cutover_documents_bad_total', help: 'Documents with no Data API form this process listed in bad-documents files, by collection', labelNames: ['collection'] as const, registers: [this.registry] });

  /** The gauges tell of the state `state()` returns, when scraped. */
  follow(state: () => MigrationState): void {
    this.state = state;
  }

  constructor() {
    const collections = (): ReturnType<typeof collectionProgress>[] => Object.values(this.state().collections).map(collectionProgress);
    new Gauge({
      name: 'cutover_collection_documents',
      help: 'Documents of each collection\'s current round: estimated, read (snapshot), loaded (versions written, snapshot and changes)',
      labelNames: ['collection', 'kind'] as const,
      registers: [this.registry],
      collect() {
        for (const p of collections()) {
          this.set({ collection: p.collection, kind: 'estimated' }, p.estimatedDocuments);
          this.set({ collection: p.collection, kind: 'read' }, p.documentsRead);
          this.set({ collection: p.collection, kind: 'loaded' }, p.documentsLoaded);
        }
      },
    });
    new Gauge({
      name: 'cutover_collection_change_lag_seconds',
      help: 'How far target is behind each collection\'s change stream: from the newest change loaded to the newest read',
      labelNames: ['collection'] as const,
      registers: [this.registry],
      collect() {
        for (const p of collections()) this.set({ collection: p.collection }, p.changeLagSeconds);
      },
    });
    new Gauge({
      name: 'cutover_collection_phase',
      help: '1 for each collection\'s phase (waiting, snapshot, following, failed), 0 for the others',
      labelNames: ['collection', 'phase'] as const,
      registers: [this.registry],
      collect() {
        for (const p of collections()) for (const phase of ['waiting', 'snapshot', 'following', 'failed'] as const) this.set({ collection: p.collection, phase }, p.phase === phase ? 1 : 0);
      },
    });
  }
}
