import { EventLogError } from '@cutover/event-log';
import type { Event, EventEnvelope, IdRange } from '@cutover/migration-state';
import { collectionVerificationFromAvro, collectionVerificationToAvro, intoFromAvro, scopeFromAvro, scopeToAvro, verificationFromAvro, verificationToAvro } from './update-codec.js';

/** A MigrationEvent as avsc reads and writes it: the event union wrapped by its full record name. */
export interface AvroMigrationEvent {
  readonly eventId: string;
  readonly migrationId: string;
  readonly commandId: string;
  readonly at: number;
  readonly issuer: string;
  readonly reason: string | null;
  readonly event: Readonly<Record<string, Record<string, unknown>>>;
}

const NAMESPACE = 'dev.cutover.migration.';

function eventToAvro(event: Event): Record<string, unknown> {
  switch (event.type) {
    case 'Paused':
    case 'Resumed':
      return { scope: scopeToAvro(event.scope) };
    case 'PrimaryChanged':
      return { cluster: event.cluster.toUpperCase(), overriding: event.overriding ?? null };
    case 'MigrationCompleted':
      return { overriding: event.overriding ?? null };
    case 'ReadModeChanged':
      return { mode: event.mode === 'dual-async' ? 'DUAL_ASYNC' : 'PRIMARY_ONLY' };
    case 'TableVerified': {
      const { type: _type, ...verification } = event;
      return { ...verificationToAvro(verification) };
    }
    case 'CollectionVerified': {
      const { type: _type, ...verification } = event;
      return { ...collectionVerificationToAvro(verification) };
    }
    case 'MigrationStarted':
      return { tables: event.tables, collections: event.collections, into: event.into ?? {} };
    default: {
      const { type: _type, ...fields } = event;
      return fields;
    }
  }
}

export function migrationEventToAvro(envelope: EventEnvelope): AvroMigrationEvent {
  return {
    eventId: envelope.eventId,
    migrationId: envelope.migrationId,
    commandId: envelope.commandId,
    at: envelope.at,
    issuer: envelope.issuer,
    reason: envelope.reason ?? null,
    event: { [NAMESPACE + envelope.event.type]: eventToAvro(envelope.event) },
  };
}

/** Records of MigrationEvent v4 and earlier have no `overriding`: they were not forced. */
function overriding(fields: Record<string, unknown>): { overriding?: string } {
  return typeof fields['overriding'] === 'string' ? { overriding: fields['overriding'] } : {};
}

export function migrationEventFromAvro(record: AvroMigrationEvent): EventEnvelope {
  const [branch, body] = Object.entries(record.event)[0] ?? [];
  if (branch === undefined || body === undefined) throw new EventLogError('INVALID_RECORD', 'a MigrationEvent without an event');
  const type = branch.slice(NAMESPACE.length);
  // Validated against the schema when decoded: the branch's fields are there.
  const fields = body as Record<string, unknown> & { scope: { kind: string; name: string | null } };
  let event: Event;
  switch (type) {
    case 'Paused':
    case 'Resumed':
      event = { type, scope: scopeFromAvro(fields.scope) };
      break;
    case 'PrimaryChanged':
      event = { type, cluster: fields['cluster'] === 'TARGET' ? 'target' : 'origin', ...overriding(fields) };
      break;
    case 'MigrationCompleted':
      event = { type, ...overriding(fields) };
      break;
    case 'ReadModeChanged':
      event = { type, mode: fields['mode'] === 'DUAL_ASYNC' ? 'dual-async' : 'primary-only' };
      break;
    case 'MigrationStarted':
      event = { type, tables: fields['tables'] as string[], collections: fields['collections'] as string[], ...intoFromAvro(fields['into'] as Record<string, string> | undefined) };
      break;
    case 'CollectionVerified':
      event = { type, ...collectionVerificationFromAvro(fields as unknown as Parameters<typeof collectionVerificationFromAvro>[0]) };
      break;
    case 'PriorityChanged':
    case 'CollectionPriorityChanged':
    case 'CollectionRemigrationRequested':
    case 'RemigrationRequested':
    case 'CommandRejected':
    case 'TablePlanned':
    case 'ChunkUnloaded':
    case 'ChunkLoaded':
    case 'ChunkChecked':
    case 'TableRefused':
    case 'TableTruncated':
    case 'WorkQueued':
    case 'VerificationStarted':
    case 'RangeVerified':
    case 'RangeRead':
    case 'ChangesRead':
    case 'DocumentsLoaded':
    case 'CollectionSwept':
    case 'ChangeStreamLost':
      event = { type, ...fields } as unknown as Event;
      break;
    case 'CollectionPlanned': {
      // avsc reads a nested record as an instance of its own class: plain objects, as the state holds them.
      const ranges = (fields['ranges'] as IdRange[]).map(({ type: kind, from, to }) => ({ type: kind, from, to }));
      event = { type, ...fields, ranges } as unknown as Event;
      break;
    }
    case 'TableVerified':
      event = { type, ...verificationFromAvro(fields as unknown as Parameters<typeof verificationFromAvro>[0]) };
      break;
    default:
      throw new EventLogError('INVALID_RECORD', `unknown migration event ${branch}`);
  }
  return {
    eventId: record.eventId,
    migrationId: record.migrationId,
    commandId: record.commandId,
    at: record.at,
    issuer: record.issuer,
    ...(record.reason === null ? {} : { reason: record.reason }),
    event,
  };
}
