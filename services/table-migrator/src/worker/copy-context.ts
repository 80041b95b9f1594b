import type { ControlPlane } from '@cutover/control-plane';
import type { EventLog } from '@cutover/event-log';
import type { MigrationState } from '@cutover/migration-state';
import type cassandra from 'cassandra-driver';
import type { Logger } from 'pino';
import type { LoadOptions } from '../copy/load.js';
import type { Staging } from '../copy/unload.js';
import type { MigratorMetrics } from './metrics.js';
import type { ClusterPaces } from '../check/verify-table.js';

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
  /** Writes in flight and per second, per worker, while loading a chunk (MIGRATOR_LOAD_CONCURRENCY, MIGRATOR_LOAD_RATE); 256 and no limit by default. */
  readonly load?: LoadOptions;
  /** Bad rows a table's copy tolerates before it fails (MIGRATOR_MAX_BAD_ROWS); none by default. */
  readonly errorBudget?: { readonly maxBadRows: number | null; readonly maxBadRowsPercent: number | null };
  /**
   * The migration's state, as fresh as its holder keeps it (rebuilt whole from the logs, never
   * part-way through a replay): pauses and re-migrations apply to queued work. Without it, all
   * work runs.
   */
  readonly live?: { readonly state: MigrationState };
  /** How long a round that truncates target waits after its claim for loads of the round before to stop; TRUNCATE_SETTLE_MS (15 s) by default. */
  readonly truncateSettleMs?: number;
  /** What the workers' comparisons of shared verifications read at most (VERIFY_RATE, shared by the process's workers); no limit by default. */
  readonly verifyPaces?: ClusterPaces;
  /** Where the workers count what they do, if anywhere. */
  readonly metrics?: MigratorMetrics;
}
