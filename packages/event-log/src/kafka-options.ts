import type { ConnectionOptions } from 'node:tls';
import { kafkaSecurity, type KafkaConfig } from '@cutover/config';
import type { KafkaConfig as KafkajsConfig } from 'kafkajs';

/** Where the brokers are, and (absent: off) the TLS and SASL the settings give: `Config['kafka']` as it is. */
export type KafkaConnection = Pick<KafkaConfig, 'brokers' | 'clientId'> & Partial<Pick<KafkaConfig, 'tls' | 'sasl'>>;

/** kafkajs's options to reach the brokers (consumers, admin): its id, the brokers, TLS and SASL. */
export function kafkajsOptions(connection: KafkaConnection): Pick<KafkajsConfig, 'clientId' | 'brokers' | 'ssl' | 'sasl'> {
  return { clientId: connection.clientId, brokers: [...connection.brokers], ...kafkaSecurity(connection) };
}

/** The same for @platformatic/kafka's producer, in its terms. */
export interface ProducerConnectionOptions {
  readonly clientId: string;
  readonly bootstrapBrokers: string[];
  readonly tls?: ConnectionOptions;
  /** SNI: the broker's host name, as kafkajs sends it. */
  readonly tlsServerName?: boolean;
  readonly sasl?: { readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; readonly username: string; readonly password: string };
}

export function producerOptions(connection: KafkaConnection): ProducerConnectionOptions {
  const { ssl, sasl } = kafkaSecurity(connection);
  return {
    clientId: connection.clientId,
    bootstrapBrokers: [...connection.brokers],
    ...(ssl === undefined ? {} : { tls: ssl, tlsServerName: true }),
    ...(sasl === undefined ? {} : { sasl: { mechanism: upperCase(sasl.mechanism), username: sasl.username, password: sasl.password } }),
  };
}

function upperCase<T extends string>(text: T): Uppercase<T> {
  return text.toUpperCase() as Uppercase<T>;
}
