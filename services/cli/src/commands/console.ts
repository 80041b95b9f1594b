import { readFileSync } from 'node:fs';
import type { Config } from '@cutover/config';
import { buildConsole, consoleAuth, mongoDatabases } from '@cutover/console';
import { SchemaCatalogue, topicCatalogue, topicNames } from '@cutover/event-log';
import { pendingHeals } from '@cutover/proxy';
import { cassandraClient, mongoClient } from '@cutover/stack';
import type cassandra from 'cassandra-driver';
import { commandLogger } from '../command-logger.js';
import type { Output } from '../output.js';
import { UsageError } from '../usage.js';
import { newMigrationId, openControlPlane, prepareTarget } from './control.js';

export const CONSOLE_USAGE = `cutover console    the console: a web page and an HTTP API (/api/v1, /openapi.json) to run the
                   migration, and the schema registry's read API for its topics, on
                   CONSOLE_HOST:CONSOLE_PORT until stopped (SIGINT, SIGTERM)`;

/** The console's address as a person opens it: with the token in the fragment (never sent to the server) when it was made up. */
export function consoleUrl(config: Config, port: number, token?: string): string {
  const scheme = config.console.tls.certPath === undefined ? 'http' : 'https';
  const host = config.console.host.includes(':') ? `[${config.console.host}]` : config.console.host;
  return `${scheme}://${host}:${port}/${token === undefined ? '' : `#token=${token}`}`;
}

/** `cutover console`: serves the console until SIGINT or SIGTERM. */
export async function consoleCommand(args: string[], config: Config, io: Output): Promise<number> {
  if (args.length > 0) throw new UsageError(CONSOLE_USAGE);
  const prefix = config.kafka.topicPrefix;
  const { logger, file } = commandLogger(config, 'console');
  const { plane, log, close } = await openControlPlane(config);
  const live = await plane.live(`${config.proxy.id}-console`);
  const mongo = mongoClient(config);
  const origin = cassandraClient(config.origin);
  const { auth, madeUp } = consoleAuth(config.console);
  const { certPath, keyPath } = config.console.tls;
  const app = await buildConsole({
    live,
    plane,
    catalogue: SchemaCatalogue.load(),
    topics: topicCatalogue(prefix),
    auth,
    logger,
    mongo: { uri: config.mongo.uri, databases: () => mongoDatabases(mongo) },
    originTables: () => originTables(origin),
    observe: async () => ({ pendingHeals: await pendingHeals(log, prefix) }),
    prepareStart: (tables) => prepareTarget(config, tables, { out: (line) => logger.info(line) }),
    newMigrationId: () => newMigrationId(),
    deadLetters: { log, topic: topicNames(prefix).deadLetters },
    ...(certPath === undefined || keyPath === undefined ? {} : { https: { cert: readFileSync(certPath), key: readFileSync(keyPath) } }),
  });
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  try {
    await app.listen({ host: config.console.host, port: config.console.port });
    const { port } = app.server.address() as { port: number };
    io.out(`console: ${consoleUrl(config, port, madeUp)}`);
    if (madeUp !== undefined) io.out('(a token made up for this run, in the address above: set CONSOLE_TOKEN or CONSOLE_TOKENS to keep one)');
    if (file !== undefined) io.out(`(its log: ${file})`);
    await stopped;
    return 0;
  } finally {
    await app.close();
    await live.close();
    await Promise.all([mongo.close(), origin.shutdown()]);
    await close();
  }
}

/** Keyspaces Cassandra keeps for itself. */
const SYSTEM_KEYSPACES = /^(system(_\w+)?|dse_\w+|solr_admin|OpsCenter)$/;

/** Origin's keyspaces and their tables, system keyspaces left out. */
async function originTables(origin: cassandra.Client): Promise<{ keyspace: string; tables: string[] }[]> {
  const rows = (await origin.execute('SELECT keyspace_name, table_name FROM system_schema.tables')).rows;
  const byKeyspace = new Map<string, string[]>();
  for (const row of rows) {
    const keyspace = row['keyspace_name'] as string;
    if (SYSTEM_KEYSPACES.test(keyspace)) continue;
    byKeyspace.set(keyspace, [...(byKeyspace.get(keyspace) ?? []), row['table_name'] as string]);
  }
  return [...byKeyspace].sort(([a], [b]) => a.localeCompare(b)).map(([keyspace, tables]) => ({ keyspace, tables: tables.sort() }));
}
