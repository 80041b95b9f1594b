import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { SharedVerification } from '@cutover/migration-state';
import { splitRing, verifyItem, workRecord, type CopyContext, type TokenRange } from '@cutover/table-migrator';

/** How often the state is looked at while the ranges are compared. */
const POLL_MS = 250;

/** A shared verification whose every range has been compared. */
export interface ComparedRanges {
  readonly verification: SharedVerification;
  readonly ranges: readonly TokenRange[];
  /** It was begun by an earlier `cutover verify` (killed, or running beside this one). */
  readonly resumed: boolean;
}

/**
 * Runs a full verification of a migration's table as the migration's shared work: its token
 * ranges go on the work topic, where this process's workers, those of other verifiers of the
 * table and those of `cutover migrate tables` compare them (RangeVerified facts). One already
 * under way is joined instead of begun again (`restart`: a new one takes its place), so a
 * verification killed at any point resumes with the ranges still to compare. Resolves once every
 * range has been compared; `ctx.live` must follow the logs.
 */
export async function compareRanges(ctx: CopyContext & Required<Pick<CopyContext, 'live'>>, table: string, options: { ranges: number; restart: boolean; issuer: string; onRange: (done: number, total: number) => void }): Promise<ComparedRanges> {
  const state = ctx.live.state;
  const migrationId = state.migrationId!;
  const round = state.tables[table]!.remigrations;
  const under = state.tables[table]?.verification;
  const resumed = under !== undefined && !under.recorded && !options.restart;
  const id = resumed ? under.id : randomUUID();
  if (!resumed) {
    await ctx.control.record({ type: 'VerificationStarted', table, round, verificationId: id, ranges: options.ranges }, { migrationId, issuer: options.issuer, eventId: `${migrationId}/${table}/verify-${id}` });
  }
  let verification = await begun(ctx, table, id);
  const ranges = splitRing(verification.ranges);
  // A resumed one's queued ranges may never have made it to the topic: queued again, a range
  // compared meanwhile is dropped by the worker that gets it.
  const toCompare = ranges.flatMap((tokens, range) => (verification.done[range] === undefined ? [workRecord(verifyItem({ migrationId, table, round, verificationId: id, range, tokens }))] : []));
  await ctx.log.produce(ctx.workTopic, toCompare);
  for (;;) {
    verification = still(ctx, table, id);
    const done = Object.keys(verification.done).length;
    options.onRange(done, verification.ranges);
    if (done >= verification.ranges) return { verification, ranges, resumed };
    await delay(POLL_MS);
  }
}

/** The verification `id` of `table`, once this process's view of the logs has it. */
async function begun(ctx: Required<Pick<CopyContext, 'live'>>, table: string, id: string): Promise<SharedVerification> {
  for (;;) {
    const verification = ctx.live.state.tables[table]?.verification;
    if (verification?.id === id) return verification;
    await delay(POLL_MS / 5);
  }
}

/** The verification `id` of `table` as the logs tell it now; an error once it no longer counts. */
function still(ctx: Required<Pick<CopyContext, 'live'>>, table: string, id: string): SharedVerification {
  const verification = ctx.live.state.tables[table]?.verification;
  if (verification?.id === id) return verification;
  if (verification === undefined) throw new Error('it was re-migrated while it was compared: the verification says nothing of the new copy');
  throw new Error(`its verification was replaced by one begun ${new Date(verification.startedAt).toISOString()} by ${verification.issuer} (cutover verify --restart)`);
}
