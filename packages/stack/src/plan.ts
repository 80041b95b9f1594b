import type { Config } from '@cutover/config';
import { StackError } from './errors.js';
import { SERVER_NAMES, type ServerDefinition } from './server.js';
import { cassandraServer } from './servers/cassandra.js';
import { kafkaServer } from './servers/kafka.js';
import { mongoServer } from './servers/mongo.js';
import { s3Server } from './servers/s3.js';

interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * The local stack for a config: each server listens where the config says the services will
 * look for it, so the stack and the services agree by construction. Servers bind 127.x only.
 */
export function planStack(config: Config): ServerDefinition[] {
  const kafka = loopback('KAFKA_BROKERS', splitAddress(config.kafka.brokers[0]!));
  const s3Url = new URL(config.s3.endpoint);
  const s3 = loopback('S3_ENDPOINT', { host: s3Url.hostname, port: Number(s3Url.port || (s3Url.protocol === 'https:' ? 443 : 80)) });
  const mongo = loopback('MONGO_URI', mongoEndpoint(config.mongo.uri));
  const origin = loopback('ORIGIN_HOST', config.origin);
  const target = loopback('TARGET_HOST', config.target);
  // Two nodes on one address would fight over the storage port.
  const targetStoragePort = origin.host === target.host ? 7001 : 7000;
  const { certPath, keyPath } = config.stack.tls;
  const serverTls = certPath !== undefined && keyPath !== undefined ? { serverTls: { certPath, keyPath } } : {};
  return [
    kafkaServer({ ...kafka, controllerPort: kafka.port + 1, heap: config.stack.kafkaHeap }, config),
    cassandraServer({ name: 'origin', cluster: config.origin, storagePort: 7000, heap: config.stack.cassandraHeap, ...serverTls }),
    // Target refuses writes over 5 MiB, as managed services limit them (guardrails would not do:
    // they spare superusers, and without authentication every client is one). The table
    // migrator's bad rows have a real cause to be tested with.
    cassandraServer({ name: 'target', cluster: config.target, storagePort: targetStoragePort, heap: config.stack.cassandraHeap, limits: { max_mutation_size: '5MiB' }, ...serverTls }),
    s3Server(s3, config),
    mongoServer({ ...mongo, heap: config.stack.mongoHeap }, config),
  ];
}

/** The named servers of a plan, in plan order; all of them when `names` is empty. */
export function selectServers(plan: readonly ServerDefinition[], names: readonly string[]): ServerDefinition[] {
  for (const name of names) {
    if (!(SERVER_NAMES as readonly string[]).includes(name)) {
      throw new StackError('UNKNOWN_SERVER', `unknown server "${name}"; the stack has ${SERVER_NAMES.join(', ')}`);
    }
  }
  return names.length === 0 ? [...plan] : plan.filter((s) => names.includes(s.name));
}

function splitAddress(address: string): Endpoint {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

function mongoEndpoint(uri: string): Endpoint {
  const authority = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?,]+)/.exec(uri)?.[1] ?? '';
  return authority.includes(':') ? splitAddress(authority) : { host: authority, port: 27017 };
}

function loopback<T extends Endpoint>(setting: string, endpoint: T): T {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(endpoint.host)) {
    throw new StackError(
      'NOT_LOOPBACK',
      `${setting} points at ${endpoint.host}; the local stack only binds 127.x addresses (unset it, or point it at 127.0.0.x)`,
    );
  }
  return endpoint;
}
