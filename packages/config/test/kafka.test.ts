import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, kafkaSecurity, loadConfig, redactConfig } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'cutover-kafka-'));
const pem = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const CA = pem('ca.pem', '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n');
const CERT = pem('client.pem', '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n');
const KEY = pem('client.key', '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n');

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ env });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems.map((x) => `${x.setting}: ${x.reason}`);
  }
  return assert.fail('expected the config to be refused');
}

describe('Kafka TLS and SASL settings', () => {
  it('are off by default: plaintext, no authentication', () => {
    const { kafka } = loadConfig({ env: {} });
    assert.deepEqual([kafka.tls, kafka.sasl], [{ enabled: false }, { mechanism: 'none' }]);
    assert.deepEqual(kafkaSecurity(kafka), {});
  });

  it('read TLS with a CA and a client certificate, and SCRAM in any case, from the environment', () => {
    const { kafka } = loadConfig({ env: { KAFKA_TLS: 'true', KAFKA_TLS_CA_PATH: CA, KAFKA_TLS_CERT_PATH: CERT, KAFKA_TLS_KEY_PATH: KEY, KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'ops', KAFKA_SASL_PASSWORD: 's3cret' } });
    assert.deepEqual(kafka.tls, { enabled: true, caPath: CA, certPath: CERT, keyPath: KEY });
    assert.deepEqual(kafka.sasl, { mechanism: 'scram-sha-512', username: 'ops', password: 's3cret' });
  });

  it('read them from the YAML file too', () => {
    const file = pem('cutover.yaml', `kafka:\n  tls:\n    enabled: true\n  sasl:\n    mechanism: scram-sha-256\n    username: ops\n    password: s3cret\n`);
    const { kafka } = loadConfig({ env: {}, file });
    assert.deepEqual([kafka.tls, kafka.sasl], [{ enabled: true }, { mechanism: 'scram-sha-256', username: 'ops', password: 's3cret' }]);
  });

  it('refuse what cannot work, every problem at once, never showing the password', () => {
    assert.deepEqual(problemsOf({ KAFKA_SASL_MECHANISM: 'scram-sha-256' }), [
      'KAFKA_SASL_USERNAME: is required with KAFKA_SASL_MECHANISM=scram-sha-256',
      'KAFKA_SASL_PASSWORD: is required with KAFKA_SASL_MECHANISM=scram-sha-256',
    ]);
    assert.deepEqual(problemsOf({ KAFKA_SASL_USERNAME: 'ops', KAFKA_SASL_PASSWORD: 's3cret' }), [
      'KAFKA_SASL_USERNAME: is set, but KAFKA_SASL_MECHANISM is none: name the mechanism (scram-sha-256, scram-sha-512 or plain)',
      'KAFKA_SASL_PASSWORD: is set, but KAFKA_SASL_MECHANISM is none: name the mechanism (scram-sha-256, scram-sha-512 or plain)',
    ]);
    assert.deepEqual(problemsOf({ KAFKA_TLS_CA_PATH: CA }), ['KAFKA_TLS_CA_PATH: takes effect with KAFKA_TLS=true only: set that too']);
    assert.deepEqual(problemsOf({ KAFKA_TLS: 'true', KAFKA_TLS_CERT_PATH: CERT }), ['KAFKA_TLS_KEY_PATH: must be set together with KAFKA_TLS_CERT_PATH']);
    const bad = problemsOf({ KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_PASSWORD: 'hunter2' });
    assert.deepEqual(bad, ['KAFKA_SASL_MECHANISM="gssapi": must be one of none, scram-sha-256, scram-sha-512, plain']);
    assert.ok(!bad.join().includes('hunter2'));
  });

  it('refuse PLAIN in plaintext to a broker off this machine, and allow it on loopback or over TLS', () => {
    const plain = { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'ops', KAFKA_SASL_PASSWORD: 's3cret' };
    assert.deepEqual(problemsOf({ ...plain, KAFKA_BROKERS: '127.0.0.1:9092,kafka.example.com:9092' }), [
      'KAFKA_SASL_MECHANISM: plain sends the password itself: it needs KAFKA_TLS=true to reach kafka.example.com (or use scram-sha-256 or scram-sha-512)',
    ]);
    assert.equal(loadConfig({ env: { ...plain, KAFKA_BROKERS: '127.0.0.3:9092,localhost:9093' } }).kafka.sasl.mechanism, 'plain');
    assert.equal(loadConfig({ env: { ...plain, KAFKA_BROKERS: 'kafka.example.com:9093', KAFKA_TLS: 'true' } }).kafka.tls.enabled, true);
    assert.equal(loadConfig({ env: { ...plain, KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_BROKERS: 'kafka.example.com:9092' } }).kafka.sasl.mechanism, 'scram-sha-256');
  });

  it('redact the password wherever the config is shown', () => {
    const config = loadConfig({ env: { KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'ops', KAFKA_SASL_PASSWORD: 's3cret' } });
    const shown = redactConfig(config);
    assert.deepEqual(shown.kafka.sasl, { mechanism: 'scram-sha-256', username: 'ops', password: '[redacted]' });
    assert.ok(!JSON.stringify(shown).includes('s3cret'));
  });
});

describe('kafkaSecurity', () => {
  it('gives kafkajs TLS options (the CA, the client certificate, checked) and SASL credentials', () => {
    const { kafka } = loadConfig({ env: { KAFKA_TLS: 'on', KAFKA_TLS_CA_PATH: CA, KAFKA_TLS_CERT_PATH: CERT, KAFKA_TLS_KEY_PATH: KEY, KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'ops', KAFKA_SASL_PASSWORD: 's3cret' } });
    const { ssl, sasl } = kafkaSecurity(kafka);
    assert.deepEqual(ssl, { ca: [Buffer.from('-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n')], cert: Buffer.from('-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n'), key: Buffer.from('-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n'), rejectUnauthorized: true });
    assert.deepEqual(sasl, { mechanism: 'scram-sha-256', username: 'ops', password: 's3cret' });
  });

  it("checks brokers against the system's CAs when TLS is on with no CA, and leaves out what is off", () => {
    assert.deepEqual(kafkaSecurity({ tls: { enabled: true }, sasl: { mechanism: 'none' } }), { ssl: { rejectUnauthorized: true } });
    assert.deepEqual(kafkaSecurity({ sasl: { mechanism: 'plain', username: 'u', password: 'p' } }), { sasl: { mechanism: 'plain', username: 'u', password: 'p' } });
    assert.deepEqual(kafkaSecurity({}), {});
  });
});
