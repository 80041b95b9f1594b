import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { kafkajsOptions, producerOptions } from '../src/index.ts';

const ca = join(mkdtempSync(join(tmpdir(), 'cutover-kafka-options-')), 'ca.pem');
writeFileSync(ca, 'the CA');

it('gives both Kafka clients the brokers, TLS and SASL the settings say, each in its own terms', () => {
  const { kafka } = loadConfig({ env: { KAFKA_BROKERS: 'k1:9093,k2:9093', KAFKA_CLIENT_ID: 'ops', KAFKA_TLS: 'true', KAFKA_TLS_CA_PATH: ca, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'alice', KAFKA_SASL_PASSWORD: 's3cret' } });
  const tls = { ca: [Buffer.from('the CA')], rejectUnauthorized: true };
  assert.deepEqual(kafkajsOptions(kafka), { clientId: 'ops', brokers: ['k1:9093', 'k2:9093'], ssl: tls, sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 's3cret' } });
  assert.deepEqual(producerOptions(kafka), { clientId: 'ops', bootstrapBrokers: ['k1:9093', 'k2:9093'], tls, tlsServerName: true, sasl: { mechanism: 'SCRAM-SHA-512', username: 'alice', password: 's3cret' } });
});

it('gives plaintext with no authentication by default, or when the connection does not say', () => {
  const { kafka } = loadConfig({ env: {} });
  assert.deepEqual(kafkajsOptions(kafka), { clientId: 'cutover', brokers: ['127.0.0.1:9092'] });
  assert.deepEqual(producerOptions({ brokers: ['b:1'], clientId: 'c' }), { clientId: 'c', bootstrapBrokers: ['b:1'] });
  const plain = loadConfig({ env: { KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'bob', KAFKA_SASL_PASSWORD: 'pw' } }).kafka;
  assert.deepEqual(producerOptions(plain).sasl, { mechanism: 'PLAIN', username: 'bob', password: 'pw' });
  assert.deepEqual(kafkajsOptions(plain).sasl, { mechanism: 'plain', username: 'bob', password: 'pw' });
});
