import { Counter, Gauge, Histogram, Registry } from 'prom-client';

type Observer = { observe(value: number): void };

/** The proxy's Prometheus metrics, in a registry of its own so several proxies can share a process. */
export class ProxyMetrics {
  readonly registry = new Registry();

  constructor(preparedCacheSize: () => number) {
    new Gauge({
      name: 'cutover_proxy_prepared_cache_size',
      help: 'Statements in the prepared statement cache',
      registers: [this.registry],
      collect() {
        this.set(preparedCacheSize());
      },
    });
  }

  readonly requestDuration = new Histogram({
    name: 'cutover_proxy_request_duration_seconds',
    help: 'Time a cluster took to answer a request, by kind of request and cluster',
    labelNames: ['kind', 'cluster'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly durationByLabels = new Map<string, Observer>();

  /** Records one request's duration; the labelled child is looked up once, not per request. */
  observeRequest(kind: string, cluster: string, seconds: number): void {
    const key = `${kind}/${cluster}`;
    let child = this.durationByLabels.get(key);
    if (child === undefined) {
      child = this.requestDuration.labels(kind, cluster);
      this.durationByLabels.set(key, child);
    }
    child.observe(seconds);
  }

  readonly clusterFailures = new Counter({
    name: 'cutover_proxy_cluster_failures_total',
    help: 'Requests a cluster answered with an error or did not answer, by cluster and error code',
    labelNames: ['cluster', 'code'] as const,
    registers: [this.registry],
  });

  readonly inflight = new Gauge({ name: 'cutover_proxy_inflight_requests', help: 'Requests sent to a cluster and not yet answered', registers: [this.registry] });

  readonly connections = new Gauge({ name: 'cutover_proxy_client_connections', help: 'Open client connections', registers: [this.registry] });

  readonly clusterConnections = new Gauge({ name: 'cutover_proxy_cluster_connections', help: 'Open connections to each cluster (a pair per client connection)', labelNames: ['cluster'] as const, registers: [this.registry] });

  readonly rejectedConnections = new Counter({ name: 'cutover_proxy_rejected_connections_total', help: 'Client connections refused over PROXY_MAX_CONNECTIONS', registers: [this.registry] });

  readonly preparedMisses = new Counter({ name: 'cutover_proxy_prepared_cache_misses_total', help: 'EXECUTE or BATCH of an id the proxy does not know (answered UNPREPARED)', registers: [this.registry] });

  readonly reprepared = new Counter({
    name: 'cutover_proxy_reprepared_total',
    help: 'Statements the proxy prepared again on a cluster that had lost them (answered UNPREPARED), by cluster',
    labelNames: ['cluster'] as const,
    registers: [this.registry],
  });

  readonly refusedMutations = new Counter({
    name: 'cutover_proxy_refused_mutations_total',
    help: 'Mutations refused unapplied because the mutation log was unavailable (LOG_FAILURE_POLICY=reject)',
    registers: [this.registry],
  });

  readonly dualReads = new Counter({
    name: 'cutover_proxy_dual_reads_total',
    help: 'Reads sent to both clusters in dual-async mode, by comparison result (match, mismatch, error)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
}
