import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig, KafkaSaslMechanism } from './config.js';

/**
 * How a Kafka client reaches the brokers, from the settings, in kafkajs's terms (its `ssl` and
 * `sasl` options take these as they are); @platformatic/kafka, which produces, takes the same
 * TLS options as `tls` and the mechanism upper-cased. Absent: plaintext, no authentication.
 */
export interface KafkaSecurity {
  readonly ssl?: ConnectionOptions;
  readonly sasl?: KafkaSasl;
}

/** SASL credentials, one shape per mechanism (as kafkajs types them). */
export type KafkaSasl = { readonly [M in KafkaSaslMechanism]: { readonly mechanism: M; readonly username: string; readonly password: string } }[KafkaSaslMechanism];

/** The TLS and SASL options of every Kafka client Cutover makes (see `KafkaSecurity`); either setting absent is off. */
export function kafkaSecurity(kafka: Partial<Pick<KafkaConfig, 'tls' | 'sasl'>>): KafkaSecurity {
  const { tls, sasl } = kafka;
  return {
    ...(tls?.enabled === true
      ? {
          ssl: {
            ...(tls.caPath === undefined ? {} : { ca: [readFileSync(tls.caPath)] }),
            ...(tls.certPath === undefined ? {} : { cert: readFileSync(tls.certPath) }),
            ...(tls.keyPath === undefined ? {} : { key: readFileSync(tls.keyPath) }),
            rejectUnauthorized: true,
          },
        }
      : {}),
    ...(sasl === undefined || sasl.mechanism === 'none' ? {} : { sasl: { mechanism: sasl.mechanism, username: sasl.username ?? '', password: sasl.password ?? '' } }),
  };
}
