import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import cassandra from 'cassandra-driver';
import { REPLICATION, directClients, rowsOf, startProxy, uniqueKeyspace, type TestProxy } from './support.ts';

/** The Node cassandra-driver, unmodified, through the proxy to the real origin and target clusters. */
const timeout = 120_000;
let proxy: TestProxy;
let client: cassandra.Client;
let direct: ReturnType<typeof directClients>;
const ks = uniqueKeyspace('node');

before(async () => {
  proxy = await startProxy(19102);
  client = proxy.client();
  direct = directClients(proxy.config);
  await client.execute(`CREATE KEYSPACE ${ks} WITH replication = ${REPLICATION}`);
  await client.execute(`CREATE TYPE ${ks}.address (street text, zip int, tags frozen<set<text>>)`);
  await client.execute(
    `CREATE TABLE ${ks}.kitchen (id int PRIMARY KEY, name text, tags set<text>, scores list<int>, attrs map<text, int>, home frozen<address>, pair tuple<int, text>, data blob, at timestamp, u uuid, t timeuuid)`,
  );
  await client.execute(`CREATE TABLE ${ks}.counts (id int PRIMARY KEY, hits counter)`);
  await client.execute(`CREATE TABLE ${ks}.pages (p int, c int, v text, PRIMARY KEY (p, c))`);
});

after(async () => {
  await proxy.stop();
  await direct.shutdown();
});

/** The same query straight on both clusters: what each really holds. */
async function onBoth(query: string, params: unknown[] = []): Promise<{ origin: unknown[]; target: unknown[] }> {
  return { origin: await rowsOf(direct.origin, query, params), target: await rowsOf(direct.target, query, params) };
}

describe('through the proxy with the Node driver', () => {
  it('negotiates protocol v4 after the driver first asks for a newer version', { timeout }, () => {
    // The driver opened with DSE v2 (0x42); only the proxy's "unsupported version" answer gets it to v4.
    const connection = client.getState().getConnectedHosts()[0];
    assert.ok(connection);
    assert.equal((client as unknown as { controlConnection: { protocolVersion: number } }).controlConnection.protocolVersion, 4);
  });

  it('creates DDL on both clusters', { timeout }, async () => {
    const query = 'SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?';
    const both = await onBoth(query, [ks]);
    assert.deepEqual(both.origin, [{ table_name: 'counts' }, { table_name: 'kitchen' }, { table_name: 'pages' }]);
    assert.deepEqual(both.target, both.origin);
  });

  it('writes every mutation to both clusters with the same writetime, the client timestamp when it sends one', { timeout }, async () => {
    await client.execute(`INSERT INTO ${ks}.kitchen (id, name) VALUES (1, 'simple')`);
    await client.execute(`INSERT INTO ${ks}.kitchen (id, name) VALUES (?, ?)`, [2, 'prepared'], { prepare: true });
    await client.execute(`UPDATE ${ks}.kitchen SET name = 'updated' WHERE id = 1`);
    const both = await onBoth(`SELECT id, name, writetime(name) AS wt FROM ${ks}.kitchen WHERE id IN (1, 2)`);
    assert.equal(both.origin.length, 2);
    assert.deepEqual(both.target, both.origin);
  });

  it('assigns one proxy timestamp to both clusters when the client sends none', { timeout }, async () => {
    const noTimestamps = proxy.client({ policies: { timestampGeneration: null } as unknown as cassandra.ClientOptions['policies'] });
    const before = BigInt(Date.now()) * 1000n;
    await noTimestamps.execute(`INSERT INTO ${ks}.kitchen (id, name) VALUES (3, 'proxy stamped')`);
    await noTimestamps.execute(`INSERT INTO ${ks}.kitchen (id, name) VALUES (?, ?)`, [4, 'proxy stamped too'], { prepare: true });
    const both = await onBoth(`SELECT id, writetime(name) AS wt FROM ${ks}.kitchen WHERE id IN (3, 4)`);
    assert.deepEqual(both.target, both.origin);
    for (const row of both.origin as { wt: string }[]) assert.ok(BigInt(row.wt) >= before && BigInt(row.wt) % 1000n !== 999n, row.wt);
    const stamped = proxy.sink.mutations.filter((m) => m.statement.includes('proxy stamped') || m.values.some((v) => v.rendered.includes('proxy stamped')));
    assert.deepEqual(stamped.map((m) => m.writeTimestamp?.toString()), (both.origin as { wt: string }[]).map((r) => r.wt));
  });

  it('keeps a USING TIMESTAMP the statement sets', { timeout }, async () => {
    await client.execute(`INSERT INTO ${ks}.kitchen (id, name) VALUES (5, 'old') USING TIMESTAMP 1000`);
    const both = await onBoth(`SELECT writetime(name) AS wt FROM ${ks}.kitchen WHERE id = 5`);
    assert.deepEqual(both.origin, [{ wt: '1000' }]);
    assert.deepEqual(both.target, both.origin);
  });

  it('serves reads from the primary only', { timeout }, async () => {
    await direct.origin.execute(`INSERT INTO ${ks}.kitchen (id, name) VALUES (100, 'only on origin')`);
    await direct.target.execute(`INSERT INTO ${ks}.kitchen (id, name) VALUES (101, 'only on target')`);
    const read = await rowsOf(client, `SELECT id, name FROM ${ks}.kitchen WHERE id IN (100, 101)`);
    assert.deepEqual(read, [{ id: 100, name: 'only on origin' }]);
    const prepared = await client.execute(`SELECT name FROM ${ks}.kitchen WHERE id = ?`, [101], { prepare: true });
    assert.equal(prepared.rowLength, 0);
  });

  it('runs logged and unlogged batches with prepared children on both clusters', { timeout }, async () => {
    const insert = `INSERT INTO ${ks}.kitchen (id, name) VALUES (?, ?)`;
    await client.batch([{ query: insert, params: [10, 'logged a'] }, { query: insert, params: [11, 'logged b'] }], { prepare: true });
    await client.batch([{ query: insert, params: [12, 'unlogged'] }, { query: `UPDATE ${ks}.kitchen SET name = 'u' WHERE id = 13` }], { prepare: true, logged: false });
    const both = await onBoth(`SELECT id, name, writetime(name) AS wt FROM ${ks}.kitchen WHERE id IN (10, 11, 12, 13)`);
    assert.equal(both.origin.length, 4);
    assert.deepEqual(both.target, both.origin);
    const batch = proxy.sink.mutations.find((m) => m.kind === 'batch' && m.children?.some((c) => c.values.some((v) => v.rendered === "'logged a'")));
    assert.ok(batch, 'the batch is recorded');
    assert.equal(batch.children?.length, 2);
    assert.deepEqual(batch.children?.[0]?.partitionKey?.map((v) => v.rendered), ['10']);
  });

  it('pages through a large result', { timeout }, async () => {
    const insert = `INSERT INTO ${ks}.pages (p, c, v) VALUES (?, ?, ?)`;
    await Promise.all(Array.from({ length: 250 }, (_, c) => client.execute(insert, [1, c, `v${c}`], { prepare: true })));
    let pages = 0;
    const seen: number[] = [];
    let pageState: string | undefined;
    do {
      const result = await client.execute(`SELECT c FROM ${ks}.pages WHERE p = 1`, [], { fetchSize: 60, ...(pageState ? { pageState } : {}) });
      pages++;
      seen.push(...result.rows.map((r) => r['c'] as number));
      pageState = result.pageState ?? undefined;
    } while (pageState);
    assert.equal(pages, 5);
    assert.deepEqual(seen, Array.from({ length: 250 }, (_, c) => c));
  });

  it('follows USE on both clusters', { timeout }, async () => {
    const scoped = proxy.client({ keyspace: ks });
    await scoped.execute("INSERT INTO kitchen (id, name) VALUES (20, 'unqualified')");
    const both = await onBoth(`SELECT name FROM ${ks}.kitchen WHERE id = 20`);
    assert.deepEqual(both.origin, [{ name: 'unqualified' }]);
    assert.deepEqual(both.target, both.origin);
    const record = proxy.sink.mutations.find((m) => m.statement.includes("'unqualified'"));
    assert.equal(record?.keyspace, ks, 'the session keyspace names the table of an unqualified statement');
  });

  it('applies lightweight transactions on both and marks them non-idempotent', { timeout }, async () => {
    const first = await client.execute(`INSERT INTO ${ks}.kitchen (id, name) VALUES (30, 'lwt') IF NOT EXISTS`);
    const second = await client.execute(`INSERT INTO ${ks}.kitchen (id, name) VALUES (30, 'again') IF NOT EXISTS`);
    assert.equal(first.rows[0]?.['[applied]'], true);
    assert.equal(second.rows[0]?.['[applied]'], false);
    const both = await onBoth(`SELECT name FROM ${ks}.kitchen WHERE id = 30`);
    assert.deepEqual(both.origin, [{ name: 'lwt' }]);
    assert.deepEqual(both.target, both.origin);
    assert.ok(proxy.sink.mutations.filter((m) => m.statement.includes('IF NOT EXISTS')).every((m) => m.nonIdempotent.lwt));
  });

  it('increments counters on both and marks them non-idempotent', { timeout }, async () => {
    await client.execute(`UPDATE ${ks}.counts SET hits = hits + ? WHERE id = 1`, [cassandra.types.Long.fromNumber(2)], { prepare: true });
    await client.execute(`UPDATE ${ks}.counts SET hits = hits + 1 WHERE id = 1`);
    const both = await onBoth(`SELECT hits FROM ${ks}.counts WHERE id = 1`);
    assert.deepEqual(both.origin, [{ hits: '3' }]);
    assert.deepEqual(both.target, both.origin);
    const records = proxy.sink.mutations.filter((m) => m.table === 'counts' && m.kind === 'update');
    assert.equal(records.length, 2);
    assert.ok(records.every((m) => m.nonIdempotent.counter), 'a bound increment is resolved as a counter by its type');
  });

  it('writes collections, a UDT, a tuple and timeuuids identically on both', { timeout }, async () => {
    const params = [40, 'collections', ['a', 'b'], [3, 1, 2], { x: 1, y: 2 }, { street: 'Main', zip: 12345, tags: ['home'] }, new cassandra.types.Tuple(7, 'seven'), new Date('2024-02-29T12:00:00Z'), cassandra.types.Uuid.random(), cassandra.types.TimeUuid.now()];
    await client.execute(`INSERT INTO ${ks}.kitchen (id, name, tags, scores, attrs, home, pair, at, u, t) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, params, { prepare: true });
    await client.execute(`UPDATE ${ks}.kitchen SET scores = scores + [4] WHERE id = 40`);
    const both = await onBoth(`SELECT tags, scores, attrs, home, pair, at, u, t FROM ${ks}.kitchen WHERE id = 40`);
    assert.deepEqual(both.target, both.origin);
    assert.deepEqual((both.origin[0] as { scores: number[] }).scores, [3, 1, 2, 4]);
    const record = proxy.sink.mutations.find((m) => m.values.some((v) => v.rendered === "'collections'"));
    assert.deepEqual(record?.values.slice(2, 6).map((v) => [v.name, v.type, v.rendered]), [
      ['tags', 'set<text>', "{'a', 'b'}"],
      ['scores', 'list<int>', '[3, 1, 2]'],
      ['attrs', 'map<text, int>', "{'x': 1, 'y': 2}"],
      ['home', `${ks}.address`, `{"street": 'Main', "zip": 12345, "tags": {'home'}}`],
    ]);
    const append = proxy.sink.mutations.find((m) => m.statement.includes('scores = scores + [4]'));
    assert.equal(append?.nonIdempotent.listAppend, true);
  });

  it('carries a 2 MB value', { timeout }, async () => {
    const data = Buffer.alloc(2 * 1024 * 1024, 0xab);
    data.write('start');
    await client.execute(`INSERT INTO ${ks}.kitchen (id, data) VALUES (?, ?)`, [50, data], { prepare: true });
    const back = await client.execute(`SELECT data FROM ${ks}.kitchen WHERE id = 50`);
    assert.ok((back.rows[0]?.['data'] as Buffer).equals(data));
    const onTarget = await direct.target.execute(`SELECT data FROM ${ks}.kitchen WHERE id = 50`);
    assert.ok((onTarget.rows[0]?.['data'] as Buffer).equals(data));
  });

  it('records each mutation with its outcome on both clusters', { timeout }, () => {
    const record = proxy.sink.mutations.find((m) => m.values.some((v) => v.rendered === "'prepared'"));
    assert.ok(record);
    assert.equal(record.kind, 'insert');
    assert.equal(record.keyspace, ks);
    assert.equal(record.table, 'kitchen');
    assert.equal(record.statement, `INSERT INTO ${ks}.kitchen (id, name) VALUES (?, ?)`);
    assert.match(record.preparedId ?? '', /^[0-9a-f]{32}$/);
    assert.deepEqual(record.values.map((v) => [v.name, v.type, v.rendered]), [['id', 'int', '2'], ['name', 'text', "'prepared'"]]);
    assert.deepEqual(record.partitionKey?.map((v) => v.rendered), ['2']);
    assert.equal(record.consistency, cassandra.types.consistencies.localOne);
    assert.equal(record.results.origin.ok, true);
    assert.equal(record.results.target.ok, true);
    assert.ok(record.results.origin.latencyMs > 0);
    assert.equal(record.proxyId, 'proxy-0');
    assert.ok(proxy.sink.mutations.every((m) => m.kind !== 'other'), 'reads are never recorded');
  });

  it('publishes Prometheus metrics and health', { timeout }, async () => {
    const base = `http://${proxy.config.proxy.listenHost}:${proxy.config.proxy.metricsPort}`;
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /cutover_proxy_request_duration_seconds_count\{kind="write",cluster="origin"\} [1-9]/);
    assert.match(metrics, /cutover_proxy_request_duration_seconds_count\{kind="read",cluster="origin"\} [1-9]/);
    assert.doesNotMatch(metrics, /cutover_proxy_request_duration_seconds_count\{kind="read",cluster="target"\}/, 'no reads went to target');
    assert.match(metrics, /cutover_proxy_client_connections [1-9]/);
    assert.match(metrics, /cutover_proxy_prepared_cache_size [1-9]/);
    assert.equal((await fetch(`${base}/health/live`)).status, 200);
    const ready = await fetch(`${base}/health/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', origin: 'up', target: 'up', log: 'ok', control: 'configured', primary: 'origin', targetFailurePolicy: 'strict' });
  });
});
