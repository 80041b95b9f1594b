import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fastifySSE } from '@fastify/sse';
import fastifySwagger from '@fastify/swagger';
import type { ControlPlane, LiveHistory } from '@cutover/control-plane';
import type { EventLog, SchemaCatalogue, TopicSpec } from '@cutover/event-log';
import { QUALIFIED_NAME, commitGate, type Observed } from '@cutover/migration-state';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { allowedCommands, type Offered } from './allowed-commands.js';
import { bearerToken, callerOf, type ConsoleAuth } from './auth.js';
import { COMMAND_REQUEST_SCHEMA, commandOf, type CommandRequest } from './command-request.js';
import { ConsoleError } from './console-error.js';
import { redactedUri, type DatabaseSummary } from './mongo-browser.js';
import { RateMeter } from './rate-meter.js';
import { schemaRegistryRoutes } from './schema-registry.js';
import { StateFeed } from './state-feed.js';
import { auditPage, collectionViews, overview, tableViews, type CollectionView, type Overview, type TableView } from './views.js';

/** What the console serves, and how it reaches the rest. */
export interface ConsoleDeps {
  /** The migration's logs, followed. */
  readonly live: LiveHistory;
  readonly plane: ControlPlane;
  readonly catalogue: SchemaCatalogue;
  /** Cutover's topics (with the prefix): the schema registry's subjects. */
  readonly topics: readonly TopicSpec[];
  readonly auth: ConsoleAuth;
  readonly logger: Logger;
  /** MongoDB's databases and collections, for the start page, and its address as the page may show it. */
  readonly mongo?: { readonly uri: string; databases(): Promise<DatabaseSummary[]> };
  /** Origin's keyspaces and their tables (system keyspaces left out), for the start page. */
  readonly originTables?: () => Promise<{ readonly keyspace: string; readonly tables: readonly string[] }[]>;
  /** What the commit gate waits for outside the logs (heals pending), looked at now. */
  readonly observe?: () => Promise<Observed>;
  /** Before a migration of `tables` starts: target gets their schema. */
  readonly prepareStart?: (tables: readonly string[]) => Promise<void>;
  /** Where refused records go, with their reasons (cutover.dead-letters). */
  readonly deadLetters?: { readonly log: EventLog; readonly topic: string };
  /** A new migration's id. */
  readonly newMigrationId?: () => string;
  /** TLS: the certificate and key, PEM. */
  readonly https?: { readonly cert: Buffer; readonly key: Buffer };
}

/** What a page shows, whole: sent on every change of the state. */
export interface Snapshot {
  readonly migration: Overview;
  readonly tables: readonly TableView[];
  readonly collections: readonly CollectionView[];
  /** The commands the page offers, each with the reason the state would refuse it (null: allowed). */
  readonly commands: Record<string, Offered>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who called, by the name of their token. */
    caller: string;
  }
}

/** The page: plain files, no build step. */
const PAGE_DIR = fileURLToPath(new URL('../page/', import.meta.url));
const PAGE = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/console.js', 'console.js', 'text/javascript; charset=utf-8'],
  ['/console.css', 'console.css', 'text/css; charset=utf-8'],
] as const;

const ERROR_SCHEMA = { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] } as const;

/** The console's HTTP server: the API under /api/v1, its OpenAPI document, the schema registry API. Not listening yet. */
export async function buildConsole(deps: ConsoleDeps): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, disableRequestLogging: true, forceCloseConnections: true, ...(deps.https === undefined ? {} : { https: { cert: deps.https.cert, key: deps.https.key } }), ajv: { customOptions: { removeAdditional: false } } });
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Cutover console', version: '1', description: 'Run a migration: its state, progress, audit and commands; a Confluent Schema Registry read API for its topics.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: deps.auth.mode === 'token' ? [{ bearer: [] }] : [],
    },
  });
  await app.register(fastifySSE, { heartbeatInterval: 15_000 });
  const rates = new RateMeter();
  const gateObserved = { value: {} as Observed };
  const snapshot = (): Snapshot => {
    const now = Date.now();
    const state = deps.live.state;
    return { migration: overview(state, commitGate(state, gateObserved.value)), tables: tableViews(state, rates, now), collections: collectionViews(state, rates, now), commands: allowedCommands(state, gateObserved.value) };
  };
  const feed = new StateFeed(deps.live, snapshot);
  // Heals pending are not in the logs the page follows: looked at every few seconds.
  const observe = (): Promise<void> => (deps.observe?.() ?? Promise.resolve({})).then((observed) => void (gateObserved.value = observed)).catch((error: unknown) => deps.logger.warn({ err: error }, 'could not look at the heals pending'));
  const observing = setInterval(() => void observe(), 5000);
  await observe();
  app.addHook('onClose', (_app, done) => {
    clearInterval(observing);
    feed.close();
    done();
  });

  app.decorateRequest('caller', '');
  app.addHook('onRequest', (request, _reply, done) => {
    if (!needsCaller(request)) return done();
    // EventSource cannot send headers: the events stream takes the token as a query parameter too.
    const query = request.query as { access_token?: string } | undefined;
    const token = bearerToken(request.headers.authorization) ?? basicPassword(request.headers.authorization) ?? query?.access_token;
    const caller = callerOf(deps.auth, token);
    if (caller === undefined) return done(new ConsoleError('UNAUTHORIZED', token === undefined ? 'a token is needed: Authorization: Bearer <token>' : 'that token opens nothing here'));
    request.caller = caller;
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    // The route, never the URL: a query may carry the token.
    request.log.info({ method: request.method, route: request.routeOptions.url ?? 'unknown', status: reply.statusCode, ms: Math.round(reply.elapsedTime), caller: request.caller || undefined }, 'request');
    done();
  });
  app.setErrorHandler((error: FastifyError | ConsoleError, request, reply) => {
    if (error instanceof ConsoleError) return reply.code(error.status).send({ code: error.code, message: error.message });
    if (error.validation !== undefined) return reply.code(400).send({ code: 'BAD_REQUEST', message: `${error.validationContext ?? 'request'}${error.validation[0]?.instancePath ?? ''} ${error.validation[0]?.message ?? error.message}` });
    if ((error.statusCode ?? 500) < 500) return reply.code(error.statusCode!).send({ code: 'BAD_REQUEST', message: error.message });
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ code: 'INTERNAL', message: 'the console failed to answer: see its log' });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` }));

  const tags = ['migration'];
  const errors = { 400: ERROR_SCHEMA, 401: ERROR_SCHEMA };
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  for (const [path, file, type] of PAGE) {
    const body = readFileSync(join(PAGE_DIR, file));
    app.get(path, { schema: { hide: true } }, (_request, reply) => reply.type(type).header('cache-control', 'no-cache').header('content-security-policy', "default-src 'self'; frame-ancestors 'none'").header('x-content-type-options', 'nosniff').send(body));
  }
  app.get('/health', { schema: { hide: true } }, () => ({ status: 'ok' }));
  app.get('/favicon.ico', { schema: { hide: true } }, (_request, reply) => reply.code(204).send());

  app.get('/api/v1/state', { schema: { tags, summary: 'The migration: phase, primary, read mode, paused, and what the commit gate waits for', response: { 401: ERROR_SCHEMA } } }, async () => {
    await observe();
    return overview(deps.live.state, commitGate(deps.live.state, gateObserved.value));
  });
  app.get('/api/v1/tables', { schema: { tags, summary: 'Each table: rows and bytes of the estimate, rate, ETA, chunks by state, verification, bad rows', response: { 401: ERROR_SCHEMA } } }, () => tableViews(deps.live.state, rates, Date.now()));
  app.get('/api/v1/collections', { schema: { tags, summary: 'Each collection: documents and bytes of the estimate, rate, ETA, ranges, change-stream lag, verification, bad documents', response: { 401: ERROR_SCHEMA } } }, () => collectionViews(deps.live.state, rates, Date.now()));
  app.get(
    '/api/v1/audit',
    {
      schema: {
        tags,
        summary: 'The audit trail, newest first: every command (accepted or rejected) with who, when and why, and lost change streams; with facts=true every fact of the migrators too; filterable by table or collection, paged',
        querystring: { type: 'object', additionalProperties: false, properties: { subject: { type: 'string', pattern: QUALIFIED_NAME.source }, facts: { type: 'boolean', default: false }, offset: { type: 'integer', minimum: 0, default: 0 }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } },
        response: errors,
      },
    },
    (request) => auditPage(deps.live.rebuilt.folded, request.query as { subject?: string; facts: boolean; offset: number; limit: number }),
  );
  app.post(
    '/api/v1/commands',
    {
      schema: {
        tags,
        summary: 'Issues a command, as `cutover control` does: decided against the log; 200 with the events it decided, or 409 with the reason it was rejected',
        body: COMMAND_REQUEST_SCHEMA,
        response: { 409: ERROR_SCHEMA, ...errors },
      },
    },
    async (request) => {
      const body = request.body as CommandRequest;
      let command = commandOf(body);
      const current = deps.live.state.migrationId;
      if (command.type === 'StartMigration' && command.tables.length > 0) await deps.prepareStart?.(command.tables);
      if ((command.type === 'SetPrimary' && command.cluster === 'target') || command.type === 'CompleteMigration') command = { ...command, ...((await deps.observe?.()) ?? {}) };
      const migrationId = command.type === 'StartMigration' || current === undefined ? (deps.newMigrationId?.() ?? `migration-${Date.now()}`) : current;
      const decided = await deps.plane.issue(command, { migrationId, issuer: request.caller, ...(body.reason === undefined ? {} : { reason: body.reason }) });
      const rejected = decided.find((e) => e.event.type === 'CommandRejected');
      if (rejected !== undefined) throw new ConsoleError('REJECTED', (rejected.event as { rejection: string }).rejection);
      return { accepted: true, migrationId, events: decided.map((e) => e.event.type) };
    },
  );
  app.get(
    '/api/v1/dead-letters',
    {
      schema: {
        tags,
        summary: 'Records a consumer could not use or the log refused, newest first: when, the topic they were for, where they were, and the reason',
        querystring: { type: 'object', additionalProperties: false, properties: { offset: { type: 'integer', minimum: 0, default: 0 }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } },
        response: { ...errors, 503: ERROR_SCHEMA },
      },
    },
    async (request) => {
      const { offset, limit } = request.query as { offset: number; limit: number };
      const letters = deps.deadLetters;
      if (letters === undefined) throw new ConsoleError('UNAVAILABLE', 'the console has no dead-letter topic');
      const all = await unavailableAs('Kafka', () => letters.log.readAll(letters.topic));
      const entries = all.reverse().slice(offset, offset + limit).map((r) => ({ at: r.timestamp, topic: r.key?.toString() ?? null, source: r.headers?.['cutover-source'] ?? null, reason: r.headers?.['cutover-error'] ?? null, bytes: r.value.length }));
      return { total: all.length, offset, entries };
    },
  );
  app.get('/api/v1/commands', { schema: { tags, summary: 'The commands the page offers now, each with the reason the state would refuse it (null: it would be accepted), decided as the log decides', response: { 401: ERROR_SCHEMA } } }, () => allowedCommands(deps.live.state, gateObserved.value));
  app.get('/api/v1/mongo/databases', { schema: { tags: ['sources'], summary: 'MongoDB\'s databases (MONGO_URI, shown without credentials), each collection with its document count and size', response: { 401: ERROR_SCHEMA, 503: ERROR_SCHEMA } } }, async () => {
    const mongo = deps.mongo;
    if (mongo === undefined) throw new ConsoleError('UNAVAILABLE', 'the console has no MongoDB (MONGO_URI)');
    return { uri: redactedUri(mongo.uri), databases: await unavailableAs('MongoDB', () => mongo.databases()) };
  });
  app.get('/api/v1/origin/tables', { schema: { tags: ['sources'], summary: 'Origin\'s keyspaces and their tables, system keyspaces left out', response: { 401: ERROR_SCHEMA, 503: ERROR_SCHEMA } } }, async () => {
    const originTables = deps.originTables;
    if (originTables === undefined) throw new ConsoleError('UNAVAILABLE', 'the console has no origin cluster');
    return unavailableAs('origin', originTables);
  });
  app.get('/api/v1/events', { sse: 'only', schema: { tags, summary: 'Server-sent events: `state`, the whole snapshot (migration, tables, collections), at once and on every change', querystring: { type: 'object', properties: { access_token: { type: 'string' } } } } }, async (_request, reply) => {
    reply.sse.keepAlive();
    const unsubscribe = feed.subscribe((next) => void reply.sse.send({ id: String(feed.sent), event: 'state', data: next }).catch(() => undefined));
    reply.sse.onClose(unsubscribe);
    await reply.sse.send({ id: String(feed.sent), event: 'state', data: snapshot() });
  });
  schemaRegistryRoutes(app, deps.catalogue, deps.topics);
  return app;
}

/** What `source` answers; a ConsoleError (UNAVAILABLE, 503) naming it when it does not. */
async function unavailableAs<T>(name: string, source: () => Promise<T>): Promise<T> {
  try {
    return await source();
  } catch (error) {
    throw new ConsoleError('UNAVAILABLE', `${name} did not answer: ${(error as Error).message}`, { cause: error });
  }
}

/** Whether a route needs a token: the API and the schema registry do; the page, the OpenAPI document and health do not. */
function needsCaller(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0]!;
  return path.startsWith('/api/') || path.startsWith('/schemas/') || path.startsWith('/subjects');
}

/** The password of an `Authorization: Basic` header: schema-registry clients send a token so. */
function basicPassword(header: string | undefined): string | undefined {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}
