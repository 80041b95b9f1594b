import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { EventLogError, SchemaCatalogue, deadLetter, decodeRecord, encodeRecord, topicNames, topicSpecs, type EventLog, type StoredRecord, type Subscription, type TopicSpec } from '@cutover/event-log';
import { isFact, rebuild, type Command, type CommandEnvelope, type EventEnvelope, type Fact, type LoggedFact, type MigrationState } from '@cutover/migration-state';
import { LiveHistory } from './live-history.js';
import { migrationEventFromAvro, migrationEventToAvro, type AvroMigrationEvent } from './migration-event-codec.js';
import { updateFromAvro, updateToAvro, type AvroUpdate } from './update-codec.js';

export interface ControlTopics {
  readonly control: string;
  readonly deadLetters: string;
  /** Where decided events go, as facts for the migrators and anyone reading the log. */
  readonly events: string;
}

/** The topics the control plane uses, with the configured prefix. */
export function controlTopics(prefix = ''): ControlTopics {
  const { control, deadLetters, migrationEvents } = topicNames(prefix);
  return { control, deadLetters, events: migrationEvents };
}

/** The catalogue's specs of the topics the control plane uses, to create them. */
export function controlTopicSpecs(prefix = ''): TopicSpec[] {
  const { control, deadLetters, events } = controlTopics(prefix);
  return topicSpecs(prefix, [control, deadLetters, events]);
}

export interface History {
  readonly state: MigrationState;
  /** Every decided event, rejections included, in log order. */
  readonly events: readonly EventEnvelope[];
  /** Decided events and the migrators' facts, in the order they were folded: what the audit trail reads. */
  readonly trail: readonly EventEnvelope[];
  /** Records of the control and events topics that could not be read (the control topic's are in the dead letters). */
  readonly unreadable: number;
  /** How many records of the control topic, and distinct facts of the events topic, it was rebuilt from. */
  readonly commands: number;
  readonly facts: number;
}

/** `verifyAudit`'s finding: what was checked, and every difference. */
export interface AuditCheck {
  readonly commands: number;
  /** Verdicts recorded on the events topic. */
  readonly verdicts: number;
  readonly problems: readonly string[];
}

export interface IssueOptions {
  readonly migrationId: string;
  readonly issuer: string;
  readonly reason?: string;
}

/**
 * Control commands on the event log. Commands go on the control topic (one partition: one
 * total order), and every service decides each one, in that order, against the state so far.
 * `decide` is deterministic, so every service reaches the same state and the same verdicts,
 * and the log alone is the audit.
 */
export class ControlPlane {
  constructor(
    private readonly log: EventLog,
    private readonly topics: ControlTopics,
    private readonly catalogue: SchemaCatalogue = SchemaCatalogue.load(),
  ) {}

  /** Appends a command and returns what it decided, in its place in the log's order. */
  async issue(command: Command, options: IssueOptions): Promise<readonly EventEnvelope[]> {
    // Decided knowing every fact logged by now: the events topic has one partition.
    const [factsThrough = 0] = await this.log.endOffsets(this.topics.events);
    const envelope: CommandEnvelope = { commandId: randomUUID(), issuedAt: Date.now(), ...options, factsThrough, command };
    await this.log.produce(this.topics.control, [{ key: Buffer.from(options.migrationId), value: encodeRecord(this.catalogue, 'Update', updateToAvro(envelope)) }]);
    const { events } = await this.history();
    const decided = events.filter((e) => e.commandId === envelope.commandId);
    // The verdict goes on the facts topic too. Deciding is deterministic, so anyone who decides
    // this command again gets the same events, ids included: consumers dedupe by event id.
    const key = Buffer.from(options.migrationId);
    await this.log.produce(this.topics.events, decided.map((e) => ({ key, value: encodeRecord(this.catalogue, 'MigrationEvent', migrationEventToAvro(e)) })));
    return decided;
  }

  /**
   * The state rebuilt from the logs: every command of the control topic decided in order, each
   * knowing the migrators' facts logged before it was issued, then the facts logged since. `at`
   * (ms since the epoch): the state as it was then, from the commands issued by then (the log's
   * order up to the first issued later) and the facts recorded by then.
   */
  async history(options: { readonly at?: number } = {}): Promise<History> {
    const [controlRecords, eventRecords] = await Promise.all([this.log.readAll(this.topics.control), this.log.readAll(this.topics.events)]);
    let commands = controlRecords.map((record) => this.read(record)).filter((envelope): envelope is CommandEnvelope => !(envelope instanceof EventLogError));
    let unreadable = controlRecords.length - commands.length;
    if (options.at !== undefined) {
      const later = commands.findIndex((c) => c.issuedAt > options.at!);
      if (later >= 0) commands = commands.slice(0, later);
    }
    const facts: LoggedFact[] = [];
    for (const record of eventRecords) {
      const envelope = this.readFact(record);
      if (envelope instanceof EventLogError) unreadable++;
      else if (envelope !== undefined && (options.at === undefined || envelope.at <= options.at)) facts.push({ offset: Number(record.offset), envelope });
    }
    const { state, events, facts: folded, folded: trail } = rebuild(commands, facts);
    return { state, events, trail, unreadable, facts: folded, commands: controlRecords.length };
  }

  /**
   * The state as `history` rebuilds it, kept current: both topics are read from their start
   * and followed. Resolves once it has caught up with the logs as they were when called.
   * `deadLetters`: unreadable commands go to the dead letters (one follower of each service does it).
   */
  async live(subscriber: string, options: { readonly deadLetters?: boolean } = {}): Promise<LiveHistory> {
    const now = await this.history();
    const live = new LiveHistory();
    // Groups of their own for each run: every start reads the whole logs.
    const group = `${subscriber}-${randomUUID()}`;
    live.subscriptions.push(
      await this.log.consume(this.topics.control, `${group}-control`, async (record) => {
        const command = this.read(record);
        if (command instanceof EventLogError && options.deadLetters === true) await this.deadLetter(record, command);
        live.addCommand(command);
      }),
      await this.log.consume(this.topics.events, `${group}-events`, (record) => Promise.resolve(live.addFact(Number(record.offset), this.readFact(record)))),
    );
    await live.caughtUp(now);
    return live;
  }

  /** A fact of the events topic; undefined for a decided event (the control topic has those). */
  private readFact(record: StoredRecord): EventEnvelope | EventLogError | undefined {
    try {
      const envelope = migrationEventFromAvro(decodeRecord<AvroMigrationEvent>(this.catalogue, 'MigrationEvent', record.value).value);
      return isFact(envelope.event) ? envelope : undefined;
    } catch (error) {
      if (error instanceof EventLogError) return error;
      throw error;
    }
  }

  /**
   * Decides every command of the control topic again, in order, and compares the verdicts with
   * those recorded on the events topic: any difference means one of the logs was changed after
   * the fact (or a verdict was never recorded). Facts of the migrators are not verdicts, and are
   * left out.
   */
  async verifyAudit(): Promise<AuditCheck> {
    const { events, commands } = await this.history();
    const expected = new Map(events.map((e) => [e.eventId, e]));
    const problems: string[] = [];
    const recorded = new Set<string>();
    let verdicts = 0;
    for (const record of await this.log.readAll(this.topics.events)) {
      let envelope: EventEnvelope;
      try {
        envelope = migrationEventFromAvro(decodeRecord<AvroMigrationEvent>(this.catalogue, 'MigrationEvent', record.value).value);
      } catch (error) {
        if (!(error instanceof EventLogError)) throw error;
        problems.push(`record ${record.partition}:${record.offset} of ${this.topics.events} cannot be read: ${error.message}`);
        continue;
      }
      if (isFact(envelope.event)) continue;
      verdicts++;
      const decided = expected.get(envelope.eventId);
      if (decided === undefined) problems.push(`verdict ${envelope.eventId} (${envelope.event.type}, by ${envelope.issuer}) at ${record.partition}:${record.offset} has no command in ${this.topics.control} that decides it`);
      else if (!isDeepStrictEqual(envelope, decided)) problems.push(`verdict ${envelope.eventId} at ${record.partition}:${record.offset} is not what its command decides: recorded ${describeEvent(envelope)}, decided ${describeEvent(decided)}`);
      recorded.add(envelope.eventId);
    }
    for (const e of events) if (!recorded.has(e.eventId)) problems.push(`verdict ${e.eventId} (${describeEvent(e)}) was decided but never recorded in ${this.topics.events}`);
    return { commands, verdicts, problems };
  }

  /**
   * Records what a migrator did. `eventId` names the work, so redoing it records the same fact.
   * `at`: when it happened (now, unless it is being recorded late).
   */
  async record(fact: Fact, options: { readonly migrationId: string; readonly issuer: string; readonly eventId: string; readonly at?: number }): Promise<void> {
    const envelope: EventEnvelope = { eventId: options.eventId, migrationId: options.migrationId, commandId: options.eventId, at: options.at ?? Date.now(), issuer: options.issuer, event: fact };
    await this.log.produce(this.topics.events, [{ key: Buffer.from(options.migrationId), value: encodeRecord(this.catalogue, 'MigrationEvent', migrationEventToAvro(envelope)) }]);
  }

  /**
   * Reads both logs from their start, then follows them: `onState` gets the state at once and
   * again, at most every `everyMs`, while records come. An unreadable command goes to the dead
   * letters with the reason, and changes nothing.
   */
  async follow(subscriber: string, onState: (state: MigrationState) => void, everyMs = 100): Promise<Subscription> {
    const live = await this.live(subscriber, { deadLetters: true });
    let timer: NodeJS.Timeout | undefined;
    live.onChange(() => {
      // Each read of the state folds the logs again: once per burst of records, not per record.
      timer ??= setTimeout(() => {
        timer = undefined;
        onState(live.state);
      }, everyMs);
    });
    onState(live.state);
    return {
      async stop() {
        clearTimeout(timer);
        await live.close();
      },
    };
  }

  private read(record: StoredRecord): CommandEnvelope | EventLogError {
    try {
      return updateFromAvro(decodeRecord<AvroUpdate>(this.catalogue, 'Update', record.value).value);
    } catch (error) {
      if (error instanceof EventLogError) return error;
      throw error;
    }
  }

  private async deadLetter(record: StoredRecord, error: EventLogError): Promise<void> {
    await this.log.produce(this.topics.deadLetters, [deadLetter(record, `${error.code}: ${error.message}`)]);
  }
}

function describeEvent(envelope: EventEnvelope): string {
  return JSON.stringify({ issuer: envelope.issuer, at: envelope.at, ...envelope.event });
}
