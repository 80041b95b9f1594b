import { EventLogError } from '@cutover/event-log';
import type { CollectionVerification, Command, CommandEnvelope, DifferenceKind, DocumentDifference, Scope, Verification } from '@cutover/migration-state';

/** An Update as avsc reads and writes it: the command union wrapped by its full record name. */
export interface AvroUpdate {
  readonly commandId: string;
  readonly migrationId: string;
  readonly issuedAt: number;
  readonly issuer: string;
  readonly reason: string | null;
  /** Absent in records of Update v3 and earlier. */
  readonly factsThrough?: number | null;
  readonly command: Readonly<Record<string, Record<string, unknown>>>;
}

const NAMESPACE = 'dev.cutover.control.';

/** Every field any command record has. */
interface CommandFields {
  readonly tables: readonly string[];
  readonly collections: readonly string[];
  readonly table: string;
  readonly priority: number;
  readonly truncate: boolean;
  readonly force: boolean;
  readonly scope: { kind: string; name: string | null };
  readonly cluster: string;
  readonly mode: string;
  readonly pendingHeals?: number | null;
  readonly into?: Readonly<Record<string, string>>;
  readonly collection: string;
}

/** A collection's verification as the Avro records hold it: kinds as enum symbols. */
interface AvroCollectionVerification extends Omit<CollectionVerification, 'differingDocuments'> {
  readonly differingDocuments: readonly { readonly id: string; readonly kind: string }[];
}

export function collectionVerificationToAvro(verification: CollectionVerification): AvroCollectionVerification {
  return { ...verification, differingDocuments: verification.differingDocuments.map(({ id, kind }) => ({ id, kind: kind.replaceAll('-', '_').toUpperCase() })) };
}

export function collectionVerificationFromAvro(record: AvroCollectionVerification): CollectionVerification {
  const { collection, round, startedAt, documents, targetDocuments, badDocuments, differences } = record;
  const differingDocuments = record.differingDocuments.map(({ id, kind }) => ({ id, kind: kind.replaceAll('_', '-').toLowerCase() as DocumentDifference }));
  return { collection, round, startedAt, documents, targetDocuments, badDocuments, differences, differingDocuments };
}

/** Where collections go: absent when the record has none (Update v4 and earlier, or none given). */
export function intoFromAvro(into: Readonly<Record<string, string>> | undefined): { into?: Readonly<Record<string, string>> } {
  return into === undefined || Object.keys(into).length === 0 ? {} : { into: { ...into } };
}

/** A verification as the Avro records hold it (Update's RecordVerification, MigrationEvent's TableVerified). */
interface AvroVerification extends Omit<Verification, 'scope' | 'since' | 'verificationId' | 'differingRows'> {
  readonly scope?: 'FULL' | 'CHANGED';
  readonly since?: number | null;
  readonly verificationId?: string | null;
  readonly differingRows?: readonly { readonly key: string; readonly kind: string; readonly repaired: boolean }[];
}

export function verificationToAvro(verification: Verification): AvroVerification {
  const { scope, since, verificationId, differingRows = [], ...rest } = verification;
  const rows = differingRows.map((row) => ({ ...row, kind: row.kind.replaceAll('-', '_').toUpperCase() }));
  return { ...rest, scope: scope === 'changed' ? 'CHANGED' : 'FULL', since: since ?? null, verificationId: verificationId ?? null, differingRows: rows };
}

/** Records of Update v3 and MigrationEvent v5 have no scope (they were full verifications) and no rows. */
export function verificationFromAvro(record: AvroVerification): Verification {
  const { scope, since, verificationId, differingRows = [], ...rest } = record;
  const rows = differingRows.map((row) => ({ ...row, kind: row.kind.replaceAll('_', '-').toLowerCase() as DifferenceKind }));
  return { ...rest, ...(scope === 'CHANGED' ? { scope: 'changed' } : {}), ...(since == null ? {} : { since }), ...(verificationId == null ? {} : { verificationId }), ...(rows.length === 0 ? {} : { differingRows: rows }) };
}

/** What the issuer observed, as the record holds it: null when not looked at. */
function observedToAvro(pendingHeals: number | undefined): { pendingHeals: number | null } {
  return { pendingHeals: pendingHeals ?? null };
}

function observedFromAvro(fields: CommandFields): { pendingHeals?: number } {
  return fields.pendingHeals == null ? {} : { pendingHeals: fields.pendingHeals };
}

export function scopeToAvro(scope: Scope): { kind: string; name: string | null } {
  return { kind: scope.kind.toUpperCase(), name: scope.kind === 'all' ? null : scope.name };
}

export function scopeFromAvro(scope: { kind: string; name: string | null }): Scope {
  if (scope.kind === 'ALL') return { kind: 'all' };
  if (scope.name === null) throw new EventLogError('INVALID_RECORD', `a ${scope.kind} scope needs a name`);
  return scope.kind === 'TABLE' ? { kind: 'table', name: scope.name } : { kind: 'collection', name: scope.name };
}

function commandToAvro(command: Command): Record<string, unknown> {
  switch (command.type) {
    case 'StartMigration':
      return { tables: command.tables, collections: command.collections, into: command.into ?? {} };
    case 'SetCollectionPriority':
      return { collection: command.collection, priority: command.priority };
    case 'RemigrateCollection':
      return { collection: command.collection, truncate: command.truncate };
    case 'RecordCollectionVerification': {
      const { type: _type, ...verification } = command;
      return { ...collectionVerificationToAvro(verification) };
    }
    case 'SetPriority':
      return { table: command.table, priority: command.priority };
    case 'Remigrate':
      return { table: command.table, truncate: command.truncate, force: command.force };
    case 'Pause':
    case 'Resume':
      return { scope: scopeToAvro(command.scope) };
    case 'SetPrimary':
      return { cluster: command.cluster.toUpperCase(), force: command.force === true, ...observedToAvro(command.pendingHeals) };
    case 'SetReadMode':
      return { mode: command.mode === 'dual-async' ? 'DUAL_ASYNC' : 'PRIMARY_ONLY' };
    case 'CompleteMigration':
      return { force: command.force === true, ...observedToAvro(command.pendingHeals) };
    case 'RecordVerification': {
      const { type: _type, ...verification } = command;
      return { ...verificationToAvro(verification) };
    }
  }
}

export function updateToAvro(envelope: CommandEnvelope): AvroUpdate {
  return {
    commandId: envelope.commandId,
    migrationId: envelope.migrationId,
    issuedAt: envelope.issuedAt,
    issuer: envelope.issuer,
    reason: envelope.reason ?? null,
    factsThrough: envelope.factsThrough ?? null,
    command: { [NAMESPACE + envelope.command.type]: commandToAvro(envelope.command) },
  };
}

/** `force` only when set: records of Update v1 and v2 have none, and read as not forced. */
function forced(fields: CommandFields): { force?: true } {
  return fields.force === true ? { force: true } : {};
}

export function updateFromAvro(update: AvroUpdate): CommandEnvelope {
  const [branch, body] = Object.entries(update.command)[0] ?? [];
  if (branch === undefined || body === undefined) throw new EventLogError('INVALID_RECORD', 'an Update without a command');
  // The record was validated against the Update schema when it was decoded: the branch's fields are there.
  const b = body as unknown as CommandFields;
  const type = branch.slice(NAMESPACE.length);
  let command: Command;
  switch (type) {
    case 'StartMigration':
      command = { type, tables: b.tables, collections: b.collections, ...intoFromAvro(b.into) };
      break;
    case 'SetCollectionPriority':
      command = { type, collection: b.collection, priority: b.priority };
      break;
    case 'RemigrateCollection':
      command = { type, collection: b.collection, truncate: b.truncate };
      break;
    case 'RecordCollectionVerification':
      command = { type, ...collectionVerificationFromAvro(body as unknown as AvroCollectionVerification) };
      break;
    case 'SetPriority':
      command = { type, table: b.table, priority: b.priority };
      break;
    case 'Remigrate':
      command = { type, table: b.table, truncate: b.truncate, force: b.force };
      break;
    case 'Pause':
    case 'Resume':
      command = { type, scope: scopeFromAvro(b.scope) };
      break;
    case 'SetPrimary':
      command = { type, cluster: b.cluster === 'TARGET' ? 'target' : 'origin', ...forced(b), ...observedFromAvro(b) };
      break;
    case 'SetReadMode':
      command = { type, mode: b.mode === 'DUAL_ASYNC' ? 'dual-async' : 'primary-only' };
      break;
    case 'CompleteMigration':
      command = { type, ...forced(b), ...observedFromAvro(b) };
      break;
    case 'RecordVerification':
      command = { type, ...verificationFromAvro(body as unknown as AvroVerification) };
      break;
    default:
      throw new EventLogError('INVALID_RECORD', `unknown command ${branch}`);
  }
  return {
    commandId: update.commandId,
    migrationId: update.migrationId,
    issuedAt: update.issuedAt,
    issuer: update.issuer,
    ...(update.reason === null ? {} : { reason: update.reason }),
    ...(update.factsThrough == null ? {} : { factsThrough: update.factsThrough }),
    command,
  };
}
