import { S3Client } from '@aws-sdk/client-s3';
import { clusterTlsOptions, kafkaSecurity, type ClusterConfig, type Config } from '@cutover/config';
import cassandra from 'cassandra-driver';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';

/**
 * The one place where each client library is configured from `Config`, so every service,
 * test and probe connects the same way (TLS, credentials, timeouts).
 */
export interface CassandraClientOptions {
  readonly keyspace?: string;
  readonly timeoutMs?: number;
  /** Connections to each node (default 1). */
  readonly connectionsPerHost?: number;
  /** Schema metadata (on by default); off spares the cluster the driver's system_schema reads. */
  readonly metadata?: boolean;
  /** Try a node that went down again at this fixed interval (the driver's default backs off to minutes). */
  readonly reconnectMs?: number;
}

export function cassandraClient(cluster: ClusterConfig, options: CassandraClientOptions = {}): cassandra.Client {
  const sslOptions = clusterTlsOptions(cluster.tls);
  return new cassandra.Client({
    contactPoints: [`${cluster.host}:${cluster.port}`],
    localDataCenter: cluster.localDataCenter,
    ...(options.keyspace === undefined ? {} : { keyspace: options.keyspace }),
    ...(cluster.username === undefined
      ? {}
      : { authProvider: new cassandra.auth.PlainTextAuthProvider(cluster.username, cluster.password ?? '') }),
    ...(sslOptions === undefined ? {} : { sslOptions }),
    socketOptions: { connectTimeout: options.timeoutMs ?? 5000, readTimeout: 12000 },
    // Cutover speaks v3/v4. The driver's own negotiation above v4 against a TLS Cassandra 5
    // crashes the process from inside the driver (an unknown stream id on an error frame).
    protocolOptions: { maxVersion: 4 },
    ...(options.metadata === false ? { isMetadataSyncEnabled: false } : {}),
    ...(options.reconnectMs === undefined ? {} : { policies: { reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(options.reconnectMs) } }),
    ...(options.connectionsPerHost === undefined
      ? {}
      : { pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: options.connectionsPerHost, [cassandra.types.distance.remote]: 1 } } }),
  });
}

export function kafkaClient(config: Config, options: { quiet?: boolean } = {}): Kafka {
  return new Kafka({
    clientId: config.kafka.clientId,
    brokers: [...config.kafka.brokers],
    ...kafkaSecurity(config.kafka),
    connectionTimeout: 3000,
    logLevel: options.quiet === true ? logLevel.NOTHING : logLevel.WARN,
    ...(options.quiet === true ? { retry: { retries: 0 } } : {}),
  });
}

export function s3Client(config: Config): S3Client {
  // Node 20 is Cutover's runtime; the pinned SDK supports it, so its upgrade nag is noise.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  return new S3Client({
    endpoint: config.s3.endpoint,
    region: config.s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: config.s3.accessKeyId, secretAccessKey: config.s3.secretAccessKey },
  });
}

export function mongoClient(config: Config, options: { timeoutMs?: number } = {}): MongoClient {
  const timeout = options.timeoutMs ?? 5000;
  return new MongoClient(config.mongo.uri, { serverSelectionTimeoutMS: timeout, connectTimeoutMS: timeout });
}
