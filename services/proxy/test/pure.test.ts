import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify, decodeResponse, ErrorCode, Opcode, type ColumnSpec, type CqlType } from '@cutover/cql-protocol';
import { MicrosecondClock } from '../src/clock.ts';
import { InMemoryMutationSink, type MutationRecord } from '../src/mutation-sink.ts';
import { bindNowAndUuid, hideInjected, replaceNowAndUuid, withInjected } from '../src/nondeterministic.ts';
import { chooseResponse, healable, type Outcome } from '../src/outcome.ts';
import { watchTargetFailures } from '../src/target-failures.ts';
import { errorFrame, supportedByBoth, timeoutFrame, unsupportedVersionMessage, plainToken } from '../src/replies.ts';
import { route } from '../src/routing.ts';
import { StreamIdPool } from '../src/stream-ids.ts';
import { localRow, peerRows, virtualNodes } from '../src/virtual-topology.ts';

describe('MicrosecondClock', () => {
  it('follows the wall clock in microseconds', () => {
    const clock = new MicrosecondClock();
    const now = BigInt(Date.now()) * 1000n;
    const t = clock.next();
    assert.ok(t >= now - 1000n && t < now + 1_000_000n, `${t} vs ${now}`);
  });

  it('never repeats and never goes back, even when the wall clock does', () => {
    const wall = [5_000n, 5_000n, 4_000n, 6_000n];
    const clock = new MicrosecondClock(() => wall.shift()!);
    assert.deepEqual([clock.next(), clock.next(), clock.next(), clock.next()], [5_000n, 5_001n, 5_002n, 6_000n]);
  });
});

describe('StreamIdPool', () => {
  it('hands out every id once, low ids first, and takes them back', () => {
    const pool = new StreamIdPool(3);
    assert.deepEqual([pool.acquire(), pool.acquire(), pool.acquire(), pool.acquire()], [0, 1, 2, undefined]);
    pool.release(1);
    assert.equal(pool.available, 1);
    assert.equal(pool.acquire(), 1);
  });
});

describe('chooseResponse', () => {
  const ok = (name: string): Outcome => ({ ok: true, frame: { version: 4, isResponse: true, flags: 0, stream: 0, opcode: Opcode.RESULT, body: Buffer.from(name) }, latencyMs: 1 });
  const failed = (name: string): Outcome => ({ ok: false, frame: errorFrame(4, ErrorCode.INVALID, name), errorCode: ErrorCode.INVALID, message: name, latencyMs: 1, timedOut: false });
  const unavailable = (name: string): Outcome => ({ ok: false, frame: errorFrame(4, ErrorCode.OVERLOADED, name), errorCode: ErrorCode.OVERLOADED, message: name, latencyMs: 1, timedOut: false });
  const body = (o: Outcome): string => (o.ok ? o.frame.body.toString() : o.message);

  it("gives the primary's answer when both succeed", () => {
    assert.equal(body(chooseResponse({ origin: ok('o'), target: ok('t') }, 'origin')), 'o');
    assert.equal(body(chooseResponse({ origin: ok('o'), target: ok('t') }, 'target')), 't');
  });

  it('gives the failure when one fails, whichever is primary', () => {
    assert.equal(body(chooseResponse({ origin: ok('o'), target: failed('t') }, 'origin')), 't');
    assert.equal(body(chooseResponse({ origin: failed('o'), target: ok('t') }, 'origin')), 'o');
    assert.equal(body(chooseResponse({ origin: failed('o'), target: ok('t') }, 'target')), 'o');
  });

  it("gives the primary's error when both fail", () => {
    assert.equal(body(chooseResponse({ origin: failed('o'), target: failed('t') }, 'origin')), 'o');
    assert.equal(body(chooseResponse({ origin: failed('o'), target: failed('t') }, 'target')), 't');
  });

  it("under origin-acked, gives origin's answer when only target failed for want of availability, whichever is primary", () => {
    assert.equal(body(chooseResponse({ origin: ok('o'), target: unavailable('t') }, 'origin', 'origin-acked')), 'o');
    assert.equal(body(chooseResponse({ origin: ok('o'), target: unavailable('t') }, 'target', 'origin-acked')), 'o');
    assert.equal(body(chooseResponse({ origin: failed('o'), target: ok('t') }, 'target', 'origin-acked')), 'o', 'a failure of origin is still the client\'s');
  });

  it('under origin-acked, a refusal of target (no permission, invalid) is the client\'s answer: it is never healed', () => {
    assert.equal(body(chooseResponse({ origin: ok('o'), target: failed('t') }, 'origin', 'origin-acked')), 't');
    const unauthorized: Outcome = { ok: false, frame: errorFrame(4, ErrorCode.UNAUTHORIZED, 'no'), errorCode: ErrorCode.UNAUTHORIZED, message: 'no', latencyMs: 1, timedOut: false };
    assert.equal(body(chooseResponse({ origin: ok('o'), target: unauthorized }, 'origin', 'origin-acked')), 'no');
    assert.equal(healable(ErrorCode.UNAUTHORIZED), false);
    assert.equal(healable(ErrorCode.WRITE_TIMEOUT), true);
  });
});

describe('watchTargetFailures', () => {
  const record = (table: string, targetOk: boolean): MutationRecord =>
    ({
      keyspace: 'ks', table, statement: '', values: [],
      results: { origin: { ok: true, timedOut: false, latencyMs: 1 }, target: targetOk ? { ok: true, timedOut: false, latencyMs: 1 } : { ok: false, errorCode: ErrorCode.WRITE_TIMEOUT, timedOut: true, latencyMs: 1 } },
    }) as unknown as MutationRecord;

  it('passes every mutation on and calls once per table when its target failures reach the threshold', () => {
    const sink = new InMemoryMutationSink();
    const reached: string[] = [];
    const watched = watchTargetFailures(sink, 3, (table, failures) => reached.push(`${table}:${failures}`));
    for (const [table, ok] of [['a', false], ['a', true], ['b', false], ['a', false], ['a', false], ['a', false], ['b', false]] as const) void watched.record(record(table, ok));
    assert.equal(sink.recorded, 7);
    assert.deepEqual(reached, ['ks.a:3']);
  });
});

describe('route', () => {
  it('sends writes, DDL, USE and unreadable statements to both, reads to the primary', () => {
    assert.deepEqual(route(classify('INSERT INTO ks.t (a) VALUES (1)'), 'primary-only'), { kind: 'both' });
    assert.deepEqual(route(classify('CREATE TABLE ks.t (a int PRIMARY KEY)'), 'primary-only'), { kind: 'both' });
    assert.deepEqual(route(classify('USE ks'), 'primary-only'), { kind: 'both' });
    assert.deepEqual(route(classify('this is not CQL'), 'primary-only'), { kind: 'both' });
    assert.deepEqual(route(classify('SELECT * FROM ks.t'), 'primary-only'), { kind: 'primary', shadow: false });
    assert.deepEqual(route(classify('SELECT * FROM ks.t'), 'dual-async'), { kind: 'primary', shadow: true });
    assert.deepEqual(route(classify('SELECT * FROM system_schema.tables'), 'dual-async'), { kind: 'primary', shadow: false }, 'system keyspaces differ by nature');
  });

  it('answers system.local, system.peers and system.peers_v2 itself', () => {
    assert.deepEqual(route(classify("SELECT * FROM system.local WHERE key='local'"), 'primary-only'), { kind: 'virtual', table: 'local' });
    assert.deepEqual(route(classify('SELECT peer, tokens FROM system.peers'), 'primary-only'), { kind: 'virtual', table: 'peers' });
    assert.deepEqual(route(classify('SELECT * FROM system.peers_v2'), 'primary-only'), { kind: 'virtual', table: 'peers_v2' });
  });
});

describe('virtual topology', () => {
  const nodes = virtualNodes(['127.0.0.10', '127.0.0.11', '127.0.0.12', '127.0.0.13']);
  const text: CqlType = { kind: 'primitive', name: 'varchar' };
  const column = (name: string, type: CqlType): ColumnSpec => ({ keyspace: 'system', table: 'peers', name, type });
  const encode = (value: unknown, type: CqlType): Buffer => Buffer.from(`${JSON.stringify(value)}:${type.kind}`);

  it('splits the Murmur3 ring evenly and gives each proxy a stable host id', () => {
    assert.deepEqual(nodes.map((n) => n.token), ['-9223372036854775808', '-4611686018427387904', '0', '4611686018427387904']);
    assert.equal(new Set(nodes.map((n) => n.hostId)).size, 4);
    assert.deepEqual(virtualNodes(['127.0.0.10']).map((n) => n.hostId), [nodes[0]!.hostId]);
    assert.match(nodes[0]!.hostId, /^[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('rewrites the address, host id and token columns of system.local, keeping the rest', () => {
    const columns = [column('cluster_name', text), column('rpc_address', { kind: 'primitive', name: 'inet' }), column('tokens', { kind: 'set', element: text }), column('host_id', { kind: 'primitive', name: 'uuid' })];
    const row = localRow(columns, [Buffer.from('origin'), Buffer.from('x'), Buffer.from('x'), Buffer.from('x')], nodes[1]!, 14002, encode);
    assert.deepEqual(row.map((cell) => cell?.toString()), ['origin', '"127.0.0.11":primitive', '["-4611686018427387904"]:set', `"${nodes[1]!.hostId}":primitive`]);
  });

  it('lists every other proxy in system.peers, filled from the local template', () => {
    const columns = [column('peer', { kind: 'primitive', name: 'inet' }), column('data_center', text), column('release_version', text)];
    const template = new Map([['data_center', Buffer.from('dc1')], ['release_version', Buffer.from('5.0.9')]]);
    const rows = peerRows(columns, nodes, nodes[0]!, 14002, template, encode);
    assert.deepEqual(rows.map((r) => r.map((cell) => cell?.toString())), [
      ['"127.0.0.11":primitive', 'dc1', '5.0.9'],
      ['"127.0.0.12":primitive', 'dc1', '5.0.9'],
      ['"127.0.0.13":primitive', 'dc1', '5.0.9'],
    ]);
  });
});

describe('replies', () => {
  it("offers only what both clusters support, the proxy's versions, and its own compressions (compression is per hop)", () => {
    const options = supportedByBoth(
      { CQL_VERSION: ['3.4.7', '3.4.6'], COMPRESSION: ['snappy'], PROTOCOL_VERSIONS: ['3/v3', '4/v4', '5/v5', '6/v6-beta'] },
      { CQL_VERSION: ['3.4.6'], COMPRESSION: [], PROTOCOL_VERSIONS: ['4/v4', '5/v5'] },
    );
    assert.deepEqual(options, { CQL_VERSION: ['3.4.6'], COMPRESSION: ['lz4', 'snappy'], PROTOCOL_VERSIONS: ['3/v3', '4/v4', '5/v5'] });
  });

  it("words an unsupported version the way drivers recognise", () => {
    assert.equal(unsupportedVersionMessage(6), 'Invalid or unsupported protocol version (6); supported versions are (3/v3, 4/v4, 5/v5)');
  });

  it('turns a cluster that did not answer into the timeout a coordinator would give', () => {
    const write = decodeResponse(timeoutFrame(4, 'write', 6, true, 'slow')).message;
    assert.deepEqual(write, { type: 'ERROR', code: ErrorCode.WRITE_TIMEOUT, message: 'slow', details: { kind: 'write_timeout', consistency: 6, received: 0, blockFor: 1, writeType: 'BATCH' } });
    const read = decodeResponse(timeoutFrame(4, 'read', 1, false, 'slow')).message;
    assert.equal(read.type === 'ERROR' && read.code, ErrorCode.READ_TIMEOUT);
    const other = decodeResponse(timeoutFrame(3, 'other', 1, false, 'slow')).message;
    assert.equal(other.type === 'ERROR' && other.code, ErrorCode.SERVER_ERROR);
  });

  it('builds the SASL PLAIN token', () => {
    assert.deepEqual(plainToken('bob', 'pw'), Buffer.from('\0bob\0pw'));
  });
});

describe('replaceNowAndUuid', () => {
  it('replaces each call with its own literal, and nothing in strings or comments', () => {
    const out = replaceNowAndUuid("INSERT INTO t (a, b, c, d) VALUES (now(), uuid(), 'now()', now()) -- uuid()");
    const match = /^INSERT INTO t \(a, b, c, d\) VALUES \(([0-9a-f-]{36}), ([0-9a-f-]{36}), 'now\(\)', ([0-9a-f-]{36})\) -- uuid\(\)$/.exec(out);
    assert.ok(match, out);
    assert.equal(match[1]![14], '1', 'now() becomes a version 1 (time) uuid');
    assert.equal(match[2]![14], '4', 'uuid() becomes a version 4 (random) uuid');
    assert.notEqual(match[1], match[3]);
  });

  it('leaves a statement without them untouched', () => {
    const query = 'UPDATE t SET a = 1 WHERE k = 2';
    assert.equal(replaceNowAndUuid(query), query);
  });
});

describe('now() and uuid() in prepared statements', () => {
  it('turns each call into a marker and says where it falls among the variables', () => {
    const { query, injected } = bindNowAndUuid("INSERT INTO t (a, b, c, d, e) VALUES (?, now(), ?, uuid(), 'now()')");
    assert.equal(query, "INSERT INTO t (a, b, c, d, e) VALUES (?, ?, ?, ?, 'now()')");
    assert.deepEqual(injected, [{ type: 'timeuuid', index: 1 }, { type: 'uuid', index: 3 }]);
  });

  it('injects named markers among named ones', () => {
    assert.deepEqual(bindNowAndUuid('INSERT INTO t (a, b) VALUES (:a, now())'), { query: 'INSERT INTO t (a, b) VALUES (:a, :cutover_generated_1)', injected: [{ type: 'timeuuid', index: 1 }] });
  });

  it("fills the injected positions with fresh values around the client's", () => {
    const values = withInjected([Buffer.from('a'), Buffer.from('c')], [{ type: 'timeuuid', index: 1 }, { type: 'uuid', index: 3 }]);
    assert.equal(values.length, 4);
    assert.deepEqual([values[0], values[2]], [Buffer.from('a'), Buffer.from('c')]);
    assert.equal((values[1] as Buffer)[6]! >> 4, 1, 'a version 1 uuid for now()');
    assert.equal((values[3] as Buffer)[6]! >> 4, 4, 'a version 4 uuid for uuid()');
  });

  it('hides the injected variables from the client and shifts the partition key indexes', () => {
    const column = (name: string): ColumnSpec => ({ keyspace: 'k', table: 't', name, type: { kind: 'primitive', name: 'int' } });
    const hidden = hideInjected({ columns: [column('a'), column('b'), column('c'), column('d')], pkIndexes: [2, 1] }, [{ type: 'timeuuid', index: 1 }]);
    assert.deepEqual(hidden.columns.map((c) => c.name), ['a', 'c', 'd']);
    assert.deepEqual(hidden.pkIndexes, [1]);
  });
});

describe('InMemoryMutationSink', () => {
  it('keeps at least the most recent `capacity` records, and counts them all', () => {
    const sink = new InMemoryMutationSink(3);
    for (let i = 0; i < 10; i++) sink.record({ statement: `s${i}` } as MutationRecord);
    assert.equal(sink.recorded, 10);
    assert.ok(sink.mutations.length >= 3 && sink.mutations.length < 6, String(sink.mutations.length));
    assert.equal(sink.mutations.at(-1)?.statement, 's9');
    assert.deepEqual(sink.mutations.slice(-3).map((m) => m.statement), ['s7', 's8', 's9']);
  });
});
