import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { directClients, rowsOf, startProxy, uniqueKeyspace, type TestProxy } from './support.ts';

/**
 * The suite a third-party driver's workload program runs through the proxy (java/Workload.java,
 * go/main.go): each program connects with the protocol version and compression it is given, runs
 * the steps below and prints one JSON object of what it observed; the tests here check that
 * object, and what origin and target really hold, asked directly.
 */

export type ProtocolChoice = 'default' | '4' | '5';
export type Compression = 'none' | 'lz4' | 'snappy';

/** One run of a workload: `default` lets the driver negotiate, starting at its highest version. */
export interface Combination {
  readonly version: ProtocolChoice;
  readonly compression: Compression;
}

/** The highest protocol version the proxy speaks: a driver that negotiates ends there, or at its own highest. */
const PROXY_HIGHEST_VERSION = 5;

/**
 * The runs of a driver's workload: v4 and v5 forced without compression, LZ4 on v5, Snappy on
 * v4 (v5 compresses with LZ4 only), and the driver's own negotiation.
 */
export const COMBINATIONS: readonly Combination[] = [
  { version: '4', compression: 'none' },
  { version: '5', compression: 'none' },
  { version: '5', compression: 'lz4' },
  { version: '4', compression: 'snappy' },
  { version: 'default', compression: 'none' },
];

export interface DriverUnderTest {
  /** As test names say it: "the Java driver 4.19.4". */
  readonly name: string;
  /** Of the keyspaces the runs create. */
  readonly keyspacePrefix: string;
  /** Of the proxy the file starts (its metrics port is the one below); unused by any other test. */
  readonly port: number;
  /** Builds the program the first time, then reuses it: the command and the arguments before HOST PORT KEYSPACE VERSION COMPRESSION. */
  build(): Promise<{ readonly command: string; readonly args: readonly string[] }>;
  /** The highest protocol version the driver speaks: it opens with it when it negotiates. */
  readonly highestVersion: number;
  /** True when the driver prepares a statement that has no bound values too (gocql prepares every DML). */
  readonly preparesLiterals: boolean;
  /** For one run of the workload. */
  readonly timeoutMs: number;
}

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to its end, failing only when it cannot be started or runs out of time. */
export function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    // Asynchronous on purpose: the proxy answering the program runs in this very process.
    execFile(command, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && (error.killed || typeof error.code !== 'number')) reject(new Error(`${command} ${args.join(' ')}: ${error.message}\n${stderr.slice(-4000)}`));
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

type Failed = { error: string };
const failed = (value: unknown): value is Failed => typeof value === 'object' && value !== null && 'error' in value;

/** Rows less their `wt` column, once the writetimes have been compared. */
function withoutWritetime(rows: unknown[]): unknown[] {
  return rows.map((row) => Object.fromEntries(Object.entries(row as Record<string, unknown>).filter(([column]) => column !== 'wt')));
}

/** A row of the workload's logged batch. */
function logged(id: number): Record<string, unknown> {
  return { id, name: `logged ${id}`, tags: [`tag ${id}`], scores: [id, id + 1], attrs: { [`key ${id}`]: id }, home: { street: `${id} Oak Street`, zip: id } };
}

/**
 * A row of the kinds table (a column of every CQL type) as Cassandra renders it with SELECT JSON:
 * compared as text, since JSON.parse would round the bigint and the varint.
 */
function kindsJson(id: number): string {
  return (
    `{"id": ${id}, "a_ascii": "ascii", "a_bigint": 9007199254740993, "a_blob": "0xcafebabe", "a_boolean": true, "a_date": "2024-02-29", ` +
    `"a_decimal": 12345.6789, "a_double": 3.5, "a_duration": "1mo2d3ns", "a_float": 1.25, "a_inet": "127.0.0.9", "a_int": -42, ` +
    `"a_nested": {"k": [1, 2]}, "a_smallint": 32767, "a_text": "ünïcødé ✓", "a_time": "12:34:56.789012345", ` +
    `"a_timestamp": "2024-02-29 12:00:00.123Z", "a_timeuuid": "5c2fb4a0-d6f0-11ee-8000-000000000001", "a_tinyint": -128, ` +
    `"a_tuple": [1, "one"], "a_uuid": "1b4e28ba-2fa1-41d2-883f-0016d3cca427", "a_varchar": "varchar", ` +
    `"a_varint": 123456789012345678901234567890, "a_vector": [1.0, 2.5, -3.0]}`
  );
}

const CQL_ERROR = { syntax: 0x2000, invalid: 0x2200, alreadyExists: 0x2400 };

/**
 * One describe per combination, each with a keyspace of its own, all through one proxy started
 * in this process on `driver.port`.
 */
export function driverSuite(driver: DriverUnderTest, combinations: readonly Combination[]): void {
  const timeout = driver.timeoutMs + 30_000;
  let program: Awaited<ReturnType<DriverUnderTest['build']>>;
  let proxy: TestProxy;
  let direct: ReturnType<typeof directClients>;
  let host: string;

  before(async () => {
    const started = Date.now();
    program = await driver.build();
    console.log(`${driver.name}: workload ready in ${Date.now() - started} ms: ${program.command} ${program.args.join(' ')}`);
  }, { timeout: 600_000 });

  before(async () => {
    proxy = await startProxy(driver.port);
    direct = directClients(proxy.config);
    host = proxy.config.proxy.listenHost;
  });

  after(async () => {
    await proxy?.stop();
    await direct?.shutdown();
  });

  /** The same query straight on both clusters: what each really holds. */
  async function onBoth(query: string, params: unknown[] = []): Promise<{ origin: unknown[]; target: unknown[] }> {
    return { origin: await rowsOf(direct.origin, query, params), target: await rowsOf(direct.target, query, params) };
  }

  /** Where the driver's negotiation must end: the highest version both speak. */
  const negotiated = Math.min(driver.highestVersion, PROXY_HIGHEST_VERSION);
  for (const { version, compression } of combinations) {
    const negotiates = version === 'default';
    describe(`through the proxy with ${driver.name}, ${negotiates ? 'protocol negotiated' : `protocol v${version} forced`}, compression ${compression}`, () => {
      const ks = uniqueKeyspace(driver.keyspacePrefix);
      let workload: Run;
      let observed: Record<string, unknown>;
      /** The proxy's records of this run's mutations. */
      const records = (): typeof proxy.sink.mutations => proxy.sink.mutations.filter((m) => m.keyspace === ks);

      before(async () => {
        const started = Date.now();
        workload = await run(program.command, [...program.args, host, String(driver.port), ks, version, compression], process.env, driver.timeoutMs);
        console.log(`${driver.name} (${version}, ${compression}): workload ran in ${Date.now() - started} ms, exit ${workload.code}`);
        try {
          observed = JSON.parse(workload.stdout) as Record<string, unknown>;
        } catch {
          observed = { connect: { error: `the workload printed no JSON (exit ${workload.code}): ${workload.stdout}` } };
        }
      }, { timeout });

      /** What the workload observed at one step, after checking the step ran and did not fail. */
      function step<T>(name: string): T {
        const value = observed[name];
        const log = workload.stderr.slice(-3000);
        assert.ok(value !== undefined, `the workload never got to "${name}" (exit ${workload.code}): ${JSON.stringify(observed['connect'])}\n${log}`);
        if (failed(value)) assert.fail(`"${name}" failed through the proxy: ${value.error}\n${log}`);
        return value as T;
      }

      const connects = negotiates
        ? `connects without a protocol version, negotiating ${negotiated < driver.highestVersion ? 'down to ' : ''}v${negotiated}`
        : `connects with protocol v${version}`;
      it(connects, { timeout }, () => {
        assert.equal(step<boolean>('connect'), true);
        assert.equal(step<number>('protocol_version'), negotiates ? negotiated : Number(version));
        assert.equal(step<string>('compression'), compression, 'the compression the connections really use');
        assert.equal(workload.code, 0, workload.stderr.slice(-3000));
      });

      it('reads the primary cluster\'s name and partitioner from the proxy\'s virtual system.local', { timeout }, () => {
        assert.equal(step<string>('cluster_name'), 'origin');
        assert.equal(step<string>('partitioner'), 'org.apache.cassandra.dht.Murmur3Partitioner');
      });

      it('creates a keyspace, a UDT and tables with collections and every CQL type on both clusters', { timeout }, async () => {
        assert.deepEqual(step('create'), { schema_agreed: [true, true, true, true, true, true], tables: ['counts', 'items', 'kinds', 'pages'] });
        const tables = await onBoth('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [ks]);
        assert.deepEqual(tables.origin, [{ table_name: 'counts' }, { table_name: 'items' }, { table_name: 'kinds' }, { table_name: 'pages' }]);
        assert.deepEqual(tables.target, tables.origin);
        const types = await onBoth('SELECT type_name, field_names FROM system_schema.types WHERE keyspace_name = ?', [ks]);
        assert.deepEqual(types.origin, [{ type_name: 'address', field_names: ['street', 'zip'] }]);
        assert.deepEqual(types.target, types.origin);
        const ddl = records().filter((m) => m.kind === 'ddl' && m.results.origin.ok && m.results.target.ok);
        assert.equal(ddl.length, 6, 'each DDL statement is recorded, applied on both');
      });

      const columns = 'id, name, tags, scores, attrs, home, writetime(name) AS wt';

      it('writes literal and prepared inserts to both clusters with the driver\'s timestamp', { timeout }, async () => {
        assert.equal(step('simple_insert'), true);
        assert.equal(step('prepared_insert'), true);
        const both = await onBoth(`SELECT ${columns} FROM ${ks}.items WHERE id IN (1, 2)`);
        assert.deepEqual(withoutWritetime(both.origin), [
          { id: 1, name: 'simple', tags: ['a', 'b'], scores: [1, 2], attrs: { x: 1 }, home: { street: 'Main', zip: 1 } },
          { id: 2, name: 'prepared', tags: ['c'], scores: [3, 4], attrs: { y: 2 }, home: { street: 'Elm', zip: 2 } },
        ]);
        assert.deepEqual(both.target, both.origin);

        const prepared = records().find((m) => m.kind === 'insert' && m.values.some((v) => v.rendered === "'prepared'"));
        assert.ok(prepared, 'the prepared insert is recorded');
        assert.equal(prepared.table, 'items');
        assert.match(prepared.preparedId ?? '', /^[0-9a-f]{32}$/);
        assert.deepEqual(prepared.values.map((v) => [v.name, v.type]), [
          ['id', 'int'], ['name', 'text'], ['tags', 'set<text>'], ['scores', 'list<int>'], ['attrs', 'map<text, int>'], ['home', `${ks}.address`],
        ]);
        assert.deepEqual(prepared.values.slice(0, 5).map((v) => v.rendered), ['2', "'prepared'", "{'c'}", '[3, 4]', "{'y': 2}"]);
        assert.deepEqual(prepared.partitionKey?.map((v) => v.rendered), ['2']);
        assert.equal(prepared.results.origin.ok, true);
        assert.equal(prepared.results.target.ok, true);
        const written = (both.origin as { id: number; wt: string }[]).find((row) => row.id === 2);
        assert.equal(prepared.writeTimestamp?.toString(), written?.wt, 'the driver\'s timestamp, applied on both');

        const literal = records().find((m) => m.kind === 'insert' && m.statement.includes("'simple'"));
        assert.ok(literal, 'the literal insert is recorded');
        assert.equal(literal.preparedId !== undefined, driver.preparesLiterals, driver.preparesLiterals ? 'the driver prepares it' : 'the driver sends it unprepared');
      });

      it('runs a logged batch of prepared statements on both clusters, with one writetime', { timeout }, async () => {
        step('logged_batch');
        const ids = [10, 11, 14, 15];
        const both = await onBoth(`SELECT ${columns} FROM ${ks}.items WHERE id IN (${ids.join(', ')})`);
        assert.deepEqual(withoutWritetime(both.origin), ids.map(logged));
        assert.deepEqual(both.target, both.origin);
        assert.equal(new Set(both.origin.map((row) => (row as { wt: string }).wt)).size, 1, 'a batch has one timestamp');
        const batch = records().find((m) => m.kind === 'batch' && m.children?.some((c) => c.values.some((v) => v.rendered === "'logged 10'")));
        assert.ok(batch, 'the batch is recorded');
        assert.deepEqual(batch.children?.map((c) => c.partitionKey?.map((v) => v.rendered)), ids.map((id) => [String(id)]));
      });

      it('runs an unlogged batch of a prepared and an unprepared statement on both clusters', { timeout }, async () => {
        step('unlogged_batch');
        const both = await onBoth(`SELECT id, name, writetime(name) AS wt FROM ${ks}.items WHERE id IN (12, 13)`);
        assert.deepEqual(withoutWritetime(both.origin), [{ id: 12, name: 'unlogged' }, { id: 13, name: 'unlogged simple' }]);
        assert.deepEqual(both.target, both.origin);
        const batch = records().find((m) => m.kind === 'batch' && m.children?.some((c) => c.values.some((v) => v.rendered === "'unlogged'")));
        assert.ok(batch, 'the batch is recorded');
        assert.equal(batch.children?.length, 2);
        assert.deepEqual(batch.children?.[0]?.partitionKey?.map((v) => v.rendered), ['12']);
      });

      it('reads back every row it wrote, as written', { timeout }, () => {
        const empty = { tags: null, scores: null, attrs: null, home: null };
        assert.deepEqual(step('read'), [
          { id: 1, name: 'simple', tags: ['a', 'b'], scores: [1, 2], attrs: { x: 1 }, home: { street: 'Main', zip: 1 } },
          { id: 2, name: 'prepared', tags: ['c'], scores: [3, 4], attrs: { y: 2 }, home: { street: 'Elm', zip: 2 } },
          logged(10),
          logged(11),
          { id: 12, name: 'unlogged', ...empty },
          { id: 13, name: 'unlogged simple', ...empty },
          logged(14),
          logged(15),
        ]);
      });

      it('pages through every row with a page size smaller than the result', { timeout }, async () => {
        assert.deepEqual(step('paged_read'), { page_sizes: [60, 60, 60, 60, 10], rows: Array.from({ length: 250 }, (_, c) => c) });
        const both = await onBoth(`SELECT count(*) AS n FROM ${ks}.pages WHERE p = 1`);
        assert.deepEqual(both.origin, [{ n: '250' }]);
        assert.deepEqual(both.target, both.origin);
      });

      it('follows the session\'s keyspace on both clusters', { timeout }, async () => {
        assert.deepEqual(step('use'), { keyspace: ks, read: [{ id: 20, name: 'unqualified' }] });
        const both = await onBoth(`SELECT name, writetime(name) AS wt FROM ${ks}.items WHERE id = 20`);
        assert.equal(both.origin.length, 1);
        assert.deepEqual(both.target, both.origin);
        const record = proxy.sink.mutations.find((m) => m.statement.includes("'unqualified'") && m.keyspace === ks);
        assert.ok(record, 'the session keyspace names the table of an unqualified statement');
      });

      it('applies a lightweight transaction once, on both clusters', { timeout }, async () => {
        const lwt = step<{ first: boolean; second: boolean; second_row: { name: string } }>('lwt');
        assert.equal(lwt.first, true);
        assert.equal(lwt.second, false);
        assert.equal(lwt.second_row.name, 'lwt', 'a failed IF NOT EXISTS returns the row that is there');
        // Not writetime: Cassandra writes an LWT at its own Paxos ballot's time, whatever the client's timestamp.
        const both = await onBoth(`SELECT name FROM ${ks}.items WHERE id = 30`);
        assert.deepEqual(both.origin, [{ name: 'lwt' }]);
        assert.deepEqual(both.target, both.origin);
        const lwts = records().filter((m) => m.statement.includes('IF NOT EXISTS'));
        assert.equal(lwts.length, 2);
        assert.ok(lwts.every((m) => m.nonIdempotent.lwt));
      });

      it('increments a counter on both clusters', { timeout }, async () => {
        assert.equal(step('counter'), 3);
        const both = await onBoth(`SELECT hits FROM ${ks}.counts WHERE id = 1`);
        assert.deepEqual(both.origin, [{ hits: '3' }]);
        assert.deepEqual(both.target, both.origin);
        const increments = records().filter((m) => m.table === 'counts' && m.kind === 'update');
        assert.equal(increments.length, 2);
        assert.ok(increments.every((m) => m.nonIdempotent.counter));
      });

      it('writes every CQL type, bound and as literals, identically on both clusters, and reads each back as written', { timeout }, async () => {
        assert.deepEqual(step('types'), { rows: 2, mismatches: [] });
        const both = await onBoth(`SELECT JSON * FROM ${ks}.kinds`);
        assert.deepEqual(both.origin, [{ '[json]': kindsJson(1) }, { '[json]': kindsJson(2) }]);
        assert.deepEqual(both.target, both.origin);
        const writetimes = await onBoth(`SELECT id, writetime(a_text) AS wt, writetime(a_vector) AS vt FROM ${ks}.kinds`);
        assert.deepEqual(writetimes.target, writetimes.origin);
        const bound = records().find((m) => m.table === 'kinds' && m.preparedId !== undefined && m.partitionKey?.[0]?.rendered === '1');
        assert.ok(bound, 'the bound insert is recorded');
        assert.equal(bound.results.origin.ok && bound.results.target.ok, true);
      });

      it('keeps the timestamps the driver sets on a statement and on a batch, on both clusters', { timeout }, async () => {
        const expected = { '40': '1700000000000001', '41': '1700000000000002', '42': '1700000000000003', '43': '1700000000000003' };
        assert.deepEqual(step('client_timestamps'), expected);
        const both = await onBoth(`SELECT id, writetime(name) AS wt FROM ${ks}.items WHERE id IN (40, 41, 42, 43)`);
        assert.deepEqual(both.origin, Object.entries(expected).map(([id, wt]) => ({ id: Number(id), wt })));
        assert.deepEqual(both.target, both.origin);
        const stamped = records().filter((m) => m.statement.includes('client timestamp') || m.values.some((v) => v.rendered.startsWith("'client timestamp")));
        assert.deepEqual(stamped.map((m) => m.writeTimestamp?.toString()).sort(), ['1700000000000001', '1700000000000002', '1700000000000003']);
      });

      it('writes a TTL, bound and literal, to both clusters', { timeout }, async () => {
        const ttls = step<Record<string, number>>('ttl');
        assert.ok(ttls['50']! > 3500 && ttls['50']! <= 3600, `bound TTL read back: ${ttls['50']}`);
        assert.ok(ttls['51']! > 500 && ttls['51']! <= 600, `literal TTL read back: ${ttls['51']}`);
        const both = await onBoth(`SELECT id, ttl(name) AS ttl FROM ${ks}.items WHERE id IN (50, 51)`);
        for (const [cluster, rows] of Object.entries(both)) {
          const [bound, literal] = rows as { id: number; ttl: number }[];
          assert.ok(bound?.id === 50 && bound.ttl > 3500 && bound.ttl <= 3600, `${cluster}: ${JSON.stringify(rows)}`);
          assert.ok(literal?.id === 51 && literal.ttl > 500 && literal.ttl <= 600, `${cluster}: ${JSON.stringify(rows)}`);
        }
      });

      it('answers each refused request with Cassandra\'s error, and goes on working', { timeout }, async () => {
        const errors = step<Record<string, { code: number | null; message: string } | string>>('errors');
        const code = (name: string): unknown => (errors[name] as { code: number | null }).code;
        assert.equal(code('syntax'), CQL_ERROR.syntax, JSON.stringify(errors['syntax']));
        assert.equal(code('unknown_table'), CQL_ERROR.invalid, JSON.stringify(errors['unknown_table']));
        assert.equal(code('prepare_unknown_column'), CQL_ERROR.invalid, JSON.stringify(errors['prepare_unknown_column']));
        assert.equal(code('already_exists'), CQL_ERROR.alreadyExists, JSON.stringify(errors['already_exists']));
        assert.match((errors['prepare_unknown_column'] as { message: string }).message, /no_such_column/);
        assert.equal(errors['after'], 'simple', 'the session still answers, and the refused insert changed nothing');
        const both = await onBoth(`SELECT name FROM ${ks}.items WHERE id = 1`);
        assert.deepEqual(both.origin, [{ name: 'simple' }]);
        assert.deepEqual(both.target, both.origin);
        const refused = records().find((m) => m.kind === 'ddl' && m.statement === `CREATE TABLE ${ks}.items (id int PRIMARY KEY)`);
        assert.ok(refused, 'the refused DDL is recorded');
        assert.equal(refused.results.origin.ok || refused.results.target.ok, false, 'refused by both clusters');
      });

      it('takes 2,000 concurrent writes, every one on both clusters with the same writetime', { timeout }, async () => {
        assert.deepEqual(step('concurrent'), { ok: 2000, failed: 0, first_error: null, count: 2000 });
        const both = await onBoth(`SELECT c, writetime(v) AS wt FROM ${ks}.pages WHERE p = 2`);
        assert.equal(both.origin.length, 2000);
        assert.deepEqual(both.target, both.origin);
        const writes = records().filter((m) => m.table === 'pages' && m.statement.endsWith('VALUES (2, ?, ?)'));
        assert.equal(writes.length, 2000, 'each write is recorded');
        assert.ok(writes.every((m) => m.results.origin.ok && m.results.target.ok), 'each applied on both');
      });
    });
  }
}
