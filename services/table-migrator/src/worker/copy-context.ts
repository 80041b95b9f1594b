import type { ControlPlane } from '@cutover/control-plane';
import type { EventLog } from '@cutover/event-log';
import type { MigrationState } from '@cutover/migration-state';
import type cassandra from 'cassandra-driver';
import type { Logger } from 'pino';
import type { Staging } from '../copy/unload.js';

/** What the planner and the workers share: the clusters, the staging bucket and the logs. */
export interface CopyContext {
  readonly origin: cassandra.Client;
  readonly target: cassandra.Client;
  readonly staging: Staging;
  readonly log: EventLog;
  readonly control: ControlPlane;
  /** The work topic (cutover.work). */
  readonly workTopic: string;
  /** Where work items that cannot be read go, with the reason (cutover.dead-letters). */
  readonly deadLetterTopic: string;
  readonly logger: Logger;
  /** Writes in flight per worker while loading a chunk (MIGRATOR_LOAD_CONCURRENCY). */
  readonly loadConcurrency?: number;
  /**
   * The migration's state, as fresh as its holder keeps it (rebuilt whole from the logs, never
   * part-way through a replay): pauses and re-migrations apply to queued work. Without it, all
   * work runs.
   */
  readonly live?: { readonly state: MigrationState };
}
