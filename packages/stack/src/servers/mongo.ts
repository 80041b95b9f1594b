import type { Config } from '@cutover/config';
import { mongoClient } from '../clients.js';
import { MONGO, MONGO_JAVA_SERVER_VERSION } from '../distributions.js';
import type { ServerContext, ServerDefinition } from '../server.js';

export interface MongoOptions {
  readonly host: string;
  readonly port: number;
  readonly heap: string;
}

export function mongoServer(options: MongoOptions, config: Config): ServerDefinition {
  return {
    name: 'mongo',
    description: `mongo-java-server ${MONGO_JAVA_SERVER_VERSION} (in memory, oplog on, reports MongoDB 4.4)`,
    distribution: MONGO,
    address: `${options.host}:${options.port}`,
    ports: [{ host: options.host, port: options.port, purpose: 'MongoDB wire' }],
    readyTimeoutMs: 60_000,
    async prepare() {},
    args(ctx: ServerContext) {
      return [`-Xmx${options.heap}`, '-cp', `${ctx.installed.classes}:${ctx.installed.lib}/*`, 'MongoLauncher', options.host, String(options.port)];
    },
    async probe() {
      const client = mongoClient({ ...config, mongo: { uri: `mongodb://${options.host}:${options.port}` } }, { timeoutMs: 1500 });
      try {
        await client.db('admin').command({ ping: 1 });
      } finally {
        await client.close();
      }
    },
  };
}
