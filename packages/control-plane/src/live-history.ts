import type { EventLogError, Subscription } from '@cutover/event-log';
import { decide, evolve, initialState, type CommandEnvelope, type EventEnvelope, type MigrationState } from '@cutover/migration-state';

/** Commands decided in order, from the first: the state they make and every event they decided. */
export function decideAll(commands: readonly CommandEnvelope[]): { state: MigrationState; events: EventEnvelope[] } {
  let state = initialState;
  const events: EventEnvelope[] = [];
  for (const command of commands) {
    const decided = decide(command, state);
    state = decided.reduce(evolve, state);
    events.push(...decided);
  }
  return { state, events };
}

/**
 * The migration's state as `ControlPlane.history` rebuilds it (every command decided in order,
 * then the migrators' facts, each once), kept current by following both topics: reading it
 * costs nothing once the logs are read, where `history` reads them whole each time.
 */
export class LiveHistory {
  readonly subscriptions: Subscription[] = [];
  private readonly commands: CommandEnvelope[] = [];
  private readonly facts = new Map<string, EventEnvelope>();
  /** Records of the control topic read, readable or not. */
  private commandRecords = 0;
  private cached?: MigrationState;
  private onRecord?: () => void;

  /** The state now: rebuilt (in memory) when a record has come since it was last read. */
  get state(): MigrationState {
    if (this.cached === undefined) {
      // Facts after every command, as `history` folds them: facts name the round they are of.
      this.cached = [...this.facts.values()].reduce(evolve, decideAll(this.commands).state);
    }
    return this.cached;
  }

  addCommand(command: CommandEnvelope | EventLogError): void {
    this.commandRecords++;
    if (!(command instanceof Error)) this.commands.push(command);
    this.cached = undefined;
    this.onRecord?.();
  }

  addFact(fact: EventEnvelope | EventLogError | undefined): void {
    if (fact !== undefined && !(fact instanceof Error) && !this.facts.has(fact.eventId)) {
      this.facts.set(fact.eventId, fact);
      this.cached = undefined;
    }
    this.onRecord?.();
  }

  /** Resolves once it has read at least what `history` had read. */
  caughtUp(history: { readonly commands: number; readonly facts: number }): Promise<void> {
    return new Promise((resolve) => {
      this.onRecord = () => {
        if (this.commandRecords < history.commands || this.facts.size < history.facts) return;
        this.onRecord = undefined;
        resolve();
      };
      this.onRecord();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.stop()));
  }
}
