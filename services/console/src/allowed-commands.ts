import { CLUSTER_NAMES, READ_MODES } from '@cutover/config';
import { decide, type Command, type MigrationState, type Observed } from '@cutover/migration-state';
import type { CommandRequest } from './command-request.js';

/** A command the page offers, as the API takes it, and whether the state allows it now. */
export interface Offered {
  readonly request: CommandRequest;
  /** Why the state would refuse it; null: it would be accepted. */
  readonly refusal: string | null;
}

/**
 * The commands the page offers for the state, each decided now exactly as the log would decide
 * it (`decide` is pure), so a button is disabled with the very reason the command would be
 * rejected for. Keyed by what the page looks them up by: `pause`, `set-primary target`,
 * `remigrate table shop.orders`, …
 */
export function allowedCommands(state: MigrationState, observed: Observed): Record<string, Offered> {
  const offered: Record<string, Offered> = {};
  const offer = (key: string, request: CommandRequest, command: Command): void => {
    const [verdict] = decide({ commandId: 'dry-run', migrationId: state.migrationId ?? 'dry-run', issuedAt: Date.now(), issuer: 'console', reason: 'dry run', command }, state);
    offered[key] = { request, refusal: verdict?.event.type === 'CommandRejected' ? verdict.event.rejection : null };
  };
  offer('pause', { command: 'pause' }, { type: 'Pause', scope: { kind: 'all' } });
  offer('resume', { command: 'resume' }, { type: 'Resume', scope: { kind: 'all' } });
  for (const cluster of CLUSTER_NAMES) offer(`set-primary ${cluster}`, { command: 'set-primary', cluster }, { type: 'SetPrimary', cluster, ...observed });
  for (const mode of READ_MODES) offer(`set-read-mode ${mode}`, { command: 'set-read-mode', mode }, { type: 'SetReadMode', mode });
  offer('complete', { command: 'complete' }, { type: 'CompleteMigration', ...observed });
  for (const table of Object.keys(state.tables)) {
    offer(`pause table ${table}`, { command: 'pause', table }, { type: 'Pause', scope: { kind: 'table', name: table } });
    offer(`resume table ${table}`, { command: 'resume', table }, { type: 'Resume', scope: { kind: 'table', name: table } });
    offer(`remigrate table ${table}`, { command: 'remigrate', table }, { type: 'Remigrate', table, truncate: false, force: false });
  }
  for (const collection of Object.keys(state.collections)) {
    offer(`pause collection ${collection}`, { command: 'pause', collection }, { type: 'Pause', scope: { kind: 'collection', name: collection } });
    offer(`resume collection ${collection}`, { command: 'resume', collection }, { type: 'Resume', scope: { kind: 'collection', name: collection } });
    offer(`remigrate collection ${collection}`, { command: 'remigrate', collection }, { type: 'RemigrateCollection', collection, truncate: false });
  }
  return offered;
}
