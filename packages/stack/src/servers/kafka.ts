import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Config } from '@cutover/config';
import { kafkaClient } from '../clients.js';
import { KAFKA, KAFKA_VERSION } from '../distributions.js';
import { StackError } from '../errors.js';
import type { ServerContext, ServerDefinition } from '../server.js';

const execFileAsync = promisify(execFile);

export interface KafkaOptions {
  readonly host: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly heap: string;
}

/** A single node that is both broker and KRaft controller, sized for one machine. */
export function kafkaProperties(options: KafkaOptions, logDir: string): string {
  const { host, port, controllerPort } = options;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=${host}:${controllerPort}`,
    `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://${host}:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${logDir}`,
    'num.partitions=1',
    // One broker: every internal topic has one replica.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // Consumer groups in tests should not wait 3 s for more members.
    'group.initial.rebalance.delay.ms=0',
    '',
  ].join('\n');
}

const LOG4J2 = `status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = org.apache.kafka
logger.kafka.level = WARN
logger.state.name = state.change.logger
logger.state.level = WARN
`;

/** A KRaft cluster id, as Kafka spells it: 16 random bytes in unpadded base64url. */
/** A KRaft cluster id: 16 random bytes in base64url, never starting with '-', which the storage tool would read as an option (Kafka's own ids avoid it too). */
export function newClusterId(): string {
  let id: string;
  do id = randomBytes(16).toString('base64url');
  while (id.startsWith('-'));
  return id;
}

export function kafkaServer(options: KafkaOptions, config: Config): ServerDefinition {
  const logDir = (dir: string): string => join(dir, 'data');
  const classpath = (ctx: ServerContext): string[] => [
    `-Dlog4j2.configurationFile=${join(ctx.dir, 'log4j2.properties')}`,
    '-cp',
    join(ctx.installed.lib, '*'),
  ];
  return {
    name: 'kafka',
    description: `Apache Kafka ${KAFKA_VERSION} (KRaft, combined broker and controller)`,
    distribution: KAFKA,
    address: `${options.host}:${options.port}`,
    ports: [
      { host: options.host, port: options.port, purpose: 'broker' },
      { host: options.host, port: options.controllerPort, purpose: 'controller' },
    ],
    readyTimeoutMs: 90_000,
    async prepare(ctx: ServerContext) {
      await writeFile(join(ctx.dir, 'server.properties'), kafkaProperties(options, logDir(ctx.dir)));
      await writeFile(join(ctx.dir, 'log4j2.properties'), LOG4J2);
      if (existsSync(join(logDir(ctx.dir), 'meta.properties'))) return;
      await mkdir(logDir(ctx.dir), { recursive: true });
      const format = [
        ...classpath(ctx),
        'kafka.tools.StorageTool', 'format', '--standalone',
        `--cluster-id=${newClusterId()}`, '-c', join(ctx.dir, 'server.properties'),
      ];
      try {
        await execFileAsync(ctx.java, format);
      } catch (error) {
        const { stderr, stdout, message } = error as { stderr?: string; stdout?: string; message: string };
        throw new StackError('SERVER_NOT_READY', `formatting Kafka storage failed: ${(stderr || stdout || message).trim().slice(-2000)}`, { cause: error });
      }
    },
    args(ctx: ServerContext) {
      return [`-Xms${options.heap}`, `-Xmx${options.heap}`, '-XX:+UseG1GC', '-XX:+ExitOnOutOfMemoryError', ...classpath(ctx), 'kafka.Kafka', join(ctx.dir, 'server.properties')];
    },
    async probe() {
      // The local broker listens in plaintext, whatever KAFKA_TLS and KAFKA_SASL_* say of the brokers the services use.
      const local = { ...config.kafka, brokers: [`${options.host}:${options.port}`], tls: { enabled: false }, sasl: { mechanism: 'none' as const } };
      const admin = kafkaClient({ ...config, kafka: local }, { quiet: true }).admin();
      await admin.connect();
      try {
        const cluster = await admin.describeCluster();
        if (cluster.brokers.length === 0) throw new Error('no broker registered yet');
        // Ready means consumer groups work too: this fails while the group coordinator loads.
        await admin.describeGroups(['cutover-readiness']);
      } finally {
        await admin.disconnect();
      }
    },
  };
}
