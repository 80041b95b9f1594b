import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLOCK_FUNCTIONS, classify } from '@cutover/cql-protocol';
import { bindNowAndUuid, generate, literal, replaceNowAndUuid, withInjected } from '../src/nondeterministic.ts';

/** PROXY_REPLACE_NOW_UUID beyond now() and uuid(): the clock functions, old and new spellings. */
const AT = Date.UTC(2026, 4, 1, 12, 34, 56, 789);

describe('values the proxy generates', () => {
  it('encodes each type as Cassandra does', () => {
    assert.equal(generate('timestamp', AT).readBigInt64BE(), BigInt(AT));
    assert.equal(generate('date', AT).readUInt32BE(), 2 ** 31 + Math.floor(AT / 86_400_000));
    assert.equal(generate('time', AT).readBigInt64BE(), 45_296_789_000_000n, '12:34:56.789 in ns since midnight UTC');
    assert.equal(generate('timeuuid').length, 16);
    assert.equal(generate('timeuuid')[6]! >> 4, 1);
    assert.equal(generate('uuid')[6]! >> 4, 4);
  });

  it('writes clock values as cast literals, so an overloaded function still knows its argument', () => {
    assert.equal(literal('timestamp', AT), `(timestamp)${AT}`);
    assert.equal(literal('date', AT), "(date)'2026-05-01'");
    assert.equal(literal('time', AT), '(time)45296789000000');
    assert.match(literal('timeuuid'), /^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-/);
    assert.match(literal('uuid'), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/);
  });
});

describe('replaceNowAndUuid with clock functions', () => {
  it('replaces every name Cassandra 5 accepts, in any case, qualified with system. or not', () => {
    for (const name of Object.keys(CLOCK_FUNCTIONS)) {
      for (const spelled of [name, name.toUpperCase(), `system.${name}`, `"${name}"`]) {
        const out = replaceNowAndUuid(`INSERT INTO t (k, v) VALUES (1, ${spelled}())`);
        assert.doesNotMatch(out, /\(\)/, `${spelled}: ${out}`);
      }
    }
  });

  it('leaves what is not a call of those functions: quoted names of another case, strings, comments, other keyspaces', () => {
    for (const query of [
      'INSERT INTO t (k, v) VALUES (1, "NOW"())',
      'INSERT INTO t (k, v) VALUES (1, "currentTimestamp"())',
      "INSERT INTO t (k, v) VALUES (1, 'current_timestamp()') -- currentDate()",
      'INSERT INTO t (k, v) VALUES (1, ks.current_date())',
      'INSERT INTO t (k, v) VALUES (1, current_date(1))',
    ]) {
      assert.equal(replaceNowAndUuid(query), query);
    }
  });

  it('gives each call its own cast literal', () => {
    const out = replaceNowAndUuid('UPDATE t SET ts = currentTimestamp(), d = current_date(), tm = CurrentTime(), b = toUnixTimestamp(current_timestamp()) WHERE k = 1');
    assert.match(out, /^UPDATE t SET ts = \(timestamp\)\d+, d = \(date\)'\d{4}-\d\d-\d\d', tm = \(time\)\d+, b = toUnixTimestamp\(\(timestamp\)\d+\) WHERE k = 1$/);
  });

  it('classify flags every spelling it replaces, so the session sends the statement for replacing', () => {
    for (const name of Object.keys(CLOCK_FUNCTIONS)) assert.equal(classify(`UPDATE t SET v = ${name.toUpperCase()}() WHERE k = 1`).nonIdempotent.now, true, name);
  });
});

describe('bindNowAndUuid with clock functions', () => {
  it('turns each call into a marker, cast where it is the argument of a function', () => {
    const { query, injected } = bindNowAndUuid('INSERT INTO t (k, d, ts, tm, tu, b) VALUES (?, currentDate(), ?, CURRENT_TIME(), system.currenttimeuuid(), toUnixTimestamp(current_timestamp()))');
    assert.equal(query, 'INSERT INTO t (k, d, ts, tm, tu, b) VALUES (?, ?, ?, ?, ?, toUnixTimestamp((timestamp)?))');
    assert.deepEqual(injected, [
      { type: 'date', index: 1 },
      { type: 'time', index: 3 },
      { type: 'timeuuid', index: 4 },
      { type: 'timestamp', index: 5 },
    ]);
  });

  it('casts in nested calls too, and not in VALUES, IN, tuples or conditions', () => {
    assert.equal(bindNowAndUuid('UPDATE t SET d = toDate(now()) WHERE k IN (current_date()) IF ts < currentTimestamp()').query, 'UPDATE t SET d = toDate((timeuuid)?) WHERE k IN (?) IF ts < ?');
    assert.equal(bindNowAndUuid('UPDATE t SET ts = current_timestamp() - 1d WHERE (a, b) = (currentDate(), 1)').query, 'UPDATE t SET ts = ? - 1d WHERE (a, b) = (?, 1)');
  });

  it('among named markers, injects named markers, which have positions all the same', () => {
    const { query, injected } = bindNowAndUuid('INSERT INTO t (k, a, b, c) VALUES (:k, now(), :b, current_date())');
    assert.equal(query, 'INSERT INTO t (k, a, b, c) VALUES (:k, :cutover_generated_1, :b, :cutover_generated_2)');
    assert.deepEqual(injected, [
      { type: 'timeuuid', index: 1 },
      { type: 'date', index: 3 },
    ]);
  });

  it('leaves calls inside collection literals, where Cassandra takes no marker, but not map elements', () => {
    const { query, injected } = bindNowAndUuid('UPDATE t SET l = l + [current_timestamp()], s = s + {now()}, m[current_date()] = 1 WHERE k = ?');
    assert.equal(query, 'UPDATE t SET l = l + [current_timestamp()], s = s + {now()}, m[?] = 1 WHERE k = ?');
    assert.deepEqual(injected, [{ type: 'date', index: 0 }]);
  });

  it('leaves reads alone: only the primary runs them, and SELECT ? does not prepare', () => {
    for (const query of ['SELECT now(), current_timestamp() FROM system.local', 'SELECT * FROM t WHERE k = 1 AND ts < currentTimestamp()']) {
      assert.deepEqual(bindNowAndUuid(query), { query, injected: [] });
    }
  });

  it('fills each injected position with a fresh value of its type', () => {
    const values = withInjected([Buffer.from('k')], [
      { type: 'date', index: 1 },
      { type: 'timestamp', index: 2 },
    ]);
    assert.deepEqual(values[0], Buffer.from('k'));
    assert.equal((values[1] as Buffer).length, 4);
    assert.ok(Math.abs(Number((values[2] as Buffer).readBigInt64BE()) - Date.now()) < 60_000);
  });
});
