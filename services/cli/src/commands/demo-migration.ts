import type { Config } from '@cutover/config';
import { groupNames } from '@cutover/event-log';
import { InMemoryMutationSink, ProxyServer } from '@cutover/proxy';
import { checkRange, copyPlan, copyTables, readSchema, splitRing, syncSchema } from '@cutover/table-migrator';
import cassandra, { concurrent } from 'cassandra-driver';
import { commandLogger } from '../command-logger.js';
import { openCopy } from './copy-setup.js';

const KEYSPACE = 'cutover_demo_shop';
const TABLES = ['customers', 'orders', 'sessions'].map((t) => `${KEYSPACE}.${t}`);
const SCHEMA = [
  `CREATE KEYSPACE ${KEYSPACE} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
  `CREATE TABLE ${KEYSPACE}.customers (id int PRIMARY KEY, name text, email text, tier int, tags set<text>)`,
  `CREATE TABLE ${KEYSPACE}.orders (customer int, placed timestamp, total decimal, status text, PRIMARY KEY (customer, placed)) WITH CLUSTERING ORDER BY (placed DESC)`,
  `CREATE TABLE ${KEYSPACE}.sessions (id uuid PRIMARY KEY, customer int, started timestamp)`,
];
const CUSTOMERS = 2000;

export interface LiveMigrationReport {
  readonly tables: number;
  /** Rows the copy moved, and how long it took from planning to the last chunk loaded. */
  readonly copiedRows: number;
  readonly seconds: number;
  /** Writes the application made through the proxy while the tables were copied, and those that failed. */
  readonly writes: number;
  readonly failedWrites: readonly string[];
  /** Rows on origin at the end, and the token ranges where target differs. */
  readonly rows: number;
  readonly mismatches: number;
}

/**
 * The whole Cassandra path: a shop's tables with data on origin, the proxy in front of both
 * clusters, an application writing through it while `cutover migrate tables` copies the
 * tables, then every token range compared on both sides.
 */
export async function liveMigration(config: Config, prefix: string, collections: readonly string[], say: (line: string) => void): Promise<LiveMigrationReport> {
  const copy = await openCopy(config, prefix, commandLogger(config, 'demo').logger);
  const { origin, target, control } = copy.ctx;
  const proxy = await ProxyServer.start(config, { sink: new InMemoryMutationSink(1000), logger: commandLogger(config, 'demo').logger });
  const app = new cassandra.Client({ contactPoints: [`${config.proxy.listenHost}:${config.proxy.queryPort}`], localDataCenter: config.origin.localDataCenter, queryOptions: { prepare: true } });
  try {
    say(`creating ${TABLES.join(', ')} on origin with ${CUSTOMERS} customers, their orders and sessions`);
    for (const client of [origin, target]) await client.execute(`DROP KEYSPACE IF EXISTS ${KEYSPACE}`);
    for (const statement of SCHEMA) await origin.execute(statement);
    await seed(origin);
    // Target has the schema before the application writes through the proxy to both clusters.
    say(`target gets the schema: ${(await syncSchema(origin, target, TABLES)).statements.length} statements`);

    await control.issue({ type: 'StartMigration', tables: TABLES, collections }, { migrationId: prefix.slice(0, -1), issuer: 'demo', reason: 'the demo' });
    let writing = true;
    let writes = 0;
    const failed: Error[] = [];
    const application = Promise.all(
      Array.from({ length: 8 }, async (_, lane) => {
        for (let n = lane; writing; n += 8) {
          await write(app, n).then(() => writes++, (error: Error) => failed.push(error));
        }
      }),
    );
    say('the application writes through the proxy; meanwhile the tables are copied by 2 workers');
    const started = performance.now();
    const deadline = Date.now() + 180_000;
    const progress = await copyTables(copy.ctx, {
      workers: 2,
      workerId: 'demo-worker',
      group: groupNames(prefix).tableWorkers,
      sizing: { chunkBytes: config.migrator.chunkBytes, minChunks: config.migrator.minChunks, maxChunks: 4096 },
      pollMs: 500,
      onProgress(progress) {
        if (Date.now() > deadline) throw new Error(`the copy did not finish in 3 minutes: ${progress.map((p) => `${p.table} ${p.chunksLoaded}/${p.chunks}`).join(', ')} chunks loaded`);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    writing = false;
    await application;

    say('comparing every token range of every table on origin and target');
    const schema = (await readSchema(origin, [KEYSPACE])).keyspaces.get(KEYSPACE)!;
    let rows = 0;
    let mismatches = 0;
    for (const table of schema.tables.values()) {
      const plan = copyPlan(table, new Set(schema.types.keys()));
      for (const range of splitRing(8)) {
        const check = await checkRange(origin, target, plan, range, { inFlightMs: 0 }); // the application has stopped
        rows += check.rows.origin;
        if (!check.matches) mismatches++;
      }
    }
    return { tables: TABLES.length, copiedRows: progress.reduce((sum, p) => sum + p.rowsLoaded, 0), seconds, writes, failedWrites: failed.map((e) => e.message), rows, mismatches };
  } finally {
    await app.shutdown();
    await proxy.stop();
    await copy.close();
  }
}

async function seed(origin: cassandra.Client): Promise<void> {
  const statements = [];
  for (let id = 0; id < CUSTOMERS; id++) {
    statements.push({ query: `INSERT INTO ${KEYSPACE}.customers (id, name, email, tier, tags) VALUES (?, ?, ?, ?, ?)`, params: [id, `Customer ${id}`, `c${id}@example.com`, id % 3, [`segment-${id % 5}`]] });
    for (let o = 0; o < 3; o++) statements.push({ query: `INSERT INTO ${KEYSPACE}.orders (customer, placed, total, status) VALUES (?, ?, ?, ?)`, params: [id, new Date(Date.UTC(2026, 0, 1 + o, id % 24)), `${(id % 97) + o}.99`, 'delivered'] });
    statements.push({ query: `INSERT INTO ${KEYSPACE}.sessions (id, customer, started) VALUES (?, ?, ?) USING TTL 86400`, params: [cassandra.types.Uuid.random(), id, new Date()] });
  }
  await concurrent.executeConcurrent(origin, statements, { concurrencyLevel: 128 });
}

/** What the application does while the copy runs: updates, new orders, cancellations, sessions that expire. */
async function write(app: cassandra.Client, n: number): Promise<void> {
  const customer = (n * 7919) % CUSTOMERS;
  switch (n % 4) {
    case 0:
      await app.execute(`UPDATE ${KEYSPACE}.customers SET tier = ?, tags = tags + ? WHERE id = ?`, [n % 3, ['active'], customer]);
      break;
    case 1:
      await app.execute(`INSERT INTO ${KEYSPACE}.orders (customer, placed, total, status) VALUES (?, ?, ?, ?)`, [customer, new Date(), '42.00', 'placed']);
      break;
    case 2:
      await app.execute(`DELETE FROM ${KEYSPACE}.orders WHERE customer = ? AND placed = ?`, [customer, new Date(Date.UTC(2026, 0, 1, customer % 24))]);
      break;
    default:
      await app.execute(`INSERT INTO ${KEYSPACE}.sessions (id, customer, started) VALUES (?, ?, ?) USING TTL 3600`, [cassandra.types.Uuid.random(), customer, new Date()]);
  }
}
