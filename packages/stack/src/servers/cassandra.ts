import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterConfig, ClusterName } from '@cutover/config';
import { cqlString, quoteIdentifier } from '@cutover/cql-protocol';
import { cassandraClient } from '../clients.js';
import { CASSANDRA, CASSANDRA_VERSION } from '../distributions.js';
import { StackError } from '../errors.js';
import type { ServerContext, ServerDefinition } from '../server.js';

/** The options of Cassandra's own conf/jvm17-server.options (G1, module access, Netty). */
export const JVM17_OPTIONS: readonly string[] = [
  '-XX:+UseG1GC',
  '-XX:+ParallelRefProcEnabled',
  '-XX:MaxTenuringThreshold=1',
  '-XX:G1HeapRegionSize=16m',
  '-XX:G1RSetUpdatingPauseTimePercent=5',
  '-XX:MaxGCPauseMillis=300',
  '-XX:InitiatingHeapOccupancyPercent=70',
  '-Djdk.attach.allowAttachSelf=true',
  ...[
    'java.base/jdk.internal.misc',
    'java.management.rmi/com.sun.jmx.remote.internal.rmi',
    'java.rmi/sun.rmi.registry',
    'java.rmi/sun.rmi.server',
    'java.sql/java.sql',
    'java.base/java.lang.ref',
    'jdk.unsupported/sun.misc',
    'jdk.compiler/com.sun.tools.javac.file',
    'jdk.attach/sun.tools.attach',
  ].flatMap((pkg) => ['--add-exports', `${pkg}=ALL-UNNAMED`]),
  ...[
    'java.base/java.lang.module',
    'java.base/jdk.internal.loader',
    'java.base/jdk.internal.ref',
    'java.base/jdk.internal.reflect',
    'java.base/jdk.internal.math',
    'java.base/jdk.internal.module',
    'java.base/jdk.internal.util.jar',
    'jdk.management/com.sun.management.internal',
    'java.base/sun.nio.ch',
    'java.base/java.io',
    'java.base/java.lang.reflect',
    'jdk.compiler/com.sun.tools.javac',
    'java.base/java.lang',
    'java.base/java.util',
  ].flatMap((pkg) => ['--add-opens', `${pkg}=ALL-UNNAMED`]),
  '-Dio.netty.tryReflectionSetAccessible=true',
  '-Dio.netty.allocator.useCacheForAllThreads=true',
  '-Dio.netty.allocator.maxOrder=11',
];

export interface CassandraOptions {
  readonly name: ClusterName;
  /** Where it listens; a username turns on PasswordAuthenticator and CassandraAuthorizer, a CA path turns on client TLS. */
  readonly cluster: ClusterConfig;
  readonly storagePort: number;
  readonly heap: string;
  /** The certificate served when the cluster speaks TLS. */
  readonly serverTls?: { readonly certPath: string; readonly keyPath: string };
  /** cassandra.yaml limits that make it refuse some writes, as managed services do. */
  readonly limits?: Readonly<Record<string, string>>;
}

/** The superuser a fresh PasswordAuthenticator cluster starts with. */
const SUPERUSER = { username: 'cassandra', password: 'cassandra' };

/** A single-node cluster whose cluster name is the server's name, so origin and target can never be confused. */
export function cassandraYaml(options: CassandraOptions, dataDir: string, keystorePath?: string): string {
  const { host, port, username, tls } = options.cluster;
  const yaml: Record<string, string | number | boolean> = {
    cluster_name: options.name,
    num_tokens: 16,
    listen_address: host,
    rpc_address: host,
    native_transport_port: port,
    storage_port: options.storagePort,
    partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner',
    endpoint_snitch: 'SimpleSnitch',
    commitlog_sync: 'periodic',
    commitlog_sync_period: '10000ms',
    commitlog_directory: join(dataDir, 'commitlog'),
    saved_caches_directory: join(dataDir, 'saved_caches'),
    hints_directory: join(dataDir, 'hints'),
    cdc_raw_directory: join(dataDir, 'cdc_raw'),
    ...options.limits,
  };
  return [
    ...Object.entries(yaml).map(([key, value]) => `${key}: ${typeof value === 'string' ? JSON.stringify(value) : value}`),
    `data_file_directories: [${JSON.stringify(join(dataDir, 'data'))}]`,
    'seed_provider:',
    '  - class_name: org.apache.cassandra.locator.SimpleSeedProvider',
    '    parameters:',
    `      - seeds: "${host}:${options.storagePort}"`,
    // With users, their permissions too, as in production: a client's rights are checked.
    ...(username === undefined ? [] : ['authenticator: PasswordAuthenticator', 'authorizer: CassandraAuthorizer']),
    ...(tls.caPath === undefined || keystorePath === undefined
      ? []
      : [
          'client_encryption_options:',
          '  enabled: true',
          '  optional: false',
          '  ssl_context_factory:',
          '    class_name: org.apache.cassandra.security.PEMBasedSslContextFactory',
          `  keystore: ${JSON.stringify(keystorePath)}`,
          `  truststore: ${JSON.stringify(tls.caPath)}`,
          // Mutual TLS when the clients are configured with a certificate of their own.
          `  require_client_auth: ${tls.certPath !== undefined}`,
        ]),
    '',
  ].join('\n');
}

const LOGBACK = `<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{ISO8601} %-5level [%thread] %logger{0} %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="STDOUT"/></root>
</configuration>
`;

export function cassandraServer(options: CassandraOptions): ServerDefinition {
  const { name, cluster } = options;
  return {
    name,
    description: `Apache Cassandra ${CASSANDRA_VERSION} (cluster "${name}")`,
    distribution: CASSANDRA,
    address: `${cluster.host}:${cluster.port}`,
    ports: [
      { host: cluster.host, port: cluster.port, purpose: 'CQL' },
      { host: cluster.host, port: options.storagePort, purpose: 'storage' },
    ],
    readyTimeoutMs: 180_000,
    async prepare(ctx: ServerContext) {
      await mkdir(join(ctx.dir, 'data'), { recursive: true });
      let keystore: string | undefined;
      if (cluster.tls.caPath !== undefined) {
        if (options.serverTls === undefined) {
          throw new StackError('TLS_NOT_CONFIGURED', `${name} is configured for TLS (${name.toUpperCase()}_TLS_CA_PATH) but the stack has no server certificate: set STACK_TLS_CERT_PATH and STACK_TLS_KEY_PATH`);
        }
        // Cassandra's PEM keystore is the private key and its certificate in one file.
        keystore = join(ctx.dir, 'keystore.pem');
        const pem = await Promise.all([readFile(options.serverTls.keyPath, 'utf8'), readFile(options.serverTls.certPath, 'utf8')]);
        await writeFile(keystore, pem.join('\n'), { mode: 0o600 });
      }
      await writeFile(join(ctx.dir, 'cassandra.yaml'), cassandraYaml(options, join(ctx.dir, 'data'), keystore));
      await writeFile(join(ctx.dir, 'logback.xml'), LOGBACK);
    },
    args(ctx: ServerContext) {
      return [
        `-Xms${options.heap}`,
        `-Xmx${options.heap}`,
        '-Xss256k',
        '-XX:+ExitOnOutOfMemoryError',
        ...JVM17_OPTIONS,
        `-Dcassandra.config=file://${join(ctx.dir, 'cassandra.yaml')}`,
        `-Dlogback.configurationFile=${join(ctx.dir, 'logback.xml')}`,
        `-Dcassandra.storagedir=${join(ctx.dir, 'data')}`,
        '-Dcassandra-foreground=yes',
        // A single node has no gossip to wait for, and no reason to delay creating the superuser.
        '-Dcassandra.skip_wait_for_gossip_to_settle=0',
        '-Dcassandra.superuser_setup_delay_ms=0',
        '-cp',
        join(ctx.installed.lib, '*'),
        'org.apache.cassandra.service.CassandraDaemon',
      ];
    },
    async probe() {
      // Until initialize() has created the configured role, only the superuser can log in.
      const client = cassandraClient(cluster.username === undefined ? cluster : { ...cluster, ...SUPERUSER }, { timeoutMs: 2000 });
      try {
        const result = await client.execute('SELECT cluster_name FROM system.local');
        const found = result.first()?.get('cluster_name') as string | undefined;
        if (found !== name) throw new Error(`${cluster.host}:${cluster.port} is cluster "${found}", not "${name}"`);
      } finally {
        await client.shutdown();
      }
    },
    async initialize() {
      if (cluster.username === undefined || cluster.username === SUPERUSER.username) return;
      const client = cassandraClient({ ...cluster, ...SUPERUSER });
      try {
        // Role statements take no bind markers: the name and password go in as quoted literals.
        await client.execute(`CREATE ROLE IF NOT EXISTS ${quoteIdentifier(cluster.username)} WITH PASSWORD = ${cqlString(cluster.password ?? '')} AND LOGIN = true AND SUPERUSER = true`);
      } finally {
        await client.shutdown();
      }
    },
  };
}
