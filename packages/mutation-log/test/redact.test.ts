import assert from 'node:assert/strict';
import { it } from 'node:test';
import { redactPasswords } from '../src/index.ts';

it('hides the passwords of CREATE and ALTER ROLE and USER, however written', () => {
  const cases: [string, string][] = [
    ["CREATE ROLE alice WITH PASSWORD = 's3cret' AND LOGIN = true", "CREATE ROLE alice WITH PASSWORD = '*****' AND LOGIN = true"],
    ["create role if not exists alice with login = true and password='it''s'", "create role if not exists alice with login = true and password='*****'"],
    ["ALTER ROLE alice WITH PASSWORD = 'new'", "ALTER ROLE alice WITH PASSWORD = '*****'"],
    ["CREATE USER bob WITH PASSWORD 'pw' SUPERUSER", "CREATE USER bob WITH PASSWORD '*****' SUPERUSER"],
    ["Alter User bob With Password 'pw' NOSUPERUSER", "Alter User bob With Password '*****' NOSUPERUSER"],
    ["CREATE ROLE carol WITH HASHED PASSWORD = '$2a$10$abc' AND LOGIN = true", "CREATE ROLE carol WITH HASHED PASSWORD = '*****' AND LOGIN = true"],
    ['CREATE ROLE dave WITH PASSWORD = $$pa\'ss;word$$', "CREATE ROLE dave WITH PASSWORD = '*****'"],
    ["ALTER ROLE \"Password\" WITH PASSWORD = 'x'; CREATE USER e WITH PASSWORD 'y'", "ALTER ROLE \"Password\" WITH PASSWORD = '*****'; CREATE USER e WITH PASSWORD '*****'"],
    ["/* c */ CREATE ROLE f WITH PASSWORD = 'a' -- password", "/* c */ CREATE ROLE f WITH PASSWORD = '*****' -- password"],
    // Mistyped: what stands where the password goes is hidden all the same.
    ['CREATE ROLE g WITH PASSWORD Secret2 AND LOGIN = true', "CREATE ROLE g WITH PASSWORD '*****' AND LOGIN = true"],
    ['ALTER USER h WITH PASSWORD = "pw" SUPERUSER', "ALTER USER h WITH PASSWORD = '*****' SUPERUSER"],
    ['CREATE USER i WITH PASSWORD 12345', "CREATE USER i WITH PASSWORD '*****'"],
    ["CREATE ROLE j WITH PASSWORD = 'unterminated", "CREATE ROLE j WITH PASSWORD = '*****'"],
    ["create role if not exists k with hashed password '$2a$10$xyz'", "create role if not exists k with hashed password '*****'"],
  ];
  for (const [cql, redacted] of cases) assert.equal(redactPasswords(cql), redacted, cql);
});

it('returns other statements as they are, the same string', () => {
  for (const cql of [
    "INSERT INTO app.users (name, password) VALUES ('bob', 'pw')",
    "UPDATE app.users SET password = 'x' WHERE name = 'bob'",
    'CREATE ROLE g WITH LOGIN = true',
    "GRANT SELECT ON app.password TO 'password'",
    "SELECT * FROM t WHERE c = 'CREATE ROLE x WITH PASSWORD = ''y'''",
    'CREATE ROLE l WITH GENERATED PASSWORD AND LOGIN = true',
    'CREATE ROLE m WITH GENERATED PASSWORD',
  ]) {
    const same = redactPasswords(cql);
    assert.equal(same, cql);
    assert.ok(Object.is(same, cql));
  }
});

it('hides the passwords of a statement in what is said about it, such as the error a cluster answered', () => {
  const statement = "CREATE ROLE h2x WITH PASSWORD = 'Secret1' AND LOGIN = maybe";
  assert.equal(redactPasswords("line 1:54 mismatched input 'maybe' expecting BOOLEAN (...= 'Secret1' AND LOGIN = [maybe])", statement), "line 1:54 mismatched input 'maybe' expecting BOOLEAN (...= '*****' AND LOGIN = [maybe])");
  assert.equal(
    redactPasswords("line 1:30 mismatched input 'Secret2' expecting '=' (CREATE ROLE h2x WITH PASSWORD [Secret2]...)", 'CREATE ROLE h2x WITH PASSWORD Secret2 AND LOGIN = true'),
    "line 1:30 mismatched input ''*****'' expecting '=' (CREATE ROLE h2x WITH PASSWORD ['*****']...)",
  );
  const other = 'Keyspace ks does not exist';
  assert.ok(Object.is(redactPasswords(other, 'INSERT INTO ks.t (k) VALUES (1)'), other));
});
