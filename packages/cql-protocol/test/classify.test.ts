import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLOCK_FUNCTIONS, classify, findFunctionCalls, type MutationKind, type NonIdempotence, type StatementInfo, type StatementKind } from '../src/classify.ts';
import { tokenize } from '../src/tokenize.ts';

type Flag = keyof NonIdempotence;

/** One row: the statement and what classify must say, every field not given being absent or false. */
interface Case {
  readonly q: string;
  readonly kind: StatementKind;
  readonly ks?: string;
  readonly table?: string;
  readonly mutation?: MutationKind;
  readonly ts?: true;
  readonly flags?: readonly Flag[];
  readonly system?: 'local' | 'peers' | 'peers_v2';
}

const CASES: readonly Case[] = [
  // reads
  { q: 'SELECT * FROM t', kind: 'read', table: 't' },
  { q: 'select a, b from ks.t where k = 1', kind: 'read', ks: 'ks', table: 't' },
  { q: 'SeLeCt * FrOm Ks.TaBlE', kind: 'read', ks: 'ks', table: 'table' },
  { q: 'SELECT * FROM "MyKs"."MyTable"', kind: 'read', ks: 'MyKs', table: 'MyTable' },
  { q: 'SELECT * FROM "My""Ks".t', kind: 'read', ks: 'My"Ks', table: 't' },
  { q: 'SELECT count(*), writetime(v), CAST(x AS text) FROM ks.t WHERE k IN (1, 2) LIMIT 10', kind: 'read', ks: 'ks', table: 't' },
  { q: 'SELECT JSON * FROM ks.t', kind: 'read', ks: 'ks', table: 't' },
  { q: 'SELECT DISTINCT k FROM ks.t', kind: 'read', ks: 'ks', table: 't' },
  { q: "SELECT * FROM t WHERE name = 'IF NOT EXISTS'", kind: 'read', table: 't' },
  { q: 'SELECT now() FROM t', kind: 'read', table: 't', flags: ['now'] },
  { q: 'SELECT * FROM t WHERE k = ? AND c > :from', kind: 'read', table: 't' },
  { q: '  \n\t SELECT * FROM t ;  ', kind: 'read', table: 't' },
  { q: '/* leading */ -- and a line\nSELECT * FROM t; -- trailing', kind: 'read', table: 't' },
  { q: 'SELECT * FROM t;;', kind: 'read', table: 't' },
  { q: 'SELECT * // inline\nFROM ks.t', kind: 'read', ks: 'ks', table: 't' },
  // system tables
  { q: "SELECT * FROM system.local WHERE key = 'local'", kind: 'read', ks: 'system', table: 'local', system: 'local' },
  { q: 'SELECT peer, rpc_address FROM system.peers', kind: 'read', ks: 'system', table: 'peers', system: 'peers' },
  { q: 'select * from SYSTEM.PEERS_V2', kind: 'read', ks: 'system', table: 'peers_v2', system: 'peers_v2' },
  { q: 'SELECT * FROM "system"."local"', kind: 'read', ks: 'system', table: 'local', system: 'local' },
  { q: 'SELECT * FROM "SYSTEM".local', kind: 'read', ks: 'SYSTEM', table: 'local' },
  { q: 'SELECT * FROM system."Local"', kind: 'read', ks: 'system', table: 'Local' },
  { q: 'SELECT * FROM system.size_estimates', kind: 'read', ks: 'system', table: 'size_estimates' },
  { q: 'SELECT * FROM system_schema.tables', kind: 'read', ks: 'system_schema', table: 'tables' },
  { q: 'SELECT * FROM system_views.local', kind: 'read', ks: 'system_views', table: 'local' },
  { q: 'SELECT * FROM local', kind: 'read', table: 'local' },
  // inserts
  { q: 'INSERT INTO ks.t (k, v) VALUES (1, 2)', kind: 'write', ks: 'ks', table: 't', mutation: 'insert' },
  { q: 'insert into T (k) values (?)', kind: 'write', table: 't', mutation: 'insert' },
  { q: 'INSERT INTO "MyKs"."MyTable" (k) VALUES (:k)', kind: 'write', ks: 'MyKs', table: 'MyTable', mutation: 'insert' },
  { q: 'INSERT INTO t (k) VALUES (1) IF NOT EXISTS', kind: 'write', table: 't', mutation: 'insert', flags: ['lwt'] },
  { q: 'INSERT INTO t (k) VALUES (1) -- IF NOT EXISTS', kind: 'write', table: 't', mutation: 'insert' },
  { q: 'INSERT INTO t (k) VALUES (1) /* IF NOT EXISTS */', kind: 'write', table: 't', mutation: 'insert' },
  { q: "INSERT INTO t (k, v) VALUES (1, 'IF NOT EXISTS')", kind: 'write', table: 't', mutation: 'insert' },
  { q: 'INSERT INTO t (k, "if") VALUES (1, 2)', kind: 'write', table: 't', mutation: 'insert' },
  { q: 'INSERT INTO t (k, v) VALUES (1, now())', kind: 'write', table: 't', mutation: 'insert', flags: ['now'] },
  { q: 'INSERT INTO t (k, v) VALUES (uuid(), NOW())', kind: 'write', table: 't', mutation: 'insert', flags: ['now', 'uuid'] },
  { q: "INSERT INTO t (k, v) VALUES (1, 'now()')", kind: 'write', table: 't', mutation: 'insert' },
  { q: 'INSERT INTO t (k, v) VALUES (1, $$uuid() and now()$$)', kind: 'write', table: 't', mutation: 'insert' },
  { q: 'INSERT INTO t (k, v) VALUES (1, "now"())', kind: 'write', table: 't', mutation: 'insert', flags: ['now'] },
  { q: 'INSERT INTO t (k, v) VALUES (1, "NOW"())', kind: 'write', table: 't', mutation: 'insert' },
  { q: 'INSERT INTO t (k, v) VALUES (1, system.now())', kind: 'write', table: 't', mutation: 'insert', flags: ['now'] },
  { q: 'INSERT INTO t (k, v) VALUES (1, myks.now())', kind: 'write', table: 't', mutation: 'insert' },
  { q: 'INSERT INTO t (k, v) VALUES (1, now)', kind: 'write', table: 't', mutation: 'insert' },
  { q: 'INSERT INTO t (k, ts) VALUES (1, currentTimestamp())', kind: 'write', table: 't', mutation: 'insert', flags: ['now'] },
  { q: 'INSERT INTO t (k, id) VALUES (1, current_timeuuid())', kind: 'write', table: 't', mutation: 'insert', flags: ['now'] },
  { q: 'INSERT INTO t (k, d) VALUES (1, toDate(now()))', kind: 'write', table: 't', mutation: 'insert', flags: ['now'] },
  { q: "INSERT INTO t (k, m) VALUES (1, {'a':now()})", kind: 'write', table: 't', mutation: 'insert', flags: ['now'] },
  { q: 'INSERT INTO t (k, u) VALUES (1, {street:uuid(), zip: :zip})', kind: 'write', table: 't', mutation: 'insert', flags: ['uuid'] },
  { q: 'INSERT INTO t (k, v) VALUES (1, 2) USING TTL 10', kind: 'write', table: 't', mutation: 'insert' },
  { q: 'INSERT INTO t (k, v) VALUES (1, 2) USING TTL 10 AND TIMESTAMP 123', kind: 'write', table: 't', mutation: 'insert', ts: true },
  { q: 'INSERT INTO t (k, v) VALUES (1, 2) USING TIMESTAMP ? AND TTL ?', kind: 'write', table: 't', mutation: 'insert', ts: true },
  { q: 'INSERT INTO t (k, v) VALUES (1, 2) IF NOT EXISTS USING timestamp :ts', kind: 'write', table: 't', mutation: 'insert', ts: true, flags: ['lwt'] },
  { q: 'INSERT INTO t (k, timestamp) VALUES (1, 2) USING TTL 5', kind: 'write', table: 't', mutation: 'insert' },
  { q: 'INSERT INTO t JSON \'{"k": 1, "v": "IF NOT EXISTS"}\'', kind: 'write', table: 't', mutation: 'insert' },
  { q: "INSERT INTO ks.t JSON '{\"k\": 1}' DEFAULT UNSET IF NOT EXISTS", kind: 'write', ks: 'ks', table: 't', mutation: 'insert', flags: ['lwt'] },
  // updates
  { q: 'UPDATE ks.t SET v = 1 WHERE k = 1', kind: 'write', ks: 'ks', table: 't', mutation: 'update' },
  { q: 'UPDATE t SET c = c + 1 WHERE k = 1', kind: 'write', table: 't', mutation: 'update', flags: ['counter'] },
  { q: 'UPDATE t SET c = c - 2 WHERE k = 1', kind: 'write', table: 't', mutation: 'update', flags: ['counter'] },
  { q: 'UPDATE t SET c = c + -1 WHERE k = 1', kind: 'write', table: 't', mutation: 'update', flags: ['counter'] },
  { q: 'UPDATE t SET "C" = "C" + 1 WHERE k = 1', kind: 'write', table: 't', mutation: 'update', flags: ['counter'] },
  { q: 'UPDATE t SET c += 3 WHERE k = 1', kind: 'write', table: 't', mutation: 'update', flags: ['counter'] },
  { q: 'UPDATE t SET l = l + [1, 2] WHERE k = 1', kind: 'write', table: 't', mutation: 'update', flags: ['listAppend'] },
  { q: "UPDATE t SET l = ['a'] + l WHERE k = 1", kind: 'write', table: 't', mutation: 'update', flags: ['listAppend'] },
  { q: 'UPDATE t SET l += [3] WHERE k = 1', kind: 'write', table: 't', mutation: 'update', flags: ['listAppend'] },
  { q: 'UPDATE t SET l = ? + l WHERE k = 1', kind: 'write', table: 't', mutation: 'update', flags: ['listAppend'] },
  { q: 'UPDATE t SET l = l - [1] WHERE k = 1', kind: 'write', table: 't', mutation: 'update' },
  { q: 'UPDATE t SET l -= [1] WHERE k = 1', kind: 'write', table: 't', mutation: 'update' },
  { q: 'UPDATE t SET s = s + {1, 2}, m = m + {\'a\': 1} WHERE k = 1', kind: 'write', table: 't', mutation: 'update' },
  { q: 'UPDATE t SET s = s - {1} WHERE k = 1', kind: 'write', table: 't', mutation: 'update' },
  { q: 'UPDATE t SET x = x + ? WHERE k = 1', kind: 'write', table: 't', mutation: 'update', flags: ['ambiguousIncrement'] },
  { q: 'UPDATE t SET x = x - :delta WHERE k = 1', kind: 'write', table: 't', mutation: 'update', flags: ['ambiguousIncrement'] },
  { q: 'UPDATE t SET x += ? WHERE k = ?', kind: 'write', table: 't', mutation: 'update', flags: ['ambiguousIncrement'] },
  { q: 'UPDATE t SET l[0] = 5, m[\'k\'] = 1, u.f = 2 WHERE k = 1', kind: 'write', table: 't', mutation: 'update' },
  { q: 'UPDATE t SET a = b + 1 WHERE k = 1', kind: 'write', table: 't', mutation: 'update' },
  { q: "UPDATE t SET v = 'c = c + 1' WHERE k = 1", kind: 'write', table: 't', mutation: 'update' },
  { q: 'UPDATE t SET c = c + 1, l = l + [now()] WHERE k = 1', kind: 'write', table: 't', mutation: 'update', flags: ['counter', 'listAppend', 'now'] },
  { q: 'UPDATE t SET v = 1 WHERE k = 1 IF EXISTS', kind: 'write', table: 't', mutation: 'update', flags: ['lwt'] },
  { q: 'UPDATE t SET v = 1 WHERE k = 1 IF v = 0 AND w != 2', kind: 'write', table: 't', mutation: 'update', flags: ['lwt'] },
  { q: "UPDATE t SET v = 'IF' WHERE k = 1", kind: 'write', table: 't', mutation: 'update' },
  { q: 'UPDATE t USING TTL 10 SET v = 1 WHERE k = 1', kind: 'write', table: 't', mutation: 'update' },
  { q: 'UPDATE "Ks"."T" USING TTL 10 AND TIMESTAMP 5 SET v = 1 WHERE k = 1', kind: 'write', ks: 'Ks', table: 'T', mutation: 'update', ts: true },
  { q: 'UPDATE t SET timestamp = 5 WHERE k = 1', kind: 'write', table: 't', mutation: 'update' },
  // deletes and truncates
  { q: 'DELETE FROM ks.t WHERE k = 1', kind: 'write', ks: 'ks', table: 't', mutation: 'delete' },
  { q: "DELETE v, m['k'], l[1] FROM t WHERE k = 1", kind: 'write', table: 't', mutation: 'delete' },
  { q: 'DELETE FROM t USING TIMESTAMP 100 WHERE k = 1', kind: 'write', table: 't', mutation: 'delete', ts: true },
  { q: 'DELETE FROM t WHERE k = 1 IF EXISTS', kind: 'write', table: 't', mutation: 'delete', flags: ['lwt'] },
  { q: 'DELETE FROM t WHERE k = 1 IF v = 3', kind: 'write', table: 't', mutation: 'delete', flags: ['lwt'] },
  { q: 'TRUNCATE ks.t', kind: 'write', ks: 'ks', table: 't', mutation: 'truncate' },
  { q: 'TRUNCATE TABLE t;', kind: 'write', table: 't', mutation: 'truncate' },
  { q: 'truncate columnfamily "Ks".t', kind: 'write', ks: 'Ks', table: 't', mutation: 'truncate' },
  // batches
  {
    q: "BEGIN BATCH INSERT INTO ks.a (k) VALUES (1); UPDATE b SET l = l + ['x'] WHERE k = 1; DELETE FROM c WHERE k = 2 IF EXISTS; APPLY BATCH",
    kind: 'write',
    ks: 'ks',
    table: 'a',
    mutation: 'batch',
    flags: ['listAppend', 'lwt'],
  },
  { q: 'begin unlogged batch insert into t (k, v) values (1, now()) insert into u (k) values (2) apply batch;', kind: 'write', table: 't', mutation: 'batch', flags: ['now'] },
  { q: 'BEGIN BATCH USING TIMESTAMP 1000 INSERT INTO t (k) VALUES (1); APPLY BATCH', kind: 'write', table: 't', mutation: 'batch', ts: true },
  { q: 'BEGIN BATCH INSERT INTO t (k) VALUES (1) USING TTL 5; UPDATE t USING TIMESTAMP 7 SET v = 1 WHERE k = 2; APPLY BATCH', kind: 'write', table: 't', mutation: 'batch', ts: true },
  { q: 'BEGIN BATCH USING TTL 5 INSERT INTO t (k) VALUES (1); APPLY BATCH', kind: 'write', table: 't', mutation: 'batch' },
  { q: 'BEGIN COUNTER BATCH UPDATE c SET n = n + ? WHERE k = 1; UPDATE c SET n = n - 1 WHERE k = 2; APPLY BATCH', kind: 'write', table: 'c', mutation: 'batch', flags: ['counter'] },
  { q: 'BEGIN BATCH UPDATE c SET n = n + ? WHERE k = 1; APPLY BATCH', kind: 'write', table: 'c', mutation: 'batch', flags: ['ambiguousIncrement'] },
  { q: "BEGIN BATCH INSERT INTO t (k, v) VALUES (1, 'APPLY BATCH; DELETE'); -- APPLY BATCH\nAPPLY BATCH", kind: 'write', table: 't', mutation: 'batch' },
  { q: 'BEGIN BATCH APPLY BATCH', kind: 'write', mutation: 'batch' },
  // DDL
  { q: 'CREATE KEYSPACE ks WITH replication = {\'class\': \'SimpleStrategy\', \'replication_factor\': 1}', kind: 'ddl', ks: 'ks' },
  { q: 'CREATE KEYSPACE IF NOT EXISTS "MyKs" WITH replication = {}', kind: 'ddl', ks: 'MyKs' },
  { q: 'ALTER KEYSPACE ks WITH durable_writes = false', kind: 'ddl', ks: 'ks' },
  { q: 'DROP KEYSPACE IF EXISTS ks', kind: 'ddl', ks: 'ks' },
  { q: 'CREATE SCHEMA ks WITH replication = {}', kind: 'ddl', ks: 'ks' },
  { q: 'CREATE TABLE IF NOT EXISTS ks.t (k int PRIMARY KEY, id uuid, ts timeuuid)', kind: 'ddl', ks: 'ks', table: 't' },
  { q: 'CREATE TABLE t (k int, c int, PRIMARY KEY ((k), c)) WITH CLUSTERING ORDER BY (c DESC)', kind: 'ddl', table: 't' },
  { q: 'CREATE COLUMNFAMILY "Ks"."T" (k int PRIMARY KEY)', kind: 'ddl', ks: 'Ks', table: 'T' },
  { q: 'ALTER TABLE ks.t ADD v text', kind: 'ddl', ks: 'ks', table: 't' },
  { q: 'DROP TABLE IF EXISTS ks.t', kind: 'ddl', ks: 'ks', table: 't' },
  { q: 'CREATE TYPE IF NOT EXISTS ks.address (street text, zip int)', kind: 'ddl', ks: 'ks', table: 'address' },
  { q: 'ALTER TYPE address ADD city text', kind: 'ddl', table: 'address' },
  { q: 'DROP TYPE ks.address', kind: 'ddl', ks: 'ks', table: 'address' },
  { q: 'CREATE INDEX IF NOT EXISTS idx ON ks.t (v)', kind: 'ddl', ks: 'ks', table: 't' },
  { q: 'CREATE INDEX ON t (keys(m))', kind: 'ddl', table: 't' },
  { q: "CREATE CUSTOM INDEX idx ON ks.t (v) USING 'org.apache.cassandra.index.sasi.SASIIndex'", kind: 'ddl', ks: 'ks', table: 't' },
  { q: 'DROP INDEX IF EXISTS ks.idx', kind: 'ddl', ks: 'ks' },
  { q: 'DROP INDEX idx', kind: 'ddl' },
  { q: 'CREATE MATERIALIZED VIEW IF NOT EXISTS ks.v AS SELECT * FROM ks.t WHERE v IS NOT NULL AND k IS NOT NULL PRIMARY KEY (v, k)', kind: 'ddl', ks: 'ks', table: 'v' },
  { q: 'ALTER MATERIALIZED VIEW ks.v WITH comment = \'x\'', kind: 'ddl', ks: 'ks', table: 'v' },
  { q: 'DROP MATERIALIZED VIEW v', kind: 'ddl', table: 'v' },
  { q: "CREATE OR REPLACE FUNCTION ks.f (a int) CALLED ON NULL INPUT RETURNS int LANGUAGE java AS $$ return now(); $$", kind: 'ddl', ks: 'ks' },
  { q: 'CREATE FUNCTION IF NOT EXISTS f (a int) RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE java AS \'return a;\'', kind: 'ddl' },
  { q: 'DROP FUNCTION ks.f(int)', kind: 'ddl', ks: 'ks' },
  { q: 'CREATE AGGREGATE ks.agg (int) SFUNC f STYPE int INITCOND 0', kind: 'ddl', ks: 'ks' },
  { q: 'DROP AGGREGATE IF EXISTS agg', kind: 'ddl' },
  { q: "CREATE TRIGGER trig ON ks.t USING 'org.example.Trigger'", kind: 'ddl', ks: 'ks', table: 't' },
  { q: 'DROP TRIGGER IF EXISTS trig ON t', kind: 'ddl', table: 't' },
  { q: "CREATE ROLE IF NOT EXISTS alice WITH PASSWORD = 'IF NOT EXISTS' AND LOGIN = true", kind: 'ddl' },
  { q: 'ALTER ROLE alice WITH SUPERUSER = false', kind: 'ddl' },
  { q: 'DROP ROLE alice', kind: 'ddl' },
  { q: "CREATE USER bob WITH PASSWORD 'x' NOSUPERUSER", kind: 'ddl' },
  { q: 'DROP USER IF EXISTS bob', kind: 'ddl' },
  { q: 'GRANT SELECT ON KEYSPACE ks TO alice', kind: 'ddl' },
  { q: 'REVOKE MODIFY ON ks.t FROM alice', kind: 'ddl' },
  // USE and LIST
  { q: 'USE ks', kind: 'use', ks: 'ks' },
  { q: 'use MyKs;', kind: 'use', ks: 'myks' },
  { q: 'USE "MyKs"', kind: 'use', ks: 'MyKs' },
  { q: 'LIST ROLES', kind: 'read' },
  { q: 'LIST USERS;', kind: 'read' },
  { q: 'LIST ALL PERMISSIONS OF alice', kind: 'read' },
  { q: 'DESCRIBE KEYSPACES', kind: 'read' },
  { q: 'desc table shop.orders;', kind: 'read' },
  // other
  { q: '', kind: 'other' },
  { q: '   ;  ', kind: 'other' },
  { q: '-- only a comment', kind: 'other' },
  { q: 'SELECT', kind: 'other' },
  { q: 'SELECT * FROM', kind: 'other' },
  { q: 'INSERT t (k) VALUES (1)', kind: 'other' },
  { q: 'UPDATE t WHERE k = 1', kind: 'other' },
  { q: 'DELETE WHERE k = 1', kind: 'other' },
  { q: 'USE', kind: 'other' },
  { q: 'USE a b', kind: 'other' },
  { q: 'SELECT * FROM t; DROP TABLE t', kind: 'other' },
  { q: 'BEGIN BATCH INSERT INTO t (k) VALUES (1)', kind: 'other' },
  { q: 'BEGIN BATCH SELECT * FROM t; APPLY BATCH', kind: 'other' },
  { q: 'CREATE SOMETHING x', kind: 'other' },
  { q: "'just a string'", kind: 'other' },
  { q: "SELECT * FROM t WHERE v = 'unterminated", kind: 'read', table: 't' },
  { q: 'INSERT INTO t (k) VALUES (1) /* unterminated IF NOT EXISTS', kind: 'write', table: 't', mutation: 'insert' },
];

function expected(c: Case): StatementInfo {
  const flags = new Set(c.flags);
  return {
    kind: c.kind,
    ...(c.ks === undefined ? {} : { keyspace: c.ks }),
    ...(c.table === undefined ? {} : { table: c.table }),
    ...(c.mutation === undefined ? {} : { mutation: c.mutation }),
    usesTimestamp: c.ts === true,
    nonIdempotent: {
      counter: flags.has('counter'),
      listAppend: flags.has('listAppend'),
      lwt: flags.has('lwt'),
      now: flags.has('now'),
      uuid: flags.has('uuid'),
      ambiguousIncrement: flags.has('ambiguousIncrement'),
    },
    ...(c.system === undefined ? {} : { systemTable: c.system }),
  };
}

describe('classify', () => {
  for (const c of CASES) {
    it(`${c.kind}: ${c.q.replaceAll('\n', '⏎')}`, () => {
      assert.deepStrictEqual(classify(c.q), expected(c));
    });
  }

  it('has a row for every statement kind and mutation', () => {
    assert.ok(CASES.length >= 80);
    assert.deepEqual(new Set(CASES.map((c) => c.kind)), new Set(['read', 'write', 'ddl', 'use', 'other']));
    assert.deepEqual(new Set(CASES.flatMap((c) => c.mutation ?? [])), new Set(['insert', 'update', 'delete', 'truncate', 'batch']));
  });

  it('flags every clock function, old and new spellings', () => {
    for (const name of Object.keys(CLOCK_FUNCTIONS)) {
      assert.equal(classify(`INSERT INTO t (k, v) VALUES (1, ${name.toUpperCase()}())`).nonIdempotent.now, true, name);
    }
  });

  it('never throws, whatever the text', () => {
    const pieces = ['SELECT', 'INSERT', 'UPDATE', 'BEGIN', 'BATCH', 'APPLY', 'SET', 'IF', 'USING', 'TIMESTAMP', 'AND', 'FROM', 'INTO', '(', ')', '[', '{', '}', ';', '=', '+', '-', '?', ':x', "'", '"', '$$', '/*', '--', 'now()', 'c', '.', '1'];
    let seed = 7;
    for (let n = 0; n < 2000; n++) {
      let query = '';
      for (let k = 0; k < 12; k++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        query += pieces[seed % pieces.length] + ' ';
      }
      const info = classify(query);
      assert.ok(['read', 'write', 'ddl', 'use', 'other'].includes(info.kind), query);
    }
  });
});

describe('tokenize', () => {
  it('reads every kind of token, with positions into the text', () => {
    const query = `SELECT "My""Col", 'it''s', $$a'b$$, 1.5e-3, 0xCAFE, 123e4567-e89b-12d3-a456-426614174000 FROM t WHERE k <= ? AND v = :Name -- gone\n/* gone */ ;`;
    const tokens = tokenize(query);
    assert.deepStrictEqual(
      tokens.map((t) => [t.kind, t.value]),
      [
        ['identifier', 'select'],
        ['quotedIdentifier', 'My"Col'],
        ['punctuation', ','],
        ['string', "it's"],
        ['punctuation', ','],
        ['string', "a'b"],
        ['punctuation', ','],
        ['number', '1.5e-3'],
        ['punctuation', ','],
        ['number', '0xCAFE'],
        ['punctuation', ','],
        ['number', '123e4567-e89b-12d3-a456-426614174000'],
        ['identifier', 'from'],
        ['identifier', 't'],
        ['identifier', 'where'],
        ['identifier', 'k'],
        ['punctuation', '<='],
        ['bindMarker', '?'],
        ['identifier', 'and'],
        ['identifier', 'v'],
        ['punctuation', '='],
        ['bindMarker', ':name'],
        ['punctuation', ';'],
      ],
    );
    for (const t of tokens) assert.ok(t.start < t.end && t.end <= query.length);
    assert.equal(query.slice(tokens[1]!.start, tokens[1]!.end), '"My""Col"');
    assert.equal(query.slice(tokens[3]!.start, tokens[3]!.end), "'it''s'");
    assert.equal(query.slice(tokens[5]!.start, tokens[5]!.end), "$$a'b$$");
    assert.equal(query.slice(tokens[21]!.start, tokens[21]!.end), ':Name');
  });

  it('tells a map or UDT key from a named bind marker', () => {
    const values = (q: string): string[] => tokenize(q).map((t) => `${t.kind}:${t.value}`);
    assert.deepStrictEqual(values('{a:b}'), ['punctuation:{', 'identifier:a', 'punctuation::', 'identifier:b', 'punctuation:}']);
    assert.deepStrictEqual(values("{'k': :v}"), ['punctuation:{', 'string:k', 'punctuation::', 'bindMarker::v', 'punctuation:}']);
    assert.deepStrictEqual(values('LIMIT :l'), ['identifier:limit', 'bindMarker::l']);
    assert.deepStrictEqual(values(':"Quoted Name"'), ['bindMarker::Quoted Name']);
  });

  it('keeps an unterminated literal or comment to the end of the text', () => {
    assert.deepStrictEqual(tokenize("a 'b c").map((t) => t.value), ['a', 'b c']);
    assert.deepStrictEqual(tokenize('a "b c').map((t) => t.value), ['a', 'b c']);
    assert.deepStrictEqual(tokenize('a $$b c').map((t) => t.value), ['a', 'b c']);
    assert.deepStrictEqual(tokenize('a /* b c').map((t) => t.value), ['a']);
    assert.deepStrictEqual(tokenize('a -- b c').map((t) => t.value), ['a']);
  });
});

describe('findFunctionCalls', () => {
  function replaced(query: string, names: readonly string[]): string {
    let out = '';
    let at = 0;
    for (const call of findFunctionCalls(query, names)) {
      out += query.slice(at, call.start) + `<${call.name}>`;
      at = call.end;
    }
    return out + query.slice(at);
  }

  it('finds calls outside literals and comments, in order, end exclusive', () => {
    const query = "INSERT INTO t (a, b, c, d) VALUES (now(), 'now()', UUID(), $$uuid()$$) -- now()";
    assert.deepStrictEqual(findFunctionCalls(query, ['now', 'uuid']), [
      { name: 'now', start: 35, end: 40 },
      { name: 'uuid', start: 51, end: 57 },
    ]);
    assert.equal(replaced(query, ['now', 'uuid']), "INSERT INTO t (a, b, c, d) VALUES (<now>, 'now()', <uuid>, $$uuid()$$) -- now()");
  });

  it('covers spaces and comments inside the call, and a system. qualifier', () => {
    assert.equal(replaced('VALUES (now ( /* x */ ), system.now(), system . uuid())', ['now', 'uuid']), 'VALUES (<now>, <now>, <uuid>)');
  });

  it('leaves user functions, calls with arguments, columns and quoted names of another case alone', () => {
    const query = 'SELECT now, ks.now(), now(1), "NOW"(), nowx(), toDate(now()) FROM t WHERE id = uuid()';
    assert.equal(replaced(query, ['now', 'uuid']), 'SELECT now, ks.now(), now(1), "NOW"(), nowx(), toDate(<now>) FROM t WHERE id = <uuid>');
  });

  it('matches names case-insensitively and reports them as given', () => {
    assert.equal(replaced('VALUES (CurrentTimeUUID(), currenttimestamp())', ['currentTimeUUID', 'currentTimestamp']), 'VALUES (<currentTimeUUID>, <currentTimestamp>)');
  });

  it('finds nothing in a text without calls', () => {
    assert.deepStrictEqual(findFunctionCalls('', ['now']), []);
    assert.deepStrictEqual(findFunctionCalls("SELECT 'now()' FROM t", ['now']), []);
  });
});
