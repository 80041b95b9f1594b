import type { CommandEnvelope } from './commands.js';
import { decide } from './decide.js';
import type { EventEnvelope } from './events.js';
import { evolve, initialState, type MigrationState } from './state.js';

/** A migrator's fact, and where the migration-events topic holds it (a command's `factsThrough` counts those records). */
export interface LoggedFact {
  readonly offset: number;
  readonly envelope: EventEnvelope;
}

/** What the two logs make together. */
export interface Rebuilt {
  readonly state: MigrationState;
  /** Every decided event, rejections included, in the control log's order. */
  readonly events: EventEnvelope[];
  /** Distinct facts folded (a fact recorded twice, by work done twice, has one id). */
  readonly facts: number;
  /** Decided events and facts, in the order they were folded: what `auditTrail` reads. */
  readonly folded: EventEnvelope[];
}

/**
 * The state the control log's commands and the migrators' facts make together: each command
 * decided knowing the facts logged before it was issued (its `factsThrough`), then the facts
 * logged after the last. Facts name the copy round and verification they belong to, so one
 * folded later than it happened still lands where it belongs. `facts` in log order.
 */
export function rebuild(commands: readonly CommandEnvelope[], facts: readonly LoggedFact[] = []): Rebuilt {
  let state = initialState;
  const events: EventEnvelope[] = [];
  const folded: EventEnvelope[] = [];
  const seen = new Set<string>();
  let next = 0;
  const foldFactsBefore = (end: number): void => {
    for (; next < facts.length && facts[next]!.offset < end; next++) {
      const { envelope } = facts[next]!;
      if (seen.has(envelope.eventId)) continue;
      seen.add(envelope.eventId);
      state = evolve(state, envelope);
      folded.push(envelope);
    }
  };
  for (const command of commands) {
    if (command.factsThrough !== undefined) foldFactsBefore(command.factsThrough);
    const decided = decide(command, state);
    state = decided.reduce(evolve, state);
    events.push(...decided);
    folded.push(...decided);
  }
  foldFactsBefore(Infinity);
  return { state, events, facts: seen.size, folded };
}
