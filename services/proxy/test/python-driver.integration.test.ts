import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { driverVenv } from './python.ts';
import { REPLICATION, directClients, rowsOf, startProxy, uniqueKeyspace, type TestProxy } from './support.ts';

/**
 * The Python cassandra-driver and cqlsh, from PyPI and unmodified, through the proxy to the real
 * origin and target clusters. Both start at their highest protocol version and must downgrade.
 */
const timeout = 120_000;
const port = 19202;
const workloadScript = fileURLToPath(new URL('python/workload.py', import.meta.url));
let venv: Awaited<ReturnType<typeof driverVenv>>;
let proxy: TestProxy;
let direct: ReturnType<typeof directClients>;
let host: string;
let cqlshHome: string;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to its end, failing only when it cannot be started or runs out of time. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    // Asynchronous on purpose: the proxy answering the program runs in this very process.
    execFile(command, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && (error.killed || typeof error.code !== 'number')) reject(new Error(`${command} ${args.join(' ')}: ${error.message}\n${stderr.slice(-4000)}`));
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

before(async () => {
  const started = Date.now();
  venv = await driverVenv();
  console.log(`python venv ready in ${Date.now() - started} ms: ${venv.dir}`);
}, { timeout: 600_000 });

before(async () => {
  proxy = await startProxy(port);
  direct = directClients(proxy.config);
  host = proxy.config.proxy.listenHost;
  cqlshHome = await mkdtemp(join(tmpdir(), 'cutover-cqlsh-'));
});

after(async () => {
  await proxy?.stop();
  await direct?.shutdown();
  if (cqlshHome) await rm(cqlshHome, { recursive: true, force: true });
});

/** The same query straight on both clusters: what each really holds. */
async function onBoth(query: string, params: unknown[] = []): Promise<{ origin: unknown[]; target: unknown[] }> {
  return { origin: await rowsOf(direct.origin, query, params), target: await rowsOf(direct.target, query, params) };
}

/** Rows less their `wt` column, once the writetimes have been compared. */
function withoutWritetime(rows: unknown[]): unknown[] {
  return rows.map((row) => Object.fromEntries(Object.entries(row as Record<string, unknown>).filter(([column]) => column !== 'wt')));
}

type Failed = { error: string };
const failed = (value: unknown): value is Failed => typeof value === 'object' && value !== null && 'error' in value;

/**
 * The whole workload as the driver negotiates it by itself (v5, from DSE v2, with LZ4, which
 * it prefers), on v4 with Snappy, and on v5 uncompressed: the proxy reads and writes each framing.
 */
for (const connection of [
  { label: 'as it negotiates by itself', protocol: 5, compression: 'lz4', env: {} },
  { label: 'v4 with Snappy', protocol: 4, compression: 'snappy', env: { WORKLOAD_PROTOCOL: '4', WORKLOAD_COMPRESSION: 'snappy' } },
  { label: 'v5 uncompressed', protocol: 5, compression: null, env: { WORKLOAD_PROTOCOL: '5', WORKLOAD_COMPRESSION: 'none' } },
]) describe(`through the proxy with the Python driver, ${connection.label}`, () => {
  const ks = uniqueKeyspace('python');
  let workload: Run;
  let observed: Record<string, unknown>;

  before(async () => {
    workload = await run(venv.python, [workloadScript, host, String(port), ks], { ...process.env, PYTHONUNBUFFERED: '1', ...connection.env }, timeout);
    try {
      observed = JSON.parse(workload.stdout) as Record<string, unknown>;
    } catch {
      observed = { connect: { error: `workload.py printed no JSON (exit ${workload.code}): ${workload.stdout}` } };
    }
  }, { timeout });

  /** What the workload observed at one step, after checking the step ran and did not fail. */
  function step<T>(name: string): T {
    const value = observed[name];
    const log = workload.stderr.slice(-3000);
    assert.ok(value !== undefined, `workload.py never got to "${name}" (exit ${workload.code}): ${JSON.stringify(observed['connect'])}\n${log}`);
    if (failed(value)) assert.fail(`"${name}" failed through the proxy: ${value.error}\n${log}`);
    return value as T;
  }

  it(`connects on v${connection.protocol}${connection.env.WORKLOAD_PROTOCOL ? ', as asked' : ', downgrading from DSE v2'}, compressed with ${connection.compression}`, { timeout }, () => {
    assert.equal(step<boolean>('connect'), true);
    assert.equal(step<number>('protocol_version'), connection.protocol);
    assert.equal(step<string | null>('compression'), connection.compression);
    assert.equal(workload.code, 0, workload.stderr.slice(-3000));
  });

  it('reads the primary cluster\'s name and partitioner from the proxy\'s virtual system.local', { timeout }, () => {
    assert.equal(step<string>('cluster_name'), 'origin');
    assert.equal(step<string>('partitioner'), 'org.apache.cassandra.dht.Murmur3Partitioner');
  });

  it('creates a keyspace, a UDT and tables with collections on both clusters', { timeout }, async () => {
    assert.deepEqual(step('create'), { schema_agreed: [true, true, true, true, true], tables: ['counts', 'items', 'pages'] });
    const tables = await onBoth('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [ks]);
    assert.deepEqual(tables.origin, [{ table_name: 'counts' }, { table_name: 'items' }, { table_name: 'pages' }]);
    assert.deepEqual(tables.target, tables.origin);
    const types = await onBoth('SELECT type_name, field_names FROM system_schema.types WHERE keyspace_name = ?', [ks]);
    assert.deepEqual(types.origin, [{ type_name: 'address', field_names: ['street', 'zip'] }]);
    assert.deepEqual(types.target, types.origin);
  });

  const columns = 'id, name, tags, scores, attrs, home, writetime(name) AS wt';

  it('writes simple and prepared inserts to both clusters with the same writetime', { timeout }, async () => {
    assert.equal(step('simple_insert'), true);
    assert.equal(step('prepared_insert'), true);
    const both = await onBoth(`SELECT ${columns} FROM ${ks}.items WHERE id IN (1, 2)`);
    assert.deepEqual(withoutWritetime(both.origin), [
      { id: 1, name: 'simple', tags: ['a', 'b'], scores: [1, 2], attrs: { x: 1 }, home: { street: 'Main', zip: 1 } },
      { id: 2, name: 'prepared', tags: ['c'], scores: [3, 4], attrs: { y: 2 }, home: { street: 'Elm', zip: 2 } },
    ]);
    assert.deepEqual(both.target, both.origin);
  });

  it('runs a logged batch of prepared statements on both clusters, with one writetime', { timeout }, async () => {
    const ids = [10, 11, 14, 15];
    const both = await onBoth(`SELECT ${columns} FROM ${ks}.items WHERE id IN (${ids.join(', ')})`);
    assert.deepEqual(both.target, both.origin);
    step('logged_batch');
    assert.deepEqual(withoutWritetime(both.origin), ids.map(logged));
    assert.equal(new Set(both.origin.map((row) => (row as { wt: string }).wt)).size, 1, 'a batch has one timestamp');
    const batch = proxy.sink.mutations.findLast((m) => m.kind === 'batch' && m.children?.some((c) => c.values.some((v) => v.rendered === "'logged 10'")));
    assert.ok(batch, 'the batch is recorded');
    assert.deepEqual(batch.children?.map((c) => c.partitionKey?.map((v) => v.rendered)), ids.map((id) => [String(id)]));
  });

  it('runs an unlogged batch of a prepared and a simple statement on both clusters', { timeout }, async () => {
    step('unlogged_batch');
    const both = await onBoth(`SELECT id, name, writetime(name) AS wt FROM ${ks}.items WHERE id IN (12, 13)`);
    assert.deepEqual(withoutWritetime(both.origin), [{ id: 12, name: 'unlogged' }, { id: 13, name: 'unlogged simple' }]);
    assert.deepEqual(both.target, both.origin);
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

  it('pages through every row with a fetch size smaller than the result', { timeout }, async () => {
    assert.deepEqual(step('paged_read'), { page_sizes: [60, 60, 60, 60, 10], rows: Array.from({ length: 250 }, (_, c) => c) });
    const both = await onBoth(`SELECT count(*) AS n FROM ${ks}.pages WHERE p = 1`);
    assert.deepEqual(both.origin, [{ n: '250' }]);
    assert.deepEqual(both.target, both.origin);
  });

  it('follows set_keyspace on both clusters', { timeout }, async () => {
    assert.deepEqual(step('use'), { keyspace: ks, read: [{ id: 20, name: 'unqualified' }] });
    const both = await onBoth(`SELECT name, writetime(name) AS wt FROM ${ks}.items WHERE id = 20`);
    assert.equal(both.origin.length, 1);
    assert.deepEqual(both.target, both.origin);
    const record = proxy.sink.mutations.findLast((m) => m.statement.includes("'unqualified'"));
    assert.equal(record?.keyspace, ks, 'the session keyspace names the table of an unqualified statement');
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
    const records = proxy.sink.mutations.filter((m) => m.keyspace === ks && m.statement.includes('IF NOT EXISTS'));
    assert.equal(records.length, 2);
    assert.ok(records.every((m) => m.nonIdempotent.lwt));
  });

  it('increments a counter on both clusters', { timeout }, async () => {
    assert.equal(step('counter'), 3);
    const both = await onBoth(`SELECT hits FROM ${ks}.counts WHERE id = 1`);
    assert.deepEqual(both.origin, [{ hits: '3' }]);
    assert.deepEqual(both.target, both.origin);
    const records = proxy.sink.mutations.filter((m) => m.keyspace === ks && m.table === 'counts' && m.kind === 'update');
    assert.equal(records.length, 2);
    assert.ok(records.every((m) => m.nonIdempotent.counter));
  });

  it('records each mutation in the sink, prepared values rendered with their types', { timeout }, async () => {
    step('prepared_insert');
    const record = proxy.sink.mutations.findLast((m) => m.kind === 'insert' && m.values.some((v) => v.rendered === "'prepared'"));
    assert.ok(record, 'the prepared insert is recorded');
    assert.equal(record.keyspace, ks);
    assert.equal(record.table, 'items');
    assert.match(record.preparedId ?? '', /^[0-9a-f]{32}$/);
    assert.deepEqual(record.values.map((v) => [v.name, v.type, v.rendered]), [
      ['id', 'int', '2'],
      ['name', 'text', "'prepared'"],
      ['tags', 'set<text>', "{'c'}"],
      ['scores', 'list<int>', '[3, 4]'],
      ['attrs', 'map<text, int>', "{'y': 2}"],
      ['home', `${ks}.address`, `{"street": 'Elm', "zip": 2}`],
    ]);
    assert.equal(record.results.origin.ok, true);
    assert.equal(record.results.target.ok, true);
    const [written] = await rowsOf(direct.origin, `SELECT writetime(name) AS wt FROM ${ks}.items WHERE id = 2`);
    assert.equal(record.writeTimestamp?.toString(), (written as { wt: string } | undefined)?.wt, 'the driver\'s timestamp, applied on both');
    const simple = proxy.sink.mutations.findLast((m) => m.kind === 'insert' && m.statement.includes("'simple'"));
    assert.equal(simple?.keyspace, ks);
    assert.equal(proxy.sink.mutations.filter((m) => m.kind === 'ddl' && m.statement.includes(ks)).length, 5);
  });
});

/** A row of the workload's logged batch. */
function logged(id: number): Record<string, unknown> {
  return { id, name: `logged ${id}`, tags: [`tag ${id}`], scores: [id, id + 1], attrs: { [`key ${id}`]: id }, home: { street: `${id} Oak Street`, zip: id } };
}

describe('through the proxy with cqlsh', () => {
  /** cqlsh with no protocol option: it starts at the driver's highest version, like the workload. */
  function cqlsh(statements: string): Promise<Run> {
    return run(venv.cqlsh, [host, String(port), '-e', statements], { ...process.env, HOME: cqlshHome }, 60_000);
  }

  /** Why a cqlsh run failed, for assertion messages. */
  const why = (result: Run): string => `cqlsh exited ${result.code}\n${result.stdout}\n${result.stderr.slice(-3000)}`;

  it('creates a table, inserts and selects rows, on both clusters', { timeout }, async () => {
    const ks = uniqueKeyspace('cqlsh');
    const result = await cqlsh(
      [
        `CREATE KEYSPACE ${ks} WITH replication = ${REPLICATION};`,
        `CREATE TABLE ${ks}.notes (id int PRIMARY KEY, body text);`,
        `INSERT INTO ${ks}.notes (id, body) VALUES (1, 'first note');`,
        `INSERT INTO ${ks}.notes (id, body) VALUES (2, 'second note');`,
        `SELECT id, body FROM ${ks}.notes;`,
      ].join(' '),
    );
    assert.equal(result.code, 0, why(result));
    assert.match(result.stdout, /^\s+1 \|\s+first note\s*$/m);
    assert.match(result.stdout, /^\s+2 \|\s+second note\s*$/m);
    assert.match(result.stdout, /\(2 rows\)/);
    const both = await onBoth(`SELECT id, body, writetime(body) AS wt FROM ${ks}.notes`);
    assert.deepEqual(withoutWritetime(both.origin), [{ id: 1, body: 'first note' }, { id: 2, body: 'second note' }]);
    assert.deepEqual(both.target, both.origin);
  });

  it('negotiates protocol v5 and describes the keyspaces', { timeout }, async () => {
    const ks = uniqueKeyspace('described');
    await proxy.client().execute(`CREATE KEYSPACE ${ks} WITH replication = ${REPLICATION}`);
    // Cassandra pages DESCRIBE and asks for a retry when any schema changed between two pages.
    let result = await cqlsh('SHOW VERSION; DESCRIBE KEYSPACES;');
    // Other tests change schemas all along (each change is a page's chance to fail): retry as asked, for up to 60 s.
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && /schema has changed since the previous page/.test(result.stderr + result.stdout); ) result = await cqlsh('SHOW VERSION; DESCRIBE KEYSPACES;');
    assert.equal(result.code, 0, why(result));
    assert.match(result.stdout, /\| Native protocol v5\]/);
    for (const keyspace of ['system', 'system_schema', 'system_auth', 'system_distributed', 'system_traces', ks]) {
      assert.match(result.stdout, new RegExp(`(^|\\s)${keyspace}(\\s|$)`, 'm'), `${keyspace} is listed`);
    }
  });

  it('selects the virtual system.local the proxy answers itself', { timeout }, async () => {
    const result = await cqlsh('SELECT * FROM system.local;');
    assert.equal(result.code, 0, why(result));
    assert.match(result.stdout, /\(1 rows\)/);
    assert.match(result.stdout, /org\.apache\.cassandra\.dht\.Murmur3Partitioner/);
    assert.match(result.stdout, /\borigin\b/, 'the primary cluster\'s name');
  });
});
