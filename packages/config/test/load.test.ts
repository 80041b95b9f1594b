import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, SECRET_PATHS, SETTINGS, loadConfig, redactConfig } from '../src/index.ts';

function yamlFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'cutover-config-')), 'cutover.yaml');
  writeFileSync(path, text);
  return path;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    assert.equal(error.code, 'CUTOVER_CONFIG_INVALID');
    return error.problems.map((x) => `${x.setting}: ${x.reason}`);
  }
  assert.fail('expected the config to be refused');
}

describe('loadConfig', () => {
  it('gives the local stack defaults with an empty environment', () => {
    const config = loadConfig({ env: { HOME: '/home/u' } });
    assert.equal(config.origin.host, '127.0.0.1');
    assert.equal(config.target.host, '127.0.0.2');
    assert.equal(config.origin.port, 9042);
    assert.deepEqual(config.kafka.brokers, ['127.0.0.1:9092']);
    assert.equal(config.s3.endpoint, 'http://127.0.0.1:9000');
    assert.equal(config.mongo.uri, 'mongodb://127.0.0.1:27017');
    assert.equal(config.proxy.queryPort, 14002);
    assert.equal(config.proxy.metricsPort, 14001);
    assert.equal(config.stack.dir, join(config.stack.home, 'stack'));
    assert.equal(config.origin.username, undefined);
    assert.deepEqual(config.origin.tls, {});
  });

  it('reads canonical names, typed', () => {
    const config = loadConfig({
      env: { ORIGIN_HOST: 'cass-a', ORIGIN_PORT: '19042', KAFKA_BROKERS: 'k1:9092, k2:9093', CUTOVER_HOME: '/var/cache/x' },
    });
    assert.equal(config.origin.host, 'cass-a');
    assert.equal(config.origin.port, 19042);
    assert.deepEqual(config.kafka.brokers, ['k1:9092', 'k2:9093']);
    assert.equal(config.stack.dir, '/var/cache/x/stack');
  });

  it("accepts the seed proxy's names as aliases, the canonical name winning", () => {
    const config = loadConfig({
      env: {
        SOURCE_HOSTNAME: 'old-origin', SOURCE_PORT: '9142', SOURCE_USERNAME: 'alice', SOURCE_PASSWORD: 'pw1',
        ASTRA_HOSTNAME: 'old-target', ASTRA_PORT: '29042',
        TARGET_PORT: '39042',
      },
    });
    assert.equal(config.origin.host, 'old-origin');
    assert.equal(config.origin.port, 9142);
    assert.equal(config.origin.username, 'alice');
    assert.equal(config.origin.password, 'pw1');
    assert.equal(config.target.host, 'old-target');
    assert.equal(config.target.port, 39042);
  });

  it('reads a YAML file below the environment', () => {
    const file = yamlFile(['origin:', '  host: from-file', '  port: 9500', 'kafka:', '  brokers: [a:1, b:2]', 'target:', '  password: s3cret'].join('\n'));
    const config = loadConfig({ env: { CUTOVER_CONFIG: file, ORIGIN_PORT: '9600' } });
    assert.equal(config.origin.host, 'from-file');
    assert.equal(config.origin.port, 9600);
    assert.deepEqual(config.kafka.brokers, ['a:1', 'b:2']);
    assert.equal(config.target.password, 's3cret');
  });

  it('names every bad setting and why, at once', () => {
    const problems = problemsOf(() =>
      loadConfig({ env: { ORIGIN_PORT: 'abc', KAFKA_BROKERS: 'nohost', S3_ENDPOINT: 'ftp://x', LOG_LEVEL: 'loud' } }),
    );
    assert.deepEqual(problems, [
      'ORIGIN_PORT="abc": must be a port number from 1 to 65535',
      'KAFKA_BROKERS="nohost": "nohost" must be host:port',
      'S3_ENDPOINT="ftp://x": must be an http:// or https:// URL',
      'LOG_LEVEL="loud": must be one of fatal, error, warn, info, debug, trace, silent',
    ]);
  });

  it('reads an error budget as a count or a percentage', () => {
    assert.deepEqual(loadConfig({ env: {} }).migrator.errorBudget, { maxBadRows: 0, maxBadRowsPercent: null });
    assert.deepEqual(loadConfig({ env: { MIGRATOR_MAX_BAD_ROWS: '100' } }).migrator.errorBudget, { maxBadRows: 100, maxBadRowsPercent: null });
    assert.deepEqual(loadConfig({ env: { MIGRATOR_MAX_BAD_ROWS: '0.5%' } }).migrator.errorBudget, { maxBadRows: null, maxBadRowsPercent: 0.5 });
    for (const bad of ['-1', '101%', 'lots', '1,5%']) {
      assert.deepEqual(problemsOf(() => loadConfig({ env: { MIGRATOR_MAX_BAD_ROWS: bad } })), [`MIGRATOR_MAX_BAD_ROWS="${bad}": must be a count of rows (100) or a percentage from 0% to 100% (0.5%)`]);
    }
  });

  it('names the alias the user actually set', () => {
    assert.deepEqual(problemsOf(() => loadConfig({ env: { ASTRA_PORT: '70000' } })), [
      'ASTRA_PORT="70000": must be a port number from 1 to 65535',
    ]);
  });

  it('never echoes a secret value in an error', () => {
    const problems = problemsOf(() => loadConfig({ env: { MONGO_URI: 'postgres://user:hunter2@x' } }));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^MONGO_URI: must be a MongoDB connection string/);
    assert.doesNotMatch(problems[0]!, /hunter2/);
  });

  it('refuses a TLS path that does not exist', () => {
    const problems = problemsOf(() => loadConfig({ env: { TARGET_TLS_CA_PATH: '/nonexistent/ca.pem' } }));
    assert.deepEqual(problems, ['TARGET_TLS_CA_PATH="/nonexistent/ca.pem": file /nonexistent/ca.pem does not exist or cannot be read']);
  });

  it('refuses unknown keys and bad values in the YAML file, naming the file', () => {
    const file = yamlFile('origin:\n  hots: x\n  port: [1, 2]\n');
    assert.deepEqual(problemsOf(() => loadConfig({ file, env: {} })), [
      `origin.hots in ${file}: unknown setting`,
      `origin.port in ${file}=[1,2]: must be a single value, not a list`,
    ]);
  });

  it('refuses a missing or malformed YAML file', () => {
    assert.match(problemsOf(() => loadConfig({ file: '/nonexistent.yaml', env: {} }))[0]!, /^CUTOVER_CONFIG: cannot read \/nonexistent.yaml/);
    assert.match(problemsOf(() => loadConfig({ file: yamlFile('- a\n- b\n'), env: {} }))[0]!, /must hold a mapping of settings/);
  });
});

describe('redaction', () => {
  it('replaces every secret and nothing else', () => {
    const config = loadConfig({ env: { ORIGIN_PASSWORD: 'p1', TARGET_PASSWORD: 'p2', MONGO_URI: 'mongodb://u:p3@h:1', CONSOLE_TOKEN: 'p4', CONSOLE_TOKENS: 'alice=p5p5p5p5p5p5p5p5p5', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'ops', KAFKA_SASL_PASSWORD: 'p6' } });
    const shown = JSON.stringify(redactConfig(config));
    for (const secret of ['p1', 'p2', 'p3', 'p4', 'p5p5', 'p6', 'cutover-secret']) assert.ok(!shown.includes(`"${secret}`) && !shown.includes(`:${secret}@`), secret);
    assert.equal(redactConfig(config).origin.host, '127.0.0.1');
    assert.equal(config.origin.password, 'p1', 'the original is untouched');
    assert.deepEqual([...SECRET_PATHS].sort(), ['console.token', 'console.tokens', 'kafka.sasl.password', 'mongo.uri', 'origin.password', 's3.secretAccessKey', 'target.password']);
  });
});

describe('settings table', () => {
  it('has unique environment names and paths, each documented', () => {
    const names = SETTINGS.flatMap((s) => [s.env, ...(s.aliases ?? [])]);
    assert.equal(new Set(names).size, names.length);
    assert.equal(new Set(SETTINGS.map((s) => s.path)).size, SETTINGS.length);
    for (const s of SETTINGS) assert.ok(s.doc.length > 10, s.env);
  });
});

describe('proxy settings', () => {
  it("defaults to one proxy on the listen host, reads from origin, the client's own credentials to both clusters, Cassandra's frame limit, and no TLS", () => {
    const { proxy } = loadConfig({ env: {} });
    assert.deepEqual(proxy.topologyAddresses, ['127.0.0.1']);
    assert.equal(proxy.topologyIndex, 0);
    assert.equal(proxy.id, 'proxy-0');
    assert.equal(proxy.primaryCluster, 'origin');
    assert.equal(proxy.readMode, 'primary-only');
    assert.equal(proxy.clientCredentials, 'both');
    assert.equal(proxy.maxFrameBytes, 16 * 1024 * 1024);
    assert.equal(proxy.handshakeTimeoutMs, 10_000);
    assert.equal(proxy.idleTimeoutMs, 0);
    assert.equal(proxy.clusterCompression, 'none');
    assert.equal(proxy.replaceNowUuid, false);
    assert.deepEqual(proxy.tls, {});
  });

  it('reads the topology, booleans and timeouts', () => {
    const { proxy } = loadConfig({
      env: { PROXY_TOPOLOGY_ADDRESSES: '127.0.0.10, 127.0.0.11', PROXY_TOPOLOGY_INDEX: '1', PROXY_REPLACE_NOW_UUID: 'yes', PROXY_REQUEST_TIMEOUT_MS: '250', READ_MODE: 'dual-async', PRIMARY_CLUSTER: 'target' },
    });
    assert.deepEqual(proxy.topologyAddresses, ['127.0.0.10', '127.0.0.11']);
    assert.equal(proxy.id, 'proxy-1');
    assert.equal(proxy.replaceNowUuid, true);
    assert.equal(proxy.requestTimeoutMs, 250);
    assert.equal(proxy.readMode, 'dual-async');
    assert.equal(proxy.primaryCluster, 'target');
  });

  it('refuses settings that contradict each other', () => {
    assert.deepEqual(problemsOf(() => loadConfig({ env: { PROXY_TOPOLOGY_INDEX: '2', PROXY_TOPOLOGY_ADDRESSES: 'a,b' } })), [
      'PROXY_TOPOLOGY_INDEX: is 2, but PROXY_TOPOLOGY_ADDRESSES lists only 2 address(es)',
    ]);
    const file = yamlFile('x');
    assert.deepEqual(problemsOf(() => loadConfig({ env: { PROXY_TLS_CERT_PATH: file } })), ['PROXY_TLS_KEY_PATH: must be set together with PROXY_TLS_CERT_PATH']);
    assert.deepEqual(problemsOf(() => loadConfig({ env: { PROXY_REPLACE_NOW_UUID: 'maybe' } })), ['PROXY_REPLACE_NOW_UUID="maybe": must be true or false']);
    assert.deepEqual(problemsOf(() => loadConfig({ env: { TARGET_FAILURE_POLICY: 'origin-acked', LOG_DURABILITY: 'async' } })), [
      "LOG_DURABILITY: must be acked when TARGET_FAILURE_POLICY=origin-acked (the healer re-applies target's failed writes from the log)",
    ]);
  });

  it('keeps acknowledged mutations in a bounded journal by default, and reads sizes with units', () => {
    const { proxy } = loadConfig({ env: {} });
    assert.equal(proxy.logDurability, 'acked');
    assert.equal(proxy.spoolMaxBytes, 10 * 1024 ** 3);
    assert.equal(proxy.logStallMs, 60_000);
    for (const [raw, bytes] of [['1048576', 1048576], ['512MiB', 512 * 1024 ** 2], ['64 KiB', 64 * 1024], ['2g', 2 * 1024 ** 3], ['1TiB', 1024 ** 4]] as const) {
      assert.equal(loadConfig({ env: { PROXY_SPOOL_MAX_BYTES: raw } }).proxy.spoolMaxBytes, bytes, raw);
    }
    for (const raw of ['0', '-1', '1.5GiB', '10 PB', 'lots']) {
      assert.match(problemsOf(() => loadConfig({ env: { PROXY_SPOOL_MAX_BYTES: raw } }))[0] ?? '', /must be a size in bytes/, raw);
    }
  });
});
