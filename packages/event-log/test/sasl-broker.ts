import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig, type Config } from '@cutover/config';
import { Backoff } from '@cutover/errors';
import { KAFKA, findJava17, generateCertificates, kafkaClient, kafkaProperties, newClusterId, provision } from '@cutover/stack';

/**
 * A Kafka broker of the test's own, beside the stack's: one KRaft node on 127.0.0.9 (ports the
 * system finds free) whose client listener takes SASL only (SCRAM-SHA-256, SCRAM-SHA-512 and
 * PLAIN), with Kafka's own authorizer on: a principal may do only what ACLs allow it, `admin`
 * excepted. It runs from the jars the stack provisioned, in a temporary directory, for as
 * long as the test, and is killed at its end.
 */
export interface SaslBroker {
  /** The SASL listener in plaintext, and the one over TLS (its certificate signed by `caPath`'s CA, for 127.0.0.9). */
  readonly address: string;
  readonly tlsAddress: string;
  readonly caPath: string;
  /** The users and their passwords (both SCRAM mechanisms, and PLAIN). */
  readonly users: Readonly<Record<'admin' | 'cutover' | 'cutover-ops', string>>;
  /** The config of a client logging in as `user` with `mechanism` (the stack's config otherwise); `tls` adds settings, and goes to the TLS listener. */
  config(user: string, mechanism: 'scram-sha-256' | 'scram-sha-512' | 'plain', options?: { readonly password?: string; readonly tls?: Readonly<Record<string, string>> }): Config;
  stop(): Promise<void>;
}

const HOST = '127.0.0.9';

export async function startSaslBroker(): Promise<SaslBroker> {
  const stackConfig = loadConfig();
  const javaHome = findJava17(stackConfig.stack.javaHome);
  const java = join(javaHome, 'bin', 'java');
  const { lib } = await provision(KAFKA, stackConfig.stack.home, javaHome);
  const [port, tlsPort, controllerPort] = [await freePort(), await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'cutover-sasl-kafka-'));
  const certificates = await generateCertificates(join(dir, 'tls'), [HOST]);
  // Kafka's PEM keystore: the unencrypted key and its certificate in one file.
  const keystore = join(dir, 'tls', 'keystore.pem');
  writeFileSync(keystore, readFileSync(certificates.serverKeyPath, 'utf8') + readFileSync(certificates.serverCertPath, 'utf8'));
  const users = { admin: secret(), cutover: secret(), 'cutover-ops': secret() } as const;
  const jaas = (module: string, extra = ''): string => `org.apache.kafka.common.security.${module} required username="admin" password="${users.admin}"${extra};`;
  // The stack's broker settings, then (later lines win) a SASL listener and the authorizer.
  writeFileSync(join(dir, 'server.properties'), [
    kafkaProperties({ host: HOST, port, controllerPort, heap: '256m' }, join(dir, 'data')),
    `listeners=SASL_PLAINTEXT://${HOST}:${port},SASL_SSL://${HOST}:${tlsPort},CONTROLLER://${HOST}:${controllerPort}`,
    `advertised.listeners=SASL_PLAINTEXT://${HOST}:${port},SASL_SSL://${HOST}:${tlsPort}`,
    'inter.broker.listener.name=SASL_PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${keystore}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${certificates.caPath}`,
    'sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512,PLAIN',
    'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
    ...['sasl_plaintext', 'sasl_ssl'].flatMap((listener) => [
      `listener.name.${listener}.scram-sha-512.sasl.jaas.config=${jaas('scram.ScramLoginModule')}`,
      `listener.name.${listener}.scram-sha-256.sasl.jaas.config=${jaas('scram.ScramLoginModule')}`,
      `listener.name.${listener}.plain.sasl.jaas.config=${jaas('plain.PlainLoginModule', Object.entries(users).map(([user, password]) => ` user_${user}="${password}"`).join(''))}`,
    ]),
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    // The controller listener is plaintext, on loopback: its (anonymous) requests are the node's own.
    'super.users=User:admin;User:ANONYMOUS',
    'allow.everyone.if.no.acl.found=false',
    '',
  ].join('\n'));
  writeFileSync(join(dir, 'log4j2.properties'), 'status = warn\nappender.out.type = Console\nappender.out.name = OUT\nappender.out.layout.type = PatternLayout\nappender.out.layout.pattern = [%d] %p %m (%c)%n\nrootLogger.level = WARN\nrootLogger.appenderRef.out.ref = OUT\n');
  const jvm = [`-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`, '-cp', join(lib, '*')];
  const scram = Object.entries(users).flatMap(([user, password]) => ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${user},password=${password}]`]));
  await promisify(execFile)(java, [...jvm, 'kafka.tools.StorageTool', 'format', '--standalone', `--cluster-id=${newClusterId()}`, '-c', join(dir, 'server.properties'), ...scram]);

  let output = '';
  const child: ChildProcess = spawn(java, ['-Xms256m', '-Xmx256m', '-XX:+UseSerialGC', ...jvm, 'kafka.Kafka', join(dir, 'server.properties')], { stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const [address, tlsAddress] = [`${HOST}:${port}`, `${HOST}:${tlsPort}`];
  const config: SaslBroker['config'] = (user, mechanism, options = {}) =>
    loadConfig({
      env: {
        ...process.env,
        KAFKA_BROKERS: options.tls === undefined ? address : tlsAddress,
        KAFKA_TOPIC_PREFIX: '',
        KAFKA_TLS: 'false',
        KAFKA_SASL_MECHANISM: mechanism,
        KAFKA_SASL_USERNAME: user,
        KAFKA_SASL_PASSWORD: options.password ?? users[user as keyof typeof users],
        ...options.tls,
      },
    });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Ready once an admin logged in with SCRAM sees the broker and its group coordinator: probed every half second, for 90 s at most.
    const probes = new Backoff({ initialDelayMs: 500, maxElapsedMs: 90_000 });
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the SASL broker exited (${child.exitCode}): ${output}`);
      const admin = kafkaClient(config('admin', 'scram-sha-512'), { quiet: true }).admin();
      const ready = await admin
        .connect()
        .then(async () => (await admin.describeCluster()).brokers.length > 0 && (await admin.describeGroups(['cutover-readiness']), true))
        .catch(() => false)
        .finally(() => admin.disconnect());
      if (ready) break;
      if (!(await probes.wait())) throw new Error(`the SASL broker did not become ready in 90 s: ${output}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, tlsAddress, caPath: certificates.caPath, users, config, stop };
}

function secret(): string {
  return randomBytes(12).toString('hex');
}

/** A port free on HOST now (the system picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
