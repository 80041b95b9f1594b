import type { SchemaCatalogue, SchemaVersion, TopicSpec } from '@cutover/event-log';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** The Confluent Schema Registry's media type: its clients ask for it. */
const MEDIA_TYPE = 'application/vnd.schemaregistry.v1+json';

/**
 * The read side of the Confluent Schema Registry API over schemas/: every record on Cutover's
 * topics starts with the id of its schema (the Confluent wire format), so standard Avro
 * deserializers decode them given this. Subjects are named by topic (`<topic>-value`, the
 * registry's TopicNameStrategy), each with its value schema's versions.
 */
export function schemaRegistryRoutes(app: FastifyInstance, catalogue: SchemaCatalogue, topics: readonly TopicSpec[]): void {
  const subjects = new Map<string, SchemaVersion[]>();
  for (const topic of topics) {
    const versions = catalogue.versions.filter((v) => v.subject === topic.value).sort((a, b) => a.version - b.version);
    if (versions.length > 0) subjects.set(`${topic.name}-value`, versions);
  }
  const tags = ['schema registry'];
  const answer = (reply: FastifyReply, body: unknown): FastifyReply => reply.type(MEDIA_TYPE).send(body);
  const notFound = (reply: FastifyReply, code: number, message: string): FastifyReply => reply.code(404).type(MEDIA_TYPE).send({ error_code: code, message });
  const params = (names: Record<string, object>) => ({ type: 'object', required: Object.keys(names), properties: names });

  app.get('/schemas/ids/:id', { schema: { tags, summary: 'A schema by its id (the id every record carries)', params: params({ id: { type: 'integer', minimum: 0 } }) } }, (request, reply) => {
    const found = catalogue.byId((request.params as { id: number }).id);
    return found === undefined ? notFound(reply, 40403, 'Schema not found') : answer(reply, { schema: compact(found.schema) });
  });
  app.get('/schemas/ids/:id/versions', { schema: { tags, summary: 'The subjects and versions a schema id is registered under', params: params({ id: { type: 'integer', minimum: 0 } }) } }, (request, reply) => {
    const id = (request.params as { id: number }).id;
    const under = [...subjects].flatMap(([subject, versions]) => versions.filter((v) => v.id === id).map((v) => ({ subject, version: v.version })));
    return under.length === 0 ? notFound(reply, 40403, 'Schema not found') : answer(reply, under);
  });
  app.get('/subjects', { schema: { tags, summary: 'Every subject: `<topic>-value` of each topic with an Avro value' } }, (_request, reply) => answer(reply, [...subjects.keys()]));
  app.get('/subjects/:subject/versions', { schema: { tags, summary: 'The versions of a subject', params: params({ subject: { type: 'string' } }) } }, (request, reply) => {
    const versions = subjects.get((request.params as { subject: string }).subject);
    return versions === undefined ? notFound(reply, 40401, 'Subject not found.') : answer(reply, versions.map((v) => v.version));
  });
  app.get('/subjects/:subject/versions/:version', { schema: { tags, summary: 'One version of a subject (a number, or latest)', params: params({ subject: { type: 'string' }, version: { type: 'string', pattern: '^(latest|-1|[1-9][0-9]{0,8})$' } }) } }, (request, reply) => {
    const { subject, version } = request.params as { subject: string; version: string };
    const versions = subjects.get(subject);
    if (versions === undefined) return notFound(reply, 40401, 'Subject not found.');
    const found = version === 'latest' || version === '-1' ? versions.at(-1) : versions.find((v) => v.version === Number(version));
    return found === undefined ? notFound(reply, 40402, 'Version not found.') : answer(reply, { subject, id: found.id, version: found.version, schema: compact(found.schema) });
  });
}

/** The schema as the registry serves it: its JSON on one line. */
function compact(schema: string): string {
  return JSON.stringify(JSON.parse(schema));
}
