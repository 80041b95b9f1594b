import type { ErrorBudget } from './parsers.js';
export interface TlsConfig {
  readonly caPath?: string;
  readonly certPath?: string;
  readonly keyPath?: string;
}

export interface ClusterConfig {
  readonly host: string;
  readonly port: number;
  readonly localDataCenter: string;
  readonly username?: string;
  readonly password?: string;
  readonly tls: TlsConfig;
}

/** The two clusters of a migration, as every package names them. */
export const CLUSTER_NAMES = ['origin', 'target'] as const;
export type ClusterName = (typeof CLUSTER_NAMES)[number];

/** Where reads go: the primary only, or also (in the background, compared) the other cluster. */
export const READ_MODES = ['primary-only', 'dual-async'] as const;
export type ReadMode = (typeof READ_MODES)[number];

export interface ProxyConfig {
  readonly listenHost: string;
  readonly queryPort: number;
  readonly metricsPort: number;
  readonly id: string;
  readonly primaryCluster: ClusterName;
  readonly readMode: ReadMode;
  readonly requestTimeoutMs: number;
  readonly maxConnections: number;
  readonly heartbeatIntervalMs: number;
  readonly maxFrameBytes: number;
  readonly handshakeTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly topologyAddresses: readonly string[];
  readonly topologyIndex: number;
  readonly clientCredentials: 'both' | ClusterName;
  readonly clusterCompression: 'none' | 'lz4';
  readonly replaceNowUuid: boolean;
  readonly spoolDir: string;
  readonly spoolFsync: 'always' | 'never';
  readonly spoolMaxBytes: number;
  readonly spoolCommitMs: number;
  readonly logDurability: 'acked' | 'async';
  readonly logStallMs: number;
  readonly publishLingerMs: number;
  readonly logFailurePolicy: 'spool' | 'reject';
  readonly targetFailurePolicy: 'strict' | 'origin-acked';
  readonly remigrateThreshold: number;
  readonly tls: TlsConfig;
}

/** The SASL mechanisms Cutover's Kafka clients speak, as kafkajs names them. */
export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaConfig {
  readonly brokers: readonly string[];
  readonly topicPrefix: string;
  readonly clientId: string;
  /** TLS to the brokers when `enabled`: checked against `caPath` (else the system's CAs), with a client certificate for mutual TLS. */
  readonly tls: TlsConfig & { readonly enabled: boolean };
  /** How the clients authenticate: SASL with this mechanism, or not at all (`none`). */
  readonly sasl: { readonly mechanism: 'none' | KafkaSaslMechanism; readonly username?: string; readonly password?: string };
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The typed configuration every service starts from. See `SETTINGS` for each field's meaning. */
export interface Config {
  readonly origin: ClusterConfig;
  readonly target: ClusterConfig;
  readonly kafka: KafkaConfig;
  readonly s3: {
    readonly endpoint: string;
    readonly region: string;
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly bucket: string;
  };
  readonly mongo: { readonly uri: string };
  readonly proxy: ProxyConfig;
  readonly migrator: {
    readonly workers: number;
    readonly chunkBytes: number;
    readonly minChunks: number;
    readonly loadConcurrency: number;
    /** Writes per second each worker may send to target; 0: as fast as target takes them. */
    readonly loadRate: number;
    readonly errorBudget: ErrorBudget;
    readonly metricsHost: string;
    readonly metricsPort: number;
  };
  readonly documents: {
    /** Ranges a collection's snapshot is split into, and how many are read at once. */
    readonly ranges: number;
    readonly readers: number;
    /** Writes in flight to target per loader, and per second (0: no limit). */
    readonly loadConcurrency: number;
    readonly loadRate: number;
    /** Documents-topic partitions a process loads at once. */
    readonly loaders: number;
    /** Bad documents a collection's round tolerates (count, or percentage of the documents loaded). */
    readonly errorBudget: ErrorBudget;
  };
  readonly verify: {
    /** Ranges a `cutover verify` process compares at once, as workers of the table migrator's group. */
    readonly workers: number;
    /** Rows per second `cutover verify` reads from each cluster; 0: no limit. */
    readonly rate: number;
  };
  readonly console: {
    readonly host: string;
    readonly port: number;
    readonly auth: 'token' | 'none';
    readonly token?: string;
    /** Token by name. */
    readonly tokens?: Readonly<Record<string, string>>;
    readonly tls: { readonly certPath?: string; readonly keyPath?: string };
  };
  readonly log: { readonly level: LogLevel };
  readonly stack: {
    readonly home: string;
    readonly dir: string;
    readonly javaHome?: string;
    readonly cassandraHeap: string;
    readonly kafkaHeap: string;
    readonly mongoHeap: string;
    /** The certificate local Cassandra nodes serve TLS with. */
    readonly tls: TlsConfig;
  };
}
