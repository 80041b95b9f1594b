import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { rebuild, type CommandEnvelope } from '@cutover/migration-state';
import { allowedCommands } from '../src/allowed-commands.ts';
import { bearerToken, callerOf, consoleAuth } from '../src/auth.ts';
import { redactedUri } from '../src/mongo-browser.ts';
import { RateMeter, etaSeconds } from '../src/rate-meter.ts';

it('knows each caller by the name of their token, compares tokens whole, and makes one up when none is set', () => {
  const { auth, madeUp } = consoleAuth({ auth: 'token', token: 'the-console-token-1', tokens: { alice: 'alice-token-0123456789' } });
  assert.equal(madeUp, undefined);
  assert.equal(callerOf(auth, 'alice-token-0123456789'), 'alice');
  assert.equal(callerOf(auth, 'the-console-token-1'), 'console');
  assert.equal(callerOf(auth, 'alice-token-012345678'), undefined, 'a prefix is not the token');
  assert.equal(callerOf(auth, undefined), undefined);
  const fresh = consoleAuth({ auth: 'token' });
  assert.ok(fresh.madeUp !== undefined && fresh.madeUp.length >= 32);
  assert.equal(callerOf(fresh.auth, fresh.madeUp), 'console');
  assert.equal(callerOf(consoleAuth({ auth: 'none' }).auth, undefined), 'console');
  assert.deepEqual([bearerToken('Bearer abc'), bearerToken('bearer  abc '), bearerToken('Basic abc'), bearerToken(undefined)], ['abc', 'abc', undefined, undefined]);
});

it('takes named tokens from the config, and refuses no auth off loopback', () => {
  const config = loadConfig({ env: { CONSOLE_TOKENS: 'alice=aaaaaaaaaaaaaaaa1,bob=bbbbbbbbbbbbbbbb2', CONSOLE_TOKEN: 'x' } });
  assert.deepEqual(config.console.tokens, { alice: 'aaaaaaaaaaaaaaaa1', bob: 'bbbbbbbbbbbbbbbb2' });
  assert.throws(() => loadConfig({ env: { CONSOLE_TOKENS: 'alice=short' } }), /CONSOLE_TOKENS.*16 characters/);
  assert.throws(() => loadConfig({ env: { CONSOLE_AUTH: 'none', CONSOLE_HOST: '0.0.0.0' } }), /CONSOLE_AUTH.*loopback, not on 0\.0\.0\.0/);
  assert.equal(loadConfig({ env: { CONSOLE_AUTH: 'none', CONSOLE_HOST: '127.0.0.5' } }).console.auth, 'none');
  assert.equal(loadConfig({ env: { CONSOLE_PORT: '0' } }).console.port, 0, 'any free port');
});

it('shows a MongoDB address without its credentials or options', () => {
  assert.equal(redactedUri('mongodb://user:secret@db1:27017,db2:27017/app?authSource=admin&tls=true'), 'mongodb://[redacted]@db1:27017,db2:27017');
  assert.equal(redactedUri('mongodb+srv://u:p@cluster0.example.net/?retryWrites=true'), 'mongodb+srv://[redacted]@cluster0.example.net');
  assert.equal(redactedUri('mongodb://127.0.0.1:27017'), 'mongodb://127.0.0.1:27017');
  assert.equal(redactedUri('postgres://x'), '(not a MongoDB address)');
});

it('measures a rate over the last 30 s, starts again when a count goes down, and tells an ETA only when it can', () => {
  const meter = new RateMeter();
  assert.equal(meter.sample('t', 0, 0), 0);
  assert.equal(meter.sample('t', 100, 1000), 100);
  assert.equal(meter.sample('t', 1100, 11_000), 100);
  // 40 s later: the first samples are out of the window.
  assert.equal(meter.sample('t', 1100, 51_000), 0);
  assert.equal(meter.sample('t', 10, 52_000), 0, 'a re-migration: counted again from here');
  assert.deepEqual([etaSeconds(50, 100, 10), etaSeconds(100, 100, 0), etaSeconds(0, 100, 0)], [5, 0, undefined]);
});

it('offers each command with the reason the log would refuse it for', () => {
  const start: CommandEnvelope = { commandId: 'c1', migrationId: 'm', issuedAt: 1, issuer: 'alice', command: { type: 'StartMigration', tables: ['shop.orders'], collections: ['app.users'] } };
  const { state } = rebuild([start], []);
  const offered = allowedCommands(state, {});
  assert.equal(offered['set-primary origin']?.refusal, 'origin is already the primary');
  assert.equal(offered['set-read-mode primary-only']?.refusal, 'the read mode is already primary-only');
  assert.equal(offered['pause table shop.orders']?.refusal, null);
  assert.deepEqual(offered['pause table shop.orders']?.request, { command: 'pause', table: 'shop.orders' });
  assert.match(offered['resume collection app.users']?.refusal ?? '', /already running/);
  assert.match(offered['set-primary target']?.refusal ?? '', /shop\.orders is not verified/);
  assert.equal(offered['complete']?.refusal, 'switch the primary to target before completing the migration');
});
