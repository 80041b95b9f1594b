import type { EventLogError, Subscription } from '@cutover/event-log';
import { rebuild, type CommandEnvelope, type EventEnvelope, type LoggedFact, type MigrationState, type Rebuilt } from '@cutover/migration-state';

/**
 * The migration's state as `ControlPlane.history` rebuilds it, kept current by following both
 * topics: reading it costs nothing once the logs are read, where `history` reads them whole
 * each time. A command whose facts (`factsThrough`) have not all been read yet waits for them,
 * so it is decided as every other reader decides it.
 */
export class LiveHistory {
  readonly subscriptions: Subscription[] = [];
  private readonly commands: CommandEnvelope[] = [];
  private readonly facts: LoggedFact[] = [];
  /** Records of each topic read, readable or not. */
  private commandRecords = 0;
  private eventRecords = 0;
  private readonly distinctFacts = new Set<string>();
  private cached?: Rebuilt;
  private onRecord?: () => void;
  private listener?: () => void;

  /** The state now: rebuilt (in memory) when a record has come since it was last read. */
  get state(): MigrationState {
    return this.rebuilt.state;
  }

  /** The state now, with the events and facts it was folded from (what the audit reads). */
  get rebuilt(): Rebuilt {
    if (this.cached === undefined) {
      const waiting = this.commands.findIndex((c) => (c.factsThrough ?? 0) > this.eventRecords);
      this.cached = rebuild(waiting < 0 ? this.commands : this.commands.slice(0, waiting), this.facts);
    }
    return this.cached;
  }

  addCommand(command: CommandEnvelope | EventLogError): void {
    this.commandRecords++;
    if (!(command instanceof Error)) this.commands.push(command);
    this.changed();
  }

  /** A record of the events topic at `offset`: a fact, a verdict (undefined: the control topic has those) or unreadable. */
  addFact(offset: number, fact: EventEnvelope | EventLogError | undefined): void {
    this.eventRecords = Math.max(this.eventRecords, offset + 1);
    if (fact !== undefined && !(fact instanceof Error)) {
      this.facts.push({ offset, envelope: fact });
      this.distinctFacts.add(fact.eventId);
    }
    this.changed();
  }

  /** `listener` is called after each record read from now on. */
  onChange(listener: () => void): void {
    this.listener = listener;
  }

  private changed(): void {
    this.cached = undefined;
    this.onRecord?.();
    this.listener?.();
  }

  /**
   * Resolves once it has read at least what `history` had read, and every command it read is
   * decided: the events topic read as far as each one's `factsThrough` (verdicts of earlier
   * commands count there too, and may follow the last fact).
   */
  caughtUp(history: { readonly commands: number; readonly facts: number }): Promise<void> {
    return new Promise((resolve) => {
      this.onRecord = () => {
        if (this.commandRecords < history.commands || this.distinctFacts.size < history.facts) return;
        if (this.commands.some((c) => (c.factsThrough ?? 0) > this.eventRecords)) return;
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
