import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { StackError, findJava17, javaMajorVersion, planStack } from '../src/index.ts';
import { renderPom, KAFKA, S3PROXY } from '../src/distributions.ts';
import { selectServers } from '../src/plan.ts';
import { cassandraYaml } from '../src/servers/cassandra.ts';
import { kafkaProperties, newClusterId } from '../src/servers/kafka.ts';
import { s3proxyProperties } from '../src/servers/s3.ts';

function stackError(fn: () => unknown, code: string): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof StackError, String(error));
    assert.equal(error.code, code);
    return error.message;
  }
  assert.fail(`expected StackError ${code}`);
}

describe('planStack', () => {
  it('puts each server where the config says the services will look', () => {
    const plan = planStack(loadConfig({ env: {} }));
    assert.deepEqual(
      plan.map((s) => [s.name, s.address, s.ports.map((p) => `${p.host}:${p.port} ${p.purpose}`)]),
      [
        ['kafka', '127.0.0.1:9092', ['127.0.0.1:9092 broker', '127.0.0.1:9093 controller']],
        ['origin', '127.0.0.1:9042', ['127.0.0.1:9042 CQL', '127.0.0.1:7000 storage']],
        ['target', '127.0.0.2:9042', ['127.0.0.2:9042 CQL', '127.0.0.2:7000 storage']],
        ['s3', '127.0.0.1:9000', ['127.0.0.1:9000 HTTP']],
        ['mongo', '127.0.0.1:27017', ['127.0.0.1:27017 MongoDB wire']],
      ],
    );
  });

  it('follows changed addresses, and separates storage ports when both clusters share a host', () => {
    const plan = planStack(
      loadConfig({
        env: { TARGET_HOST: '127.0.0.1', TARGET_PORT: '9043', KAFKA_BROKERS: '127.0.0.5:19092', S3_ENDPOINT: 'http://127.0.0.5:19000', MONGO_URI: 'mongodb://user:pw@127.0.0.5:37017/db?x=1' },
      }),
    );
    const ports = Object.fromEntries(plan.map((s) => [s.name, s.ports.map((p) => `${p.host}:${p.port}`)]));
    assert.deepEqual(ports['target'], ['127.0.0.1:9043', '127.0.0.1:7001']);
    assert.deepEqual(ports['kafka'], ['127.0.0.5:19092', '127.0.0.5:19093']);
    assert.deepEqual(ports['s3'], ['127.0.0.5:19000']);
    assert.deepEqual(ports['mongo'], ['127.0.0.5:37017']);
  });

  it('refuses to bind anything but a 127.x address, naming the setting', () => {
    const message = stackError(() => planStack(loadConfig({ env: { ORIGIN_HOST: 'cassandra.example.com' } })), 'NOT_LOOPBACK');
    assert.match(message, /^ORIGIN_HOST points at cassandra\.example\.com/);
    assert.match(stackError(() => planStack(loadConfig({ env: { MONGO_URI: 'mongodb+srv://cluster0.example.net' } })), 'NOT_LOOPBACK'), /^MONGO_URI/);
  });

  it('selects servers by name and refuses unknown ones', () => {
    const plan = planStack(loadConfig({ env: {} }));
    assert.deepEqual(selectServers(plan, ['mongo', 'kafka']).map((s) => s.name), ['kafka', 'mongo']);
    assert.equal(selectServers(plan, []).length, 5);
    assert.match(stackError(() => selectServers(plan, ['redis']), 'UNKNOWN_SERVER'), /unknown server "redis"; the stack has kafka, origin, target, s3, mongo/);
  });
});

describe('server configuration', () => {
  const config = loadConfig({ env: {} });

  it('gives each Cassandra its own cluster name, addresses and directories', () => {
    const yaml = cassandraYaml({ name: 'target', cluster: config.target, storagePort: 7000, heap: '512m' }, '/d');
    for (const line of ['cluster_name: "target"', 'listen_address: "127.0.0.2"', 'rpc_address: "127.0.0.2"', 'native_transport_port: 9042', 'commitlog_directory: "/d/commitlog"', 'data_file_directories: ["/d/data"]', '      - seeds: "127.0.0.2:7000"']) {
      assert.ok(yaml.split('\n').includes(line), `missing ${line} in\n${yaml}`);
    }
  });

  it('gives a Cassandra the limits asked for, and none otherwise', () => {
    const limited = cassandraYaml({ name: 'target', cluster: config.target, storagePort: 7000, heap: '512m', limits: { max_mutation_size: '5MiB' } }, '/d');
    assert.ok(limited.split('\n').includes('max_mutation_size: "5MiB"'), limited);
    assert.doesNotMatch(cassandraYaml({ name: 'origin', cluster: config.origin, storagePort: 7000, heap: '512m' }, '/d'), /max_mutation_size/);
  });

  it('makes Kafka a single combined KRaft node on the configured listener', () => {
    const props = kafkaProperties({ host: '127.0.0.1', port: 9092, controllerPort: 9093, heap: '512m' }, '/k').split('\n');
    for (const line of ['process.roles=broker,controller', 'listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093', 'controller.quorum.bootstrap.servers=127.0.0.1:9093', 'log.dirs=/k', 'offsets.topic.replication.factor=1']) {
      assert.ok(props.includes(line), line);
    }
    const id = newClusterId();
    assert.match(id, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(Buffer.from(id, 'base64url').length, 16);
    // One id in 64 would start with '-', which kafka-storage reads as an option.
    assert.ok(Array.from({ length: 2000 }, newClusterId).every((draw) => !draw.startsWith('-')));
  });

  it('signs S3Proxy with the keys the services use', () => {
    const props = s3proxyProperties({ host: '127.0.0.1', port: 9000 }, config, '/s').split('\n');
    assert.ok(props.includes('s3proxy.endpoint=http://127.0.0.1:9000'));
    assert.ok(props.includes(`s3proxy.identity=${config.s3.accessKeyId}`));
    assert.ok(props.includes(`s3proxy.credential=${config.s3.secretAccessKey}`));
  });

  it('renders a pom naming every pinned artifact, classifier artifacts without their dependencies', () => {
    const kafka = renderPom(KAFKA);
    assert.match(kafka, /<artifactId>kafka_2\.13<\/artifactId><version>4\.1\.2<\/version>/);
    assert.match(kafka, /<artifactId>slf4j-api<\/artifactId>/);
    const s3 = renderPom(S3PROXY);
    assert.match(s3, /<classifier>jar-with-dependencies<\/classifier><exclusions><exclusion><groupId>\*<\/groupId>/);
  });
});

describe('Java 17 discovery', () => {
  function fakeJdk(version: string): string {
    const home = mkdtempSync(join(tmpdir(), 'jdk-'));
    mkdirSync(join(home, 'bin'));
    writeFileSync(join(home, 'release'), `IMPLEMENTOR="x"\nJAVA_VERSION="${version}"\n`);
    return home;
  }

  it('reads the major version of a JDK release file', () => {
    assert.equal(javaMajorVersion('JAVA_VERSION="17.0.15"'), 17);
    assert.equal(javaMajorVersion('JAVA_VERSION="25"'), 25);
    assert.equal(javaMajorVersion('JAVA_VERSION="1.8.0_402"'), 8);
    assert.equal(javaMajorVersion('nothing here'), undefined);
  });

  it('takes a configured Java 17, refuses another version or a non-JDK, with the reason', () => {
    const jdk17 = fakeJdk('17.0.9');
    assert.equal(findJava17(jdk17), jdk17);
    assert.match(stackError(() => findJava17(fakeJdk('25.0.1')), 'JAVA_NOT_FOUND'), /is Java 25; the local stack needs Java 17/);
    assert.match(stackError(() => findJava17('/nonexistent'), 'JAVA_NOT_FOUND'), /is not a JDK/);
  });

  it('prefers JAVA_HOME when it is 17, and skips it when it is not', () => {
    const jdk17 = fakeJdk('17.0.2');
    assert.equal(findJava17(undefined, { JAVA_HOME: jdk17 }), jdk17);
    // Falls back to /usr/lib/jvm, where this project's machines have OpenJDK 17.
    const found = findJava17(undefined, { JAVA_HOME: fakeJdk('21.0.1') });
    assert.equal(javaMajorVersion(readFileSync(join(found, 'release'), 'utf8')), 17, `found ${found}`);
  });
});
