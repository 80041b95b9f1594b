import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ControlPlane, controlTopics, type LiveHistory } from '@cutover/control-plane';
import { MemoryEventLog, SchemaCatalogue, deadLetter, topicCatalogue, topicNames } from '@cutover/event-log';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildConsole, consoleAuth } from '../src/index.ts';

/**
 * The console's API on the in-memory log (the same routes run on Kafka in the integration
 * test): every route, who may call it, and every kind of bad input.
 */
const prefix = 't.';
const log = new MemoryEventLog();
const plane = new ControlPlane(log, controlTopics(prefix));
const ALICE = 'alice-token-0123456789';
const BOB = 'bob-token-0123456789ab';
let live: LiveHistory;
let app: FastifyInstance;
const as = (token: string) => ({ authorization: `Bearer ${token}` });

before(async () => {
  live = await plane.live('console-test');
  const { auth } = consoleAuth({ auth: 'token', tokens: { alice: ALICE, bob: BOB } });
  app = await buildConsole({ live, plane, catalogue: SchemaCatalogue.load(), topics: topicCatalogue(prefix), auth, logger: pino({ level: 'silent' }), newMigrationId: () => 'm-1', deadLetters: { log, topic: topicNames(prefix).deadLetters } });
});

after(async () => {
  await app.close();
  await live.close();
  await log.close();
});

async function call(method: 'GET' | 'POST', url: string, body?: object, token = ALICE) {
  const response = await app.inject({ method, url, headers: as(token), ...(body === undefined ? {} : { payload: body }) });
  return { status: response.statusCode, body: response.json<Record<string, unknown>>() };
}

/** Waits until the followed logs have the command just issued. */
async function settled(check: () => boolean): Promise<void> {
  for (let i = 0; !check(); i++) {
    assert.ok(i < 200, 'the live state never caught up');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('who may call', () => {
  it('refuses a call with no token, or a token it does not know, with 401 and why', async () => {
    const none = await app.inject({ method: 'GET', url: '/api/v1/state' });
    assert.equal(none.statusCode, 401);
    assert.match(none.json<{ message: string }>().message, /a token is needed/);
    const wrong = await call('GET', '/api/v1/state', undefined, 'not-a-token-of-ours');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body['code'], 'UNAUTHORIZED');
    assert.equal((await app.inject({ method: 'GET', url: '/subjects' })).statusCode, 401, 'the schema registry too');
  });

  it('takes a token as Bearer, as a Basic password (schema-registry clients), or as access_token on the events stream', async () => {
    assert.equal((await call('GET', '/api/v1/state')).status, 200);
    const basic = await app.inject({ method: 'GET', url: '/subjects', headers: { authorization: `Basic ${Buffer.from(`bob:${BOB}`).toString('base64')}` } });
    assert.equal(basic.statusCode, 200);
  });

  it('serves the OpenAPI document and health without a token, naming every route', async () => {
    const openapi = await app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(openapi.statusCode, 200);
    const paths = Object.keys(openapi.json<{ paths: Record<string, unknown> }>().paths);
    for (const path of ['/api/v1/dead-letters', '/api/v1/origin/tables', '/api/v1/state', '/api/v1/tables', '/api/v1/collections', '/api/v1/audit', '/api/v1/commands', '/api/v1/mongo/databases', '/api/v1/events', '/schemas/ids/{id}', '/subjects', '/subjects/{subject}/versions', '/subjects/{subject}/versions/{version}']) {
      assert.ok(paths.includes(path), `${path} in ${paths.join(', ')}`);
    }
    assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
  });

  it('answers an unknown route with 404 and what was asked', async () => {
    const missing = await call('GET', '/api/v1/nothing');
    assert.deepEqual([missing.status, missing.body['code'], missing.body['message']], [404, 'NOT_FOUND', 'no route GET /api/v1/nothing']);
  });
});

describe('commands', () => {
  it('starts a migration, recorded as issued by the token\'s name, and shows it in the state, tables and collections', async () => {
    const started = await call('POST', '/api/v1/commands', { command: 'start', tables: ['shop.orders'], collections: ['app.users'], into: { 'app.users': 'people.users' }, reason: 'go' });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.deepEqual(started.body, { accepted: true, migrationId: 'm-1', events: ['MigrationStarted'] });
    await settled(() => live.state.status === 'running');
    const state = await call('GET', '/api/v1/state');
    assert.deepEqual([state.body['migrationId'], state.body['status'], state.body['primary'], state.body['tables'], state.body['collections']], ['m-1', 'running', 'origin', 1, 1]);
    assert.equal((state.body['commitGate'] as { open: boolean }).open, false, 'nothing verified yet');
    const [table] = (await call('GET', '/api/v1/tables')).body as unknown as { name: string; phase: string; chunks: { map: unknown[] } }[];
    assert.deepEqual([table!.name, table!.phase, table!.chunks.map], ['shop.orders', 'waiting', []]);
    const [collection] = (await call('GET', '/api/v1/collections')).body as unknown as { name: string; target: string; phase: string }[];
    assert.deepEqual([collection!.name, collection!.target, collection!.phase], ['app.users', 'people.users', 'waiting']);
    const audit = await call('GET', '/api/v1/audit');
    const [entry] = audit.body['entries'] as { issuer: string; reason: string; event: string }[];
    assert.deepEqual([entry!.issuer, entry!.reason, entry!.event], ['alice', 'go', 'MigrationStarted']);
  });

  it('pauses a table, by another token, and the audit filters by table and pages', async () => {
    assert.equal((await call('POST', '/api/v1/commands', { command: 'pause', table: 'shop.orders' }, BOB)).status, 200);
    await settled(() => live.state.tables['shop.orders']?.paused === true);
    const [table] = (await call('GET', '/api/v1/tables')).body as unknown as { paused: boolean }[];
    assert.equal(table!.paused, true);
    const about = await call('GET', '/api/v1/audit?subject=shop.orders&limit=1');
    assert.equal(about.body['total'], 2, 'the start and the pause name the table');
    assert.deepEqual((about.body['entries'] as { issuer: string; event: string }[]).map((e) => [e.issuer, e.event]), [['bob', 'Paused']]);
    const second = await call('GET', '/api/v1/audit?subject=shop.orders&limit=1&offset=1');
    assert.deepEqual((second.body['entries'] as { event: string }[]).map((e) => e.event), ['MigrationStarted']);
    // The migrators' facts, when asked for.
    await plane.record({ type: 'CollectionPlanned', collection: 'app.users', round: 0, target: 'people.users', startAt: 1, ranges: [], estimatedDocuments: 0, estimatedBytes: 0, maxBadDocuments: 0, maxBadDocumentsPercent: null }, { migrationId: 'm-1', issuer: 'reader-1', eventId: 'planned-1' });
    await settled(() => live.state.collections['app.users']?.copy !== undefined);
    const decided = await call('GET', '/api/v1/audit?subject=app.users');
    assert.ok(!(decided.body['entries'] as { event: string }[]).some((e) => e.event === 'CollectionPlanned'));
    const withFacts = await call('GET', '/api/v1/audit?subject=app.users&facts=true');
    assert.deepEqual((withFacts.body['entries'] as { issuer: string; event: string }[])[0], { ...(withFacts.body['entries'] as object[])[0], issuer: 'reader-1', event: 'CollectionPlanned' });
  });

  it('answers a command the state refuses with 409 and the reason, and the state is unchanged', async () => {
    const before = live.state;
    const refused = await call('POST', '/api/v1/commands', { command: 'set-primary', cluster: 'target', reason: 'too soon' });
    assert.equal(refused.status, 409);
    assert.equal(refused.body['code'], 'REJECTED');
    assert.match(String(refused.body['message']), /shop\.orders/);
    await settled(() => live.rebuilt.events.some((e) => e.event.type === 'CommandRejected'));
    assert.equal(live.state.primary, before.primary);
    assert.equal((await call('POST', '/api/v1/commands', { command: 'resume', collection: 'app.nothing' })).status, 409);
  });

  it('answers bad input with 400, naming the field and why', async () => {
    const cases: [object, RegExp][] = [
      [{}, /body must have required property 'command'/],
      [{ command: 'explode' }, /body\/command must be equal to one of the allowed values/],
      [{ command: 'pause', table: 'no-dot' }, /body\/table must match pattern/],
      [{ command: 'pause', colour: 'red' }, /body must NOT have additional properties/],
      [{ command: 'pause', priority: 3 }, /body\/priority is not an argument of pause/],
      [{ command: 'set-priority', table: 'shop.orders' }, /body\/priority is required for set-priority/],
      [{ command: 'set-priority', table: 'shop.orders', priority: 1.5 }, /body\/priority must be integer/],
      [{ command: 'remigrate', table: 'shop.orders', truncate: true }, /body\/reason is required for remigrate with truncate/],
      [{ command: 'complete' }, /body\/reason is required for complete/],
      [{ command: 'set-primary', cluster: 'elsewhere', reason: 'x' }, /body\/cluster must be equal to one of the allowed values/],
      [{ command: 'pause', table: 'a.b', collection: 'c.d' }, /body\/collection cannot go with table/],
      [{ command: 'start', tables: [], collections: [] }, /body\/tables and collections are both empty/],
      [{ command: 'start', collections: ['a.b'], into: { 'c.d': 'k.t' } }, /body\/into\/c\.d names a collection not in collections/],
      [{ command: 'remigrate', collection: 'app.users', force: true, reason: 'x' }, /body\/force is for tables/],
    ];
    for (const [body, reason] of cases) {
      const answer = await call('POST', '/api/v1/commands', body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body['code'], 'BAD_REQUEST');
      assert.match(String(answer.body['message']), reason, JSON.stringify(body));
    }
    const notJson = await app.inject({ method: 'POST', url: '/api/v1/commands', headers: { ...as(ALICE), 'content-type': 'application/json' }, payload: '{"command":' });
    assert.equal(notJson.statusCode, 400);
    for (const url of ['/api/v1/audit?limit=0', '/api/v1/audit?offset=-1', '/api/v1/audit?subject=nodot', '/api/v1/audit?colour=red']) assert.equal((await call('GET', url)).status, 400, url);
  });

  it('lists the dead letters, newest first, with their reasons', async () => {
    const unreadable = { topic: topicNames(prefix).control, partition: 0, offset: '7', timestamp: 1, key: null, value: Buffer.from('not avro') };
    await log.produce(topicNames(prefix).deadLetters, [deadLetter(unreadable, 'first'), deadLetter({ ...unreadable, offset: '8' }, 'no schema with id 999')]);
    const page = await call('GET', '/api/v1/dead-letters?limit=1');
    assert.equal(page.body['total'], 2);
    assert.deepEqual((page.body['entries'] as { topic: string; source: string; reason: string; bytes: number }[]).map((e) => [e.topic, e.source, e.reason, e.bytes]), [[topicNames(prefix).control, `${prefix}cutover.control/0/8`, 'no schema with id 999', 8]]);
    assert.equal((await call('GET', '/api/v1/dead-letters?limit=5000')).status, 400);
  });

  it('says MongoDB and origin are not there when the console has neither (503)', async () => {
    for (const url of ['/api/v1/mongo/databases', '/api/v1/origin/tables']) {
      const answer = await call('GET', url);
      assert.deepEqual([answer.status, answer.body['code']], [503, 'UNAVAILABLE'], url);
    }
  });

  it('lists the commands the page offers, each as the API takes it, with the reason the state would refuse it', async () => {
    const offered = (await call('GET', '/api/v1/commands')).body as Record<string, { request: { command: string }; refusal: string | null }>;
    assert.deepEqual(offered['set-primary origin'], { request: { command: 'set-primary', cluster: 'origin' }, refusal: 'origin is already the primary' });
    assert.deepEqual(offered['remigrate collection app.users'], { request: { command: 'remigrate', collection: 'app.users' }, refusal: null });
  });
});

describe('the schema registry API', () => {
  const catalogue = SchemaCatalogue.load();

  it('serves each schema by id, as the Confluent registry does, and each topic\'s value subject with its versions', async () => {
    const latest = catalogue.latest('MigrationEvent');
    const byId = await call('GET', `/schemas/ids/${latest.id}`);
    assert.equal(byId.status, 200);
    assert.deepEqual(JSON.parse(byId.body['schema'] as string), JSON.parse(latest.schema));
    const subjects = (await call('GET', '/subjects')).body as unknown as string[];
    assert.deepEqual(subjects.sort(), ['t.cutover.control-value', 't.cutover.documents-value', 't.cutover.heals-value', 't.cutover.migration-events-value', 't.cutover.mutations-value', 't.cutover.work-value']);
    const versions = (await call('GET', '/subjects/t.cutover.migration-events-value/versions')).body as unknown as number[];
    assert.equal(versions.at(-1), latest.version);
    const version = await call('GET', `/subjects/t.cutover.migration-events-value/versions/latest`);
    assert.deepEqual([version.body['subject'], version.body['id'], version.body['version']], ['t.cutover.migration-events-value', latest.id, latest.version]);
    const under = (await call('GET', `/schemas/ids/${latest.id}/versions`)).body as unknown as { subject: string }[];
    assert.deepEqual(under.map((u) => u.subject), ['t.cutover.migration-events-value']);
  });

  it('answers what it does not have with the registry\'s error codes', async () => {
    assert.deepEqual((await call('GET', '/schemas/ids/99999')).body, { error_code: 40403, message: 'Schema not found' });
    assert.deepEqual((await call('GET', '/subjects/nothing-value/versions')).body, { error_code: 40401, message: 'Subject not found.' });
    assert.deepEqual((await call('GET', '/subjects/t.cutover.control-value/versions/999')).body, { error_code: 40402, message: 'Version not found.' });
    assert.equal((await call('GET', '/subjects/t.cutover.control-value/versions/first')).status, 400);
    assert.equal((await call('GET', '/schemas/ids/abc')).status, 400);
  });
});

describe('the events stream', () => {
  it('sends the whole state at once, then again on each change, to every open stream', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    const streams = await Promise.all([0, 1].map(() => fetch(`http://127.0.0.1:${port}/api/v1/events?access_token=${BOB}`, { headers: { accept: 'text/event-stream' } })));
    const readers = streams.map((s) => {
      assert.equal(s.status, 200);
      assert.match(s.headers.get('content-type') ?? '', /text\/event-stream/);
      return s.body!.pipeThrough(new TextDecoderStream()).getReader();
    });
    /** The next `state` event's data. */
    const next = async (reader: ReadableStreamDefaultReader<string>, buffered: { text: string }): Promise<{ tables: { paused: boolean }[] }> => {
      for (;;) {
        const end = buffered.text.indexOf('\n\n');
        if (end >= 0) {
          const message = buffered.text.slice(0, end);
          buffered.text = buffered.text.slice(end + 2);
          const data = /^data: (.*)$/m.exec(message);
          if (/^event: state$/m.test(message) && data !== null) return JSON.parse(data[1]!) as { tables: { paused: boolean }[] };
          continue;
        }
        const { value, done } = await reader.read();
        assert.ok(!done, 'the stream ended');
        buffered.text += value;
      }
    };
    const buffers = readers.map(() => ({ text: '' }));
    for (const [i, reader] of readers.entries()) assert.equal((await next(reader, buffers[i]!)).tables[0]!.paused, true);
    assert.equal((await call('POST', '/api/v1/commands', { command: 'resume', table: 'shop.orders' })).status, 200);
    for (const [i, reader] of readers.entries()) {
      let snapshot = await next(reader, buffers[i]!);
      while (snapshot.tables[0]!.paused) snapshot = await next(reader, buffers[i]!);
      assert.equal(snapshot.tables[0]!.paused, false);
      await reader.cancel();
    }
    const refused = await fetch(`http://127.0.0.1:${port}/api/v1/events`, { headers: { accept: 'text/event-stream' } });
    assert.equal(refused.status, 401);
    const notStream = await fetch(`http://127.0.0.1:${port}/api/v1/events`, { headers: { accept: 'application/json', authorization: `Bearer ${BOB}` } });
    assert.equal(notStream.status, 406, 'a client that refuses an event stream is told so');
  });
});
