import { homedir } from 'node:os';
import { join } from 'node:path';
import { CLUSTER_NAMES, READ_MODES, type ClusterName } from './config.js';
import * as p from './parsers.js';

/**
 * Every setting Cutover reads, in one table: its environment variable, the older names it
 * still answers to, where it sits in the YAML file, how it is parsed, its default and what it
 * means. Loading, validation, redaction and the README's configuration table all come from
 * here, so they cannot drift apart.
 */
export interface Setting<T = unknown> {
  /** Canonical environment variable. */
  readonly env: string;
  /** Older names (the seed proxy's) accepted when the canonical one is unset. */
  readonly aliases?: readonly string[];
  /** Dotted path in the typed config and in the YAML file. */
  readonly path: string;
  readonly parse: p.Parser<T>;
  /** Absent means the setting is optional. */
  readonly default?: T;
  /** How the default reads in docs, where the value itself would not say it well. */
  readonly defaultText?: string;
  readonly doc: string;
  /** Never printed or logged. */
  readonly secret?: boolean;
}

function setting<T>(s: Setting<T>): Setting {
  return s as Setting;
}

function cluster(name: ClusterName, seed: string, defaultHost: string): Setting[] {
  const upper = name.toUpperCase();
  const which = `the ${name} cluster`;
  return [
    setting({ env: `${upper}_HOST`, aliases: [`${seed}_HOSTNAME`], path: `${name}.host`, parse: p.host, default: defaultHost, doc: `Contact point of ${which}.` }),
    setting({ env: `${upper}_PORT`, aliases: [`${seed}_PORT`], path: `${name}.port`, parse: p.port, default: 9042, doc: `CQL native port of ${which}.` }),
    setting({ env: `${upper}_LOCAL_DC`, path: `${name}.localDataCenter`, parse: p.nonEmpty, default: 'datacenter1', doc: `Local data center the drivers route to on ${which}.` }),
    setting({ env: `${upper}_USERNAME`, aliases: [`${seed}_USERNAME`], path: `${name}.username`, parse: p.nonEmpty, doc: `User name for ${which} (PasswordAuthenticator).` }),
    setting({ env: `${upper}_PASSWORD`, aliases: [`${seed}_PASSWORD`], path: `${name}.password`, parse: p.nonEmpty, secret: true, doc: `Password for ${which}.` }),
    setting({ env: `${upper}_TLS_CA_PATH`, path: `${name}.tls.caPath`, parse: p.readableFile, doc: `PEM file of the CA that signed ${which}'s certificates; setting it turns TLS on.` }),
    setting({ env: `${upper}_TLS_CERT_PATH`, path: `${name}.tls.certPath`, parse: p.readableFile, doc: `PEM client certificate for mutual TLS with ${which}.` }),
    setting({ env: `${upper}_TLS_KEY_PATH`, path: `${name}.tls.keyPath`, parse: p.readableFile, doc: `PEM private key of the client certificate for ${which}.` }),
  ];
}

export const SETTINGS: readonly Setting[] = [
  ...cluster('origin', 'SOURCE', '127.0.0.1'),
  ...cluster('target', 'ASTRA', '127.0.0.2'),
  setting({ env: 'KAFKA_BROKERS', path: 'kafka.brokers', parse: p.addressList, default: ['127.0.0.1:9092'], defaultText: '127.0.0.1:9092', doc: 'Kafka bootstrap brokers, comma-separated host:port.' }),
  setting({ env: 'KAFKA_TOPIC_PREFIX', path: 'kafka.topicPrefix', parse: p.topicPrefix, default: '', defaultText: '(none)', doc: 'Prefix of every Cutover topic name (topics/topics.json), to keep several migrations or test runs apart.' }),
  setting({ env: 'KAFKA_CLIENT_ID', path: 'kafka.clientId', parse: p.nonEmpty, default: 'cutover', doc: 'Client id Cutover presents to Kafka.' }),
  setting({ env: 'KAFKA_TLS', path: 'kafka.tls.enabled', parse: p.bool, default: false, doc: 'Connect to the brokers over TLS, their certificates checked against KAFKA_TLS_CA_PATH, or against the system\'s CAs without it. Every service and command connects alike.' }),
  setting({ env: 'KAFKA_TLS_CA_PATH', path: 'kafka.tls.caPath', parse: p.readableFile, doc: 'PEM file of the CA that signed the brokers\' certificates (with KAFKA_TLS=true).' }),
  setting({ env: 'KAFKA_TLS_CERT_PATH', path: 'kafka.tls.certPath', parse: p.readableFile, doc: 'PEM client certificate for mutual TLS with the brokers (with KAFKA_TLS=true and KAFKA_TLS_KEY_PATH); brokers that authenticate by certificate take its subject as the principal their ACLs name.' }),
  setting({ env: 'KAFKA_TLS_KEY_PATH', path: 'kafka.tls.keyPath', parse: p.readableFile, doc: 'PEM private key (unencrypted) of KAFKA_TLS_CERT_PATH.' }),
  setting({ env: 'KAFKA_SASL_MECHANISM', path: 'kafka.sasl.mechanism', parse: p.oneOfAnyCase('none', 'scram-sha-256', 'scram-sha-512', 'plain'), default: 'none', doc: 'SASL authentication to the brokers as KAFKA_SASL_USERNAME: scram-sha-256, scram-sha-512, or plain (which sends the password itself: it needs KAFKA_TLS=true unless every broker is on loopback). The user is the principal the brokers\' ACLs name (see "Who may write the control topic").' }),
  setting({ env: 'KAFKA_SASL_USERNAME', path: 'kafka.sasl.username', parse: p.nonEmpty, doc: 'SASL user name (with KAFKA_SASL_MECHANISM).' }),
  setting({ env: 'KAFKA_SASL_PASSWORD', path: 'kafka.sasl.password', parse: p.nonEmpty, secret: true, doc: 'SASL password of KAFKA_SASL_USERNAME.' }),
  setting({ env: 'S3_ENDPOINT', path: 's3.endpoint', parse: p.httpUrl, default: 'http://127.0.0.1:9000', doc: 'S3-compatible endpoint for staging chunks; path-style addressing is used.' }),
  setting({ env: 'S3_REGION', path: 's3.region', parse: p.nonEmpty, default: 'us-east-1', doc: 'S3 region used for request signing.' }),
  setting({ env: 'S3_ACCESS_KEY_ID', path: 's3.accessKeyId', parse: p.nonEmpty, default: 'cutover', doc: 'S3 access key id.' }),
  setting({ env: 'S3_SECRET_ACCESS_KEY', path: 's3.secretAccessKey', parse: p.nonEmpty, default: 'cutover-secret', secret: true, doc: 'S3 secret access key.' }),
  setting({ env: 'S3_BUCKET', path: 's3.bucket', parse: p.nonEmpty, default: 'cutover-staging', doc: 'Bucket that holds staged table chunks and manifests.' }),
  setting({ env: 'MONGO_URI', path: 'mongo.uri', parse: p.mongoUri, default: 'mongodb://127.0.0.1:27017', secret: true, doc: 'MongoDB connection string of the source collections (may hold a password, so never logged).' }),
  setting({ env: 'PROXY_LISTEN_HOST', aliases: ['PROXY_SERVICE_HOSTNAME'], path: 'proxy.listenHost', parse: p.host, default: '127.0.0.1', doc: 'Address the CQL proxy and its metrics endpoint bind to.' }),
  setting({ env: 'PROXY_QUERY_PORT', path: 'proxy.queryPort', parse: p.port, default: 14002, doc: 'Port the CQL proxy listens on for drivers.' }),
  setting({ env: 'PROXY_METRICS_PORT', path: 'proxy.metricsPort', parse: p.port, default: 14001, doc: 'Port of the proxy\'s /metrics, /health/live and /health/ready.' }),
  setting({ env: 'PROXY_ID', path: 'proxy.id', parse: p.nonEmpty, defaultText: 'proxy-<index>', doc: 'Name of this proxy instance in logs, metrics and mutation events.' }),
  setting({ env: 'PRIMARY_CLUSTER', path: 'proxy.primaryCluster', parse: p.oneOf(...CLUSTER_NAMES), default: 'origin', doc: 'The cluster reads are served from, and whose response the client gets when both succeed. For a proxy without a control log (started on its own); `cutover proxy` follows the control log, whose primary stands (set-primary changes it).' }),
  setting({ env: 'READ_MODE', path: 'proxy.readMode', parse: p.oneOf(...READ_MODES), default: 'primary-only', doc: 'dual-async also sends each read to the other cluster in the background and compares the results. For a proxy without a control log; `cutover proxy` follows the control log, whose read mode stands (set-read-mode changes it).' }),
  setting({ env: 'PROXY_REQUEST_TIMEOUT_MS', path: 'proxy.requestTimeoutMs', parse: p.positiveInt(600_000), default: 10_000, doc: 'How long the proxy waits for a cluster before answering the client with a timeout error.' }),
  setting({ env: 'PROXY_MAX_CONNECTIONS', path: 'proxy.maxConnections', parse: p.positiveInt(), default: 1000, doc: 'Client connections accepted at once; more are answered with an Overloaded error and closed.' }),
  setting({ env: 'PROXY_HEARTBEAT_INTERVAL_MS', path: 'proxy.heartbeatIntervalMs', parse: p.positiveInt(), default: 30_000, doc: 'An idle cluster connection is sent OPTIONS this often; one that does not answer is closed.' }),
  setting({ env: 'PROXY_MAX_FRAME_BYTES', path: 'proxy.maxFrameBytes', parse: p.positiveInt(256 * 1024 * 1024), default: 16 * 1024 * 1024, doc: "Largest frame body a client may send; larger ones get a protocol error. Cassandra's own default (native_transport_max_frame_size)." }),
  setting({ env: 'PROXY_HANDSHAKE_TIMEOUT_MS', path: 'proxy.handshakeTimeoutMs', parse: p.positiveInt(600_000), default: 10_000, doc: 'A client that has not finished STARTUP and authentication this long after connecting is disconnected.' }),
  setting({ env: 'PROXY_IDLE_TIMEOUT_MS', path: 'proxy.idleTimeoutMs', parse: p.nonNegativeInt, default: 0, doc: "A client connection that sends nothing for this long is closed; 0 never closes one (Cassandra's default; drivers send heartbeats every 30 s)." }),
  setting({ env: 'PROXY_TOPOLOGY_ADDRESSES', path: 'proxy.topologyAddresses', parse: p.hostList, defaultText: '$PROXY_LISTEN_HOST', doc: 'Addresses of every proxy instance, comma-separated, the same list on each; drivers see them as the cluster\'s nodes.' }),
  setting({ env: 'PROXY_TOPOLOGY_INDEX', path: 'proxy.topologyIndex', parse: p.nonNegativeInt, default: 0, doc: 'This instance\'s position in PROXY_TOPOLOGY_ADDRESSES.' }),
  setting({ env: 'PROXY_CLIENT_CREDENTIALS', path: 'proxy.clientCredentials', parse: p.oneOf('both', 'target', 'origin'), default: 'both', doc: "Where the client's own credentials go: `both` (each cluster checks the client's rights itself), or only `target` or `origin`, for clusters that do not share users; the other cluster then gets ORIGIN_/TARGET_USERNAME and _PASSWORD, so clients act there with the proxy's rights." }),
  setting({ env: 'PROXY_CLUSTER_COMPRESSION', path: 'proxy.clusterCompression', parse: p.oneOf('none', 'lz4'), default: 'none', doc: "Compression of the proxy's connections to the clusters, whatever each client chose for its own connection to the proxy: lz4 saves bandwidth to a distant cluster for some CPU." }),
  setting({ env: 'PROXY_REPLACE_NOW_UUID', path: 'proxy.replaceNowUuid', parse: p.bool, default: false, doc: 'Replace now() and uuid() in statements with values the proxy generates, so both clusters store the same value.' }),
  setting({ env: 'PROXY_SPOOL_DIR', path: 'proxy.spoolDir', parse: p.directory, defaultText: '$CUTOVER_HOME/spool', doc: 'Where each proxy keeps its journal (in a directory named after PROXY_ID): every mutation is appended there, then published to Kafka from it in order; segments are deleted once Kafka has them. One proxy per directory (a lock file says which). Beside it, `<PROXY_ID>.control-state.json` keeps the primary and read mode the control log last set, which a proxy restarting while Kafka is down serves by.' }),
  setting({ env: 'PROXY_SPOOL_FSYNC', path: 'proxy.spoolFsync', parse: p.oneOf('always', 'never'), default: 'always', doc: 'always: an append to the journal is on disk (fdatasync, one per group of appends) before it counts as written, so it survives a machine crash; never: left to the OS (survives a proxy crash only).' }),
  setting({ env: 'PROXY_SPOOL_COMMIT_MS', path: 'proxy.spoolCommitMs', parse: p.nonNegativeInt, default: 2, doc: 'The journal writes (and, with PROXY_SPOOL_FSYNC=always, syncs) at most once in this many ms, each time all the mutations that came meanwhile: fewer, larger writes cost far less CPU than one per mutation. Under LOG_DURABILITY=acked an answer waits up to this much longer.' }),
  setting({ env: 'PROXY_SPOOL_MAX_BYTES', path: 'proxy.spoolMaxBytes', parse: p.byteSize, default: 10 * 1024 ** 3, defaultText: '10GiB', doc: 'Largest journal of mutations not yet in Kafka (bytes, or with KiB/MiB/GiB). Past it, and when the disk is full, new mutations fail with an Overloaded error before either cluster sees them.' }),
  setting({ env: 'LOG_DURABILITY', path: 'proxy.logDurability', parse: p.oneOf('acked', 'async'), default: 'acked', doc: 'acked: a mutation is answered only once it is written to the journal (a group commit), so every write a client saw acknowledged is in the log even if the proxy is killed; async: answered at once, and sent to Kafka from memory, journaled only while Kafka refuses them (a crash loses those in flight). TARGET_FAILURE_POLICY=origin-acked requires acked.' }),
  setting({ env: 'PROXY_LOG_STALL_MS', path: 'proxy.logStallMs', parse: p.positiveInt(), default: 60_000, doc: 'A mutation log with mutations waiting that has not advanced for this long makes /health/ready fail (503, with the reason).' }),
  setting({ env: 'PROXY_PUBLISH_LINGER_MS', path: 'proxy.publishLingerMs', parse: p.nonNegativeInt, default: 100, doc: 'How long mutations gather before the proxy publishes them to Kafka as one batch per partition. The broker pays per batch, so this sets its CPU per mutation (bench/publishing); clients never wait for it, the healer and log readers see a mutation up to this much later.' }),
  setting({ env: 'LOG_FAILURE_POLICY', path: 'proxy.logFailurePolicy', parse: p.oneOf('spool', 'reject'), default: 'spool', doc: 'When Kafka cannot take mutations: keep them in the journal and go on, or reject new mutations with an error (not applying them) until the journal has drained.' }),
  setting({ env: 'TARGET_FAILURE_POLICY', path: 'proxy.targetFailurePolicy', parse: p.oneOf('strict', 'origin-acked'), default: 'strict', doc: 'strict: a write that fails on target fails for the client; origin-acked: the client gets origin\'s result and the healer re-applies the write to target from the log.' }),
  setting({ env: 'PROXY_REMIGRATE_THRESHOLD', path: 'proxy.remigrateThreshold', parse: p.positiveInt(), default: 1000, doc: 'Under origin-acked, a table with this many target failures since the proxy started gets a Remigrate command from the proxy.' }),
  setting({ env: 'PROXY_TLS_CERT_PATH', path: 'proxy.tls.certPath', parse: p.readableFile, doc: 'PEM certificate the proxy presents to clients; setting it (with the key) turns client-side TLS on.' }),
  setting({ env: 'PROXY_TLS_KEY_PATH', path: 'proxy.tls.keyPath', parse: p.readableFile, doc: 'PEM private key of PROXY_TLS_CERT_PATH.' }),
  setting({ env: 'PROXY_TLS_CA_PATH', path: 'proxy.tls.caPath', parse: p.readableFile, doc: 'PEM CA for client certificates; setting it makes the proxy require them (mutual TLS).' }),
  setting({ env: 'MIGRATOR_WORKERS', path: 'migrator.workers', parse: p.positiveInt(64), default: 2, doc: 'Table-migration workers `cutover migrate tables` runs in its process; more processes can join the same work.' }),
  setting({ env: 'MIGRATOR_CHUNK_BYTES', path: 'migrator.chunkBytes', parse: p.positiveInt(), default: 64 * 1024 * 1024, defaultText: '67108864 (64 MiB)', doc: 'About how much of a table one chunk holds, from origin\'s size estimates; a table has at least MIGRATOR_MIN_CHUNKS chunks and at most 4096.' }),
  setting({ env: 'MIGRATOR_MIN_CHUNKS', path: 'migrator.minChunks', parse: p.positiveInt(4096), default: 16, doc: 'However small a table (or however little origin\'s size estimates know of it: a table written in the last minutes), it is split into at least this many chunks, so that several workers share it evenly (chunks reach workers by the hash of their key: with a handful of chunks, one worker may get most of them).' }),
  setting({ env: 'MIGRATOR_LOAD_CONCURRENCY', path: 'migrator.loadConcurrency', parse: p.positiveInt(4096), default: 256, doc: 'Rows a worker keeps in flight to target while it loads a chunk, in unlogged batches of up to 32 rows of one replica set.' }),
  setting({ env: 'MIGRATOR_LOAD_RATE', path: 'migrator.loadRate', parse: p.nonNegativeInt, default: 0, defaultText: '0 (no limit)', doc: 'Writes per second each worker may send to target while loading, to spare a target that also serves the application; 0: no limit.' }),
  setting({ env: 'MIGRATOR_MAX_BAD_ROWS', path: 'migrator.errorBudget', parse: p.errorBudget, default: { maxBadRows: 0, maxBadRowsPercent: null }, defaultText: '0', doc: 'Error budget of a table\'s copy: rows target refuses (listed with the reason in a bad-rows file in S3) it tolerates, as a count (100) or a percentage of the rows loaded so far (0.5%). Past it the table fails, with the reason.' }),
  setting({ env: 'MIGRATOR_METRICS_PORT', path: 'migrator.metricsPort', parse: p.port, default: 14002, doc: 'Port of `cutover migrate tables`\'s /metrics (Prometheus) and /health; a second migrator on the same host serves none (it says so in its log).' }),
  setting({ env: 'MIGRATOR_METRICS_HOST', path: 'migrator.metricsHost', parse: p.host, default: '127.0.0.1', doc: 'Address the migrator\'s metrics endpoint binds to.' }),
  setting({ env: 'VERIFY_RATE', path: 'verify.rate', parse: p.nonNegativeInt, default: 0, defaultText: '0 (no limit)', doc: 'Rows per second `cutover verify` may read from each cluster, to spare clusters that also serve the application; 0: no limit.' }),
  setting({ env: 'DOCUMENT_RANGES', path: 'documents.ranges', parse: p.positiveInt(4096), default: 16, doc: 'About how many `_id` ranges `cutover migrate documents` splits a collection\'s snapshot into (each BSON type of `_id` gets its share).' }),
  setting({ env: 'DOCUMENT_READERS', path: 'documents.readers', parse: p.positiveInt(64), default: 4, doc: 'Snapshot ranges of a collection read from MongoDB at once.' }),
  setting({ env: 'DOCUMENT_LOADERS', path: 'documents.loaders', parse: p.positiveInt(64), default: 4, doc: 'Partitions of the documents topic a `cutover migrate documents` process loads at once; more processes join the same consumer group.' }),
  setting({ env: 'DOCUMENT_LOAD_CONCURRENCY', path: 'documents.loadConcurrency', parse: p.positiveInt(4096), default: 64, doc: 'Document writes each loader keeps in flight to target.' }),
  setting({ env: 'DOCUMENT_LOAD_RATE', path: 'documents.loadRate', parse: p.nonNegativeInt, default: 0, defaultText: '0 (no limit)', doc: 'Document writes per second a `cutover migrate documents` process may send to target, to spare a target that also serves the application; 0: no limit.' }),
  setting({ env: 'DOCUMENT_MAX_BAD', path: 'documents.errorBudget', parse: p.errorBudget, default: { maxBadRows: 0, maxBadRowsPercent: null }, defaultText: '0', doc: 'Error budget of a collection\'s round: documents with no Data API form (listed with the reason in a bad-documents file in S3) it tolerates, as a count (100) or a percentage of the documents loaded (0.5%). Past it the collection fails, with the reason.' }),
  setting({ env: 'VERIFY_WORKERS', path: 'verify.workers', parse: p.positiveInt(64), default: 4, doc: 'Token ranges a `cutover verify` process compares at once, each a worker of the table migrator\'s consumer group: other verifiers of the same table, and `cutover migrate tables`, share the ranges.' }),
  setting({ env: 'CONSOLE_HOST', path: 'console.host', parse: p.host, default: '127.0.0.1', doc: 'Address `cutover console` binds to. Loopback by default: anything else needs tokens (CONSOLE_AUTH=none is refused there) and should have TLS.' }),
  setting({ env: 'CONSOLE_PORT', path: 'console.port', parse: p.listenPort, default: 14080, doc: 'Port of `cutover console` (the page, /api/v1, /openapi.json and the schema registry API); 0: any free port (the console prints which).' }),
  setting({ env: 'CONSOLE_AUTH', path: 'console.auth', parse: p.oneOf('token', 'none'), default: 'token', doc: 'token: every API call needs `Authorization: Bearer <token>` (the page asks for it once); none: no token, allowed on a loopback CONSOLE_HOST only.' }),
  setting({ env: 'CONSOLE_TOKEN', path: 'console.token', parse: p.nonEmpty, secret: true, defaultText: 'made up at start, and printed', doc: 'The console\'s token; commands issued with it are recorded as issued by `console`. With neither it nor CONSOLE_TOKENS, `cutover console` makes one up and prints it with the URL.' }),
  setting({ env: 'CONSOLE_TOKENS', path: 'console.tokens', parse: p.namedTokens, secret: true, doc: 'More tokens, each with the name the audit records for what it issues: `alice=<token>,bob=<token>` (tokens of 16 characters or more).' }),
  setting({ env: 'CONSOLE_TLS_CERT_PATH', path: 'console.tls.certPath', parse: p.readableFile, doc: 'PEM certificate `cutover console` serves HTTPS with (with CONSOLE_TLS_KEY_PATH).' }),
  setting({ env: 'CONSOLE_TLS_KEY_PATH', path: 'console.tls.keyPath', parse: p.readableFile, doc: 'PEM private key of CONSOLE_TLS_CERT_PATH.' }),
  setting({ env: 'LOG_LEVEL', path: 'log.level', parse: p.oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), default: 'info', doc: 'Log level of every service (pino levels).' }),
  setting({ env: 'CUTOVER_HOME', path: 'stack.home', parse: p.directory, default: join(homedir(), '.cache', 'cutover'), defaultText: '~/.cache/cutover', doc: 'Cache of the local stack: downloaded jars, the Maven repository, and (by default) server data and logs.' }),
  setting({ env: 'CUTOVER_STACK_DIR', path: 'stack.dir', parse: p.directory, defaultText: '$CUTOVER_HOME/stack', doc: 'Where the local stack keeps each server\'s data, logs and pid.' }),
  setting({ env: 'CUTOVER_JAVA_HOME', path: 'stack.javaHome', parse: p.directory, defaultText: 'found', doc: 'Java 17 home for the local stack; by default JAVA_HOME if it is 17, else the first Java 17 under /usr/lib/jvm.' }),
  setting({ env: 'STACK_CASSANDRA_HEAP', path: 'stack.cassandraHeap', parse: p.heapSize, default: '2g', doc: 'Heap of each local Cassandra node. 512m ran out (OutOfMemoryError) on a node holding a few hundred tables and taking multi-megabyte values; 1g ran out on target taking collections (tables of eight SAI indexes each) at full speed.' }),
  setting({ env: 'STACK_TLS_CERT_PATH', path: 'stack.tls.certPath', parse: p.readableFile, doc: 'PEM certificate the local Cassandra nodes serve TLS with, for clusters configured with a *_TLS_CA_PATH.' }),
  setting({ env: 'STACK_TLS_KEY_PATH', path: 'stack.tls.keyPath', parse: p.readableFile, doc: 'PEM private key (unencrypted) of STACK_TLS_CERT_PATH.' }),
  setting({ env: 'STACK_MONGO_HEAP', path: 'stack.mongoHeap', parse: p.heapSize, default: '4g', doc: 'Most heap the local MongoDB stand-in (mongo-java-server) may take: it holds every document, and its oplog a copy of each, in memory, several times their BSON size (256m ran out at 200,000 documents of 1 KB, 2g stalled in garbage collection). Taken only as it is used.' }),
  setting({ env: 'STACK_KAFKA_HEAP', path: 'stack.kafkaHeap', parse: p.heapSize, default: '512m', doc: 'Heap of the local Kafka broker.' }),
];
