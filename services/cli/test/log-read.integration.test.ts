import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import { Consistency, ErrorCode, Opcode, encodeRequestBody, encodeValue, type CqlType } from '@cutover/cql-protocol';
import { loadConfig } from '@cutover/config';
import { KafkaEventLog, SchemaCatalogue, createTopics, topicCatalogue, topicNames, type StoredRecord } from '@cutover/event-log';
import { assembleBatch, encodeDescriptor, encodeMutation, type MutationInput } from '@cutover/mutation-log';
import { kafkaClient } from '@cutover/stack';
import { runCli, spawnCli } from './run-cli.ts';

/** `cutover log read` against the stack's Kafka, on a mutations topic of its own holding v2 and v3 records. */
const prefix = `logread-${randomBytes(3).toString('hex')}.`;
const env = { KAFKA_TOPIC_PREFIX: prefix };
const topic = topicNames(prefix).mutations;
const config = loadConfig({ env });
const log = new KafkaEventLog(config.kafka);
const timeout = 120_000;

const int: CqlType = { kind: 'primitive', name: 'int' };
const text: CqlType = { kind: 'primitive', name: 'varchar' };
const cell = (value: unknown, type: CqlType): Buffer => encodeValue(value, type, 4)!;
const ok = { ok: true, timedOut: false, latencyMicros: 800 };
const base = Date.now() - 60_000;
const iso = (ms: number): string => new Date(ms).toISOString();

const orders = encodeDescriptor({ cql: 'INSERT INTO shop.orders (id, customer) VALUES (?, ?)', keyspace: 'shop', table: 'orders', columns: [{ name: 'id', type: int }, { name: 'customer', type: text }], partitionKey: [0] });
const stockCql = "UPDATE shop.stock SET n = 3 WHERE sku = 'a'";
const stock = encodeDescriptor({ cql: stockCql, keyspace: 'shop', table: 'stock', columns: [], partitionKey: [] });
const createRole = "CREATE ROLE auditor WITH PASSWORD = 'hunter2' AND LOGIN = true";
const role = encodeDescriptor({ cql: createRole, columns: [], partitionKey: [] });
const preparedId = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

function v3(sequence: number, receivedAtMs: number, rest: Pick<MutationInput, 'opcode' | 'statements' | 'body'> & Partial<MutationInput>): Buffer {
  return encodeMutation({
    epoch: base,
    sequence,
    receivedAt: receivedAtMs * 1000,
    kind: 'INSERT',
    protocolVersion: 4,
    consistency: Consistency.LOCAL_QUORUM,
    writeTimestamp: BigInt(receivedAtMs) * 1000n,
    nonIdempotent: { counter: false, listAppend: false, lwt: false, now: false, uuid: false },
    origin: ok,
    target: ok,
    connectionId: 'c7',
    clientAddress: '10.0.0.7:40000',
    driver: 'DataStax Java Driver 4.17.0',
    ...rest,
  });
}

/** A v2 event, as the proxy wrote them before v3 (services/proxy's toMutationEvent), with its writer's schema id. */
const catalogue = SchemaCatalogue.load();
const v2Event = {
  eventId: '6f1c2b1e-2c36-4a5f-9d5e-4b0c6a1d2e3f',
  proxyId: 'proxy-old',
  connectionId: 'c1',
  clientAddress: '127.0.0.1:50000',
  receivedAt: base,
  kind: 'INSERT',
  statement: 'INSERT INTO shop.orders (id, customer) VALUES (?, ?)',
  preparedId: 'abcd',
  keyspace: 'shop',
  table: 'orders',
  values: [{ name: 'id', type: 'int', rendered: '1', bytes: cell(1, int), unset: false }, { name: 'customer', type: 'text', rendered: "'ann'", bytes: cell('ann', text), unset: false }],
  partitionKey: [{ name: 'id', type: 'int', rendered: '1', bytes: cell(1, int), unset: false }],
  consistency: Consistency.LOCAL_QUORUM,
  serialConsistency: null,
  writeTimestamp: base * 1000,
  nonIdempotent: { counter: false, listAppend: false, lwt: false, now: false, uuid: false },
  children: [],
  origin: { ok: true, errorCode: null, errorMessage: null, timedOut: false, latencyMs: 1.5 },
  target: { ok: true, errorCode: null, errorMessage: null, timedOut: false, latencyMs: 2.5 },
  driver: 'gocql v1.6',
};

const execute = encodeRequestBody({ type: 'EXECUTE', id: preparedId, params: { consistency: Consistency.LOCAL_QUORUM, values: [cell(2, int), cell("o'brien", text)], skipMetadata: true } }, 4);
const query = (cql: string) => encodeRequestBody({ type: 'QUERY', query: cql, params: { consistency: Consistency.ONE, skipMetadata: false } }, 4);
const batch = encodeRequestBody(
  { type: 'BATCH', batchType: 0, statements: [{ kind: 'query', query: stockCql, values: [] }, { kind: 'prepared', id: preparedId, values: [cell(4, int), cell('dee', text)] }], consistency: Consistency.QUORUM },
  4,
);

/** The v2 event, a batch of three (an EXECUTE whose target failed, a QUERY, a CREATE ROLE), and a batch holding a BATCH. */
const records = [
  Buffer.concat([Buffer.from([0, 0, 0, 0, 2]), catalogue.byId(2)!.type.toBuffer(v2Event)]),
  assembleBatch('proxy-1', [orders.bytes, stock.bytes, role.bytes], [
    v3(1, base + 1000, { opcode: Opcode.EXECUTE, statements: [orders.id], body: execute, target: { ok: false, errorCode: ErrorCode.WRITE_TIMEOUT, errorMessage: 'write timeout', timedOut: false, latencyMicros: 2_000_000 } }),
    v3(2, base + 2000, { opcode: Opcode.QUERY, kind: 'UPDATE', statements: [stock.id], body: query(stockCql) }),
    v3(3, base + 2500, { opcode: Opcode.QUERY, kind: 'DDL', statements: [role.id], body: query(createRole), writeTimestamp: null }),
  ]),
  assembleBatch('proxy-1', [stock.bytes, orders.bytes], [v3(4, base + 3000, { opcode: Opcode.BATCH, kind: 'BATCH', statements: [stock.id, orders.id], body: batch, writeTimestamp: 2n ** 63n - 1n })]),
];
let stored: StoredRecord[] = [];

interface JsonLine {
  eventId: string;
  receivedAt: string;
  table: string | null;
  kind: string;
  statement: string;
  partitionKey: { name: string; type: string; value: string }[] | null;
  values: { name: string; type: string | null; value: string }[];
  children: { statement: string; table: string; values: { value: string }[] }[];
  writeTimestamp: string | null;
  origin: { ok: boolean; errorCode: number | null };
  target: { ok: boolean; errorCode: number | null; errorMessage: string | null };
  format: number;
  source: { partition: number; offset: string };
}

async function read(...args: string[]): Promise<{ code: number | null; lines: JsonLine[]; stderr: string }> {
  const result = await runCli(['log', 'read', '--json', ...args], env);
  return { code: result.code, stderr: result.stderr, lines: result.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as JsonLine) };
}

before(async () => {
  const admin = kafkaClient(config).admin();
  await admin.connect();
  await createTopics(admin, topicCatalogue(prefix).filter((t) => t.name === topic));
  await admin.disconnect();
  // One key: one partition, so the records keep their order and the offsets are theirs.
  await log.produce(topic, records.map((value) => ({ key: Buffer.from('shop'), value })));
  stored = await log.readAll(topic);
  assert.equal(stored.length, records.length);
});

after(async () => {
  await log.close();
  const admin = kafkaClient(config).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();
});

it('prints every mutation of v2 and v3 records as JSON lines, passwords hidden', { timeout }, async () => {
  const { code, lines, stderr } = await read();
  assert.equal(code, 0, stderr);
  assert.deepEqual(
    lines.map((l) => [l.eventId, l.format, l.kind, l.table]),
    [
      [v2Event.eventId, 2, 'INSERT', 'shop.orders'],
      [`proxy-1/${base}/1`, 3, 'INSERT', 'shop.orders'],
      [`proxy-1/${base}/2`, 3, 'UPDATE', 'shop.stock'],
      [`proxy-1/${base}/3`, 3, 'DDL', null],
      [`proxy-1/${base}/4`, 3, 'BATCH', 'shop.stock'],
    ],
  );
  const [old, executed, , ddl, batched] = lines;
  assert.deepEqual(old!.values.map((v) => v.value), ['1', "'ann'"]);
  assert.equal(old!.writeTimestamp, String(base * 1000));
  assert.equal(executed!.receivedAt, iso(base + 1000));
  assert.equal(executed!.statement, 'INSERT INTO shop.orders (id, customer) VALUES (?, ?)');
  assert.deepEqual(executed!.values, [{ name: 'id', type: 'int', value: '2' }, { name: 'customer', type: 'text', value: "'o''brien'" }]);
  assert.deepEqual(executed!.partitionKey, [{ name: 'id', type: 'int', value: '2' }]);
  assert.equal(executed!.writeTimestamp, String((base + 1000) * 1000));
  assert.deepEqual([executed!.origin.ok, executed!.target.ok, executed!.target.errorCode, executed!.target.errorMessage], [true, false, ErrorCode.WRITE_TIMEOUT, 'write timeout']);
  assert.equal(ddl!.statement, "CREATE ROLE auditor WITH PASSWORD = '*****' AND LOGIN = true");
  assert.equal(ddl!.writeTimestamp, null);
  assert.equal(batched!.writeTimestamp, '9223372036854775807');
  assert.deepEqual(batched!.children.map((c) => [c.table, c.values.map((v) => v.value)]), [['shop.stock', []], ['shop.orders', ['4', "'dee'"]]]);
  assert.deepEqual(lines.map((l) => l.source.offset), [stored[0]!.offset, stored[1]!.offset, stored[1]!.offset, stored[1]!.offset, stored[2]!.offset]);
});

it('filters by table, by time and by position', { timeout }, async () => {
  const byTable = await read('--table', 'shop.stock');
  assert.deepEqual(byTable.lines.map((l) => l.eventId), [`proxy-1/${base}/2`, `proxy-1/${base}/4`], 'a batch counts for each of its tables');
  const byTime = await read('--from', iso(base + 1500), '--to', String(base + 2500));
  assert.deepEqual(byTime.lines.map((l) => l.eventId), [`proxy-1/${base}/2`, `proxy-1/${base}/3`]);
  const { partition, offset } = stored[1]!;
  const byPosition = await read('--from', `${partition}:${offset}`, '--to', `${partition}:${offset}`);
  assert.deepEqual(byPosition.lines.map((l) => l.eventId), [1, 2, 3].map((n) => `proxy-1/${base}/${n}`));
  const elsewhere = await read('--from', `${(partition + 1) % 12}:0`);
  assert.deepEqual(elsewhere.lines, []);
});

it('prints a line a person reads', { timeout }, async () => {
  const result = await runCli(['log', 'read', '--table', 'shop.orders', '--from', String(base + 1000), '--to', String(base + 1000)], env);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stdout.trim(),
    `${iso(base + 1000)}  shop.orders  INSERT  INSERT INTO shop.orders (id, customer) VALUES (?, ?)  key (2)  values id=2, customer='o''brien'  ts ${(base + 1000) * 1000}  origin ok, target failed 0x1100 (write timeout)`,
  );
});

it('refuses options it cannot read, with the usage', { timeout }, async () => {
  const bad = await runCli(['log', 'read', '--from', 'yesterday'], env);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--from takes an ISO-8601 time, ms since the epoch or <partition>:<offset>, not "yesterday"/);
  assert.equal((await runCli(['log', 'read', '--follow', '--to', '0:5'], env)).code, 2);
  assert.equal((await runCli(['log', 'read', '--from', '0:1', '--to', '1:5'], env)).code, 2);
});

it('follows new mutations until interrupted', { timeout }, async () => {
  const cli = spawnCli(['log', 'read', '--json', '--follow', '--from', String(base + 3000)], env);
  const lines = (): string[] => cli.stdout().split('\n').filter((l) => l !== '');
  const waitFor = async (n: number): Promise<void> => {
    for (let waited = 0; lines().length < n; waited += 100) {
      assert.ok(waited < 60_000, `waited for ${n} lines; have: ${cli.stdout()} ${cli.stderr()}`);
      await delay(100);
    }
  };
  await waitFor(1);
  await log.produce(topic, [{ key: Buffer.from('shop'), value: assembleBatch('proxy-1', [stock.bytes], [v3(5, Date.now(), { opcode: Opcode.QUERY, kind: 'UPDATE', statements: [stock.id], body: query(stockCql) })]) }]);
  await waitFor(2);
  cli.child.kill('SIGINT');
  const [code] = (await once(cli.child, 'close')) as [number | null];
  assert.equal(code, 0, cli.stderr());
  assert.deepEqual(lines().map((l) => (JSON.parse(l) as JsonLine).eventId), [`proxy-1/${base}/4`, `proxy-1/${base}/5`]);
});

it('names a record it cannot read on stderr, goes on, and exits 1', { timeout }, async () => {
  await log.produce(topic, [{ key: Buffer.from('shop'), value: Buffer.from('{"not": "avro"}') }]);
  const { code, lines, stderr } = await read('--table', 'shop.orders');
  assert.equal(code, 1);
  assert.equal(lines.length, 3);
  assert.match(stderr, new RegExp(`^unreadable record ${topic.replaceAll('.', '\\.')} \\d+:\\d+: \\[NOT_WIRE_FORMAT\\] not a Confluent wire-format record`, 'm'));
});
