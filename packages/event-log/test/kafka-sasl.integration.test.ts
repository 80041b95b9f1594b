import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { kafkaClient } from '@cutover/stack';
import kafkajs, { type AclEntry, type AclOperationTypes as AclOperation } from 'kafkajs';
import { KafkaEventLog, createTopics, topicCatalogue, topicNames } from '../src/index.ts';
import { startSaslBroker, type SaslBroker } from './sasl-broker.ts';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

/**
 * Kafka with SASL, on a broker of the test's own (see sasl-broker.ts): both of Cutover's Kafka
 * clients (kafkajs for reads and admin, @platformatic/kafka for writes) log in with each
 * mechanism from the settings alone, a wrong password is refused, and the README's ACLs let
 * the operators' principal write commands and not the services'.
 */
const timeout = 180_000;
let broker: SaslBroker;
const logs: KafkaEventLog[] = [];
const open = (log: KafkaEventLog): KafkaEventLog => (logs.push(log), log);
const topics = topicNames();

before(async () => {
  broker = await startSaslBroker();
  // The README's ACLs, as its kafka-acls commands give them.
  const admin = kafkaClient(broker.config('admin', 'scram-sha-512')).admin();
  await admin.connect();
  try {
    await admin.createAcls({ acl: readmeAcls() });
  } finally {
    await admin.disconnect();
  }
}, { timeout });

after(async () => {
  for (const log of logs) await log.close();
  await broker?.stop();
});

describe('Kafka with SASL', () => {
  it('carries every client with SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN, from the settings alone', { timeout }, async () => {
    const admin = kafkaClient(broker.config('cutover', 'scram-sha-256')).admin();
    await admin.connect();
    await createTopics(admin, topicCatalogue());
    await admin.disconnect();
    for (const mechanism of ['scram-sha-256', 'scram-sha-512', 'plain'] as const) {
      const log = open(new KafkaEventLog(broker.config('cutover', mechanism).kafka));
      await log.produce(topics.mutations, [{ key: Buffer.from(mechanism), value: Buffer.from(`written with ${mechanism}`) }]);
      const read = await log.readAll(topics.mutations);
      assert.ok(read.some((r) => r.value.toString() === `written with ${mechanism}`), `read back with ${mechanism}: ${read.map((r) => r.value.toString()).join(', ')}`);
    }
  });

  it('goes over TLS with KAFKA_TLS, the brokers checked against KAFKA_TLS_CA_PATH', { timeout }, async () => {
    const log = open(new KafkaEventLog(broker.config('cutover', 'scram-sha-512', { tls: { KAFKA_TLS: 'true', KAFKA_TLS_CA_PATH: broker.caPath } }).kafka));
    await log.produce(topics.mutations, [{ key: Buffer.from('tls'), value: Buffer.from('written over TLS') }]);
    assert.ok((await log.readAll(topics.mutations)).some((r) => r.value.toString() === 'written over TLS'));
    // Without the CA, the broker's certificate is checked against the system's CAs, and refused.
    const unchecked = kafkaClient(broker.config('cutover', 'scram-sha-512', { tls: { KAFKA_TLS: 'true' } }), { quiet: true }).admin();
    await assert.rejects(unchecked.connect(), /self[- ]signed|unable to verify|certificate/i);
  });

  it('refuses a wrong password, to both clients', { timeout }, async () => {
    const config = broker.config('cutover', 'scram-sha-512', { password: 'not-the-password' });
    const log = open(new KafkaEventLog(config.kafka));
    await assert.rejects(log.produce(topics.mutations, [{ key: null, value: Buffer.from('x') }]), (error: unknown) => /authentication failed/i.test(inspect(error, { depth: 8 })));
    const admin = kafkaClient(config, { quiet: true }).admin();
    await assert.rejects(admin.connect(), /authentication failed/i);
  });

  it('lets the operators write commands, and the services only read them (the README\'s ACLs)', { timeout }, async () => {
    const operators = open(new KafkaEventLog(broker.config('cutover-ops', 'scram-sha-512').kafka));
    const services = open(new KafkaEventLog(broker.config('cutover', 'scram-sha-512').kafka));
    await operators.produce(topics.control, [{ key: Buffer.from('m'), value: Buffer.from('a command') }]);
    await assert.rejects(services.produce(topics.control, [{ key: Buffer.from('m'), value: Buffer.from('a forged command') }]), (error: unknown) => /TOPIC_AUTHORIZATION_FAILED|not authorized/i.test(inspect(error, { depth: 8 })));
    assert.deepEqual((await services.readAll(topics.control)).map((r) => r.value.toString()), ['a command']);
    // Facts and dead letters are the services' to write.
    await services.produce(topics.migrationEvents, [{ key: Buffer.from('m'), value: Buffer.from('a fact') }]);
    await services.produce(topics.deadLetters, [{ key: null, value: Buffer.from('a letter') }]);
    assert.equal((await operators.readAll(topics.migrationEvents)).length, 1);
  });
});

/** The ACLs of the README's kafka-acls commands (between its kafka-acls markers), as kafkajs takes them. */
function readmeAcls(): AclEntry[] {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const block = /<!-- kafka-acls -->\n```sh\n([\s\S]*?)```\n<!-- \/kafka-acls -->/.exec(readme)?.[1];
  assert.ok(block !== undefined, 'the README has its kafka-acls block');
  const commands = block.replaceAll('\\\n', ' ').split('\n').filter((line) => line.startsWith('$ACLS --add'));
  assert.ok(commands.length >= 4, block);
  const operations: Readonly<Record<string, AclOperation>> = { Read: AclOperationTypes.READ, Write: AclOperationTypes.WRITE, Create: AclOperationTypes.CREATE, Describe: AclOperationTypes.DESCRIBE, DescribeConfigs: AclOperationTypes.DESCRIBE_CONFIGS, Delete: AclOperationTypes.DELETE };
  return commands.flatMap((command) => {
    const words = command.split(/\s+/);
    const values = (option: string): string[] => words.flatMap((word, i) => (word === option ? [words[i + 1]!] : []));
    const allowed = values('--allow-principal').map((principal) => ({ principal, permissionType: AclPermissionTypes.ALLOW }));
    const denied = values('--deny-principal').map((principal) => ({ principal, permissionType: AclPermissionTypes.DENY }));
    const [topic] = values('--topic');
    const [group] = values('--group');
    const resource = topic !== undefined ? { resourceType: AclResourceTypes.TOPIC, resourceName: topic } : group !== undefined ? { resourceType: AclResourceTypes.GROUP, resourceName: group } : { resourceType: AclResourceTypes.CLUSTER, resourceName: 'kafka-cluster' };
    assert.ok(topic !== undefined || group !== undefined || words.includes('--cluster'), command);
    const resourcePatternType = values('--resource-pattern-type')[0] === 'prefixed' ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL;
    return [...allowed, ...denied].flatMap((who) =>
      values('--operation').map((name) => {
        const operation = operations[name];
        assert.ok(operation !== undefined, `operation ${name}`);
        return { ...who, host: '*', operation, ...resource, resourcePatternType };
      }),
    );
  });
}
