import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Backoff } from '@cutover/errors';
import kafkajs, { type Admin } from 'kafkajs';
import { EventLogError } from './errors.js';

// kafkajs is CommonJS: this export is only reachable through the default import.
const { ConfigResourceTypes } = kafkajs;

export interface TopicSpec {
  readonly name: string;
  readonly doc: string;
  readonly partitions: number;
  readonly cleanupPolicy: 'delete' | 'compact';
  /** -1 keeps records forever. */
  readonly retentionMs: number;
  readonly key: string;
  readonly value: string;
}

/** A topic as the cluster has it. */
export interface TopicState {
  readonly name: string;
  readonly partitions: number;
  readonly cleanupPolicy: string;
  readonly retentionMs: number;
}

const CATALOGUE = fileURLToPath(new URL('../../../topics/topics.json', import.meta.url));

/** Every topic of topics/topics.json, by what it holds. */
export interface TopicNames {
  /** The proxies' mutation log. */
  readonly mutations: string;
  /** Mutations origin took and target failed, for the healers (TARGET_FAILURE_POLICY=origin-acked). */
  readonly heals: string;
  /** Commands: who may write it may run the migration (see the README's section on Kafka ACLs). */
  readonly control: string;
  /** Decided events and the migrators' facts. */
  readonly migrationEvents: string;
  /** The table migrator's chunk work. */
  readonly work: string;
  readonly documents: string;
  readonly documentReaders: string;
  /** What could not be read or written, with the reason. */
  readonly deadLetters: string;
}

/** The consumer groups of Cutover's workers: every process doing the same work joins the same one. */
export interface GroupNames {
  /** Table copiers and verifiers. */
  readonly tableWorkers: string;
  /** Every proxy's healer. */
  readonly healer: string;
  readonly documentLoaders: string;
  readonly documentReaders: string;
}

/**
 * The name of each topic, with the configured prefix (KAFKA_TOPIC_PREFIX): the one place a
 * topic is named. The catalogue (topics/topics.json) holds the same names, unprefixed.
 */
export function topicNames(prefix = ''): TopicNames {
  const topic = (name: string): string => `${prefix}cutover.${name}`;
  return {
    mutations: topic('mutations'),
    heals: topic('heals'),
    control: topic('control'),
    migrationEvents: topic('migration-events'),
    work: topic('work'),
    documents: topic('documents'),
    documentReaders: topic('document-readers'),
    deadLetters: topic('dead-letters'),
  };
}

/** The name of each consumer group of Cutover's workers, with the configured prefix. */
export function groupNames(prefix = ''): GroupNames {
  const group = (name: string): string => `${prefix}cutover-${name}`;
  return { tableWorkers: group('table-workers'), healer: group('healer'), documentLoaders: group('document-loaders'), documentReaders: group('document-readers') };
}

/** topics/topics.json, each name with the configured prefix. */
export function topicCatalogue(prefix = '', file = CATALOGUE): TopicSpec[] {
  const { topics } = JSON.parse(readFileSync(file, 'utf8')) as { topics: TopicSpec[] };
  return topics.map((t) => ({ ...t, name: `${prefix}${t.name}` }));
}

/** The catalogue's specs of these topics (named by `topicNames`), to create them. */
export function topicSpecs(prefix: string, names: readonly string[]): TopicSpec[] {
  return topicCatalogue(prefix).filter((t) => names.includes(t.name));
}

/** Every way the cluster differs from the catalogue, in words; empty when it does not. */
export function topicDrift(catalogue: readonly TopicSpec[], existing: ReadonlyMap<string, TopicState>): string[] {
  return catalogue.flatMap((spec) => {
    const actual = existing.get(spec.name);
    if (actual === undefined) return [`${spec.name}: missing`];
    const drift: string[] = [];
    if (actual.partitions !== spec.partitions) drift.push(`${spec.name}: ${actual.partitions} partitions, the catalogue says ${spec.partitions}`);
    if (actual.cleanupPolicy !== spec.cleanupPolicy) drift.push(`${spec.name}: cleanup.policy ${actual.cleanupPolicy}, the catalogue says ${spec.cleanupPolicy}`);
    if (actual.retentionMs !== spec.retentionMs) drift.push(`${spec.name}: retention.ms ${actual.retentionMs}, the catalogue says ${spec.retentionMs}`);
    return drift;
  });
}

/** The catalogue's topics as the cluster has them (those that exist). */
export async function describeTopics(admin: Admin, catalogue: readonly TopicSpec[]): Promise<Map<string, TopicState>> {
  const names = new Set(await admin.listTopics());
  const present = catalogue.filter((t) => names.has(t.name));
  if (present.length === 0) return new Map();
  const { topics } = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.name, configNames: ['cleanup.policy', 'retention.ms'] })),
  });
  return new Map(
    topics.map((topic) => {
      const configs = resources.find((r) => r.resourceName === topic.name)?.configEntries ?? [];
      const value = (name: string): string => configs.find((c) => c.configName === name)?.configValue ?? '';
      return [topic.name, { name: topic.name, partitions: topic.partitions.length, cleanupPolicy: value('cleanup.policy'), retentionMs: Number(value('retention.ms')) }];
    }),
  );
}

/**
 * Creates the catalogue's missing topics; existing ones are left as they are. Returns the names
 * created. Resolves once every partition of the catalogue's topics has a leader: a topic another
 * process has just created may not have one yet, and a consumer that joins it then gives up.
 */
export async function createTopics(admin: Admin, catalogue: readonly TopicSpec[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = catalogue.filter((t) => !existing.has(t.name));
  if (missing.length > 0) await createMissing(admin, missing);
  await leadersOf(admin, catalogue.map((t) => t.name));
  return missing.map((t) => t.name);
}

/** Waits until every partition of `topics` has a leader: looked at every 100 ms, for 30 s at most. */
async function leadersOf(admin: Admin, topics: readonly string[]): Promise<void> {
  if (topics.length === 0) return;
  const looks = new Backoff({ initialDelayMs: 100, maxElapsedMs: 30_000 });
  for (;;) {
    const metadata = await admin.fetchTopicMetadata({ topics: [...topics] }).catch(() => undefined);
    if (metadata !== undefined && metadata.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    if (!(await looks.wait())) throw new EventLogError('TOPIC_NOT_READY', `topics without a leader after 30 s: ${topics.join(', ')}`, { retryable: true });
  }
}

async function createMissing(admin: Admin, missing: readonly TopicSpec[]): Promise<void> {
  // kafkajs waits for the leaders, and fails when another process creates the same topics at
  // once (UNKNOWN_TOPIC_OR_PARTITION): then leadersOf, which rides that out, waits for them.
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((t) => ({
      topic: t.name,
      numPartitions: t.partitions,
      configEntries: [
        { name: 'cleanup.policy', value: t.cleanupPolicy },
        { name: 'retention.ms', value: String(t.retentionMs) },
      ],
    })),
  }).catch((error: unknown) => {
    if (!isUnknownTopic(error)) throw error;
  });
}

/** Whether kafkajs failed for a topic the broker did not know yet, itself or as the cause it gave up on. */
function isUnknownTopic(error: unknown): boolean {
  for (let e = error as { type?: string; cause?: unknown } | undefined; e !== undefined && e !== null; e = e.cause as typeof e) if (e.type === 'UNKNOWN_TOPIC_OR_PARTITION') return true;
  return false;
}
