import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

/** topics/topics.json, each name with the configured prefix. */
export function topicCatalogue(prefix = '', file = CATALOGUE): TopicSpec[] {
  const { topics } = JSON.parse(readFileSync(file, 'utf8')) as { topics: TopicSpec[] };
  return topics.map((t) => ({ ...t, name: `${prefix}${t.name}` }));
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

/** Waits until every partition of `topics` has a leader (30 s at most). */
async function leadersOf(admin: Admin, topics: readonly string[]): Promise<void> {
  if (topics.length === 0) return;
  for (let waited = 0; ; waited += 100) {
    const metadata = await admin.fetchTopicMetadata({ topics: [...topics] }).catch(() => undefined);
    if (metadata !== undefined && metadata.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    if (waited >= 30_000) throw new EventLogError('TOPIC_NOT_READY', `topics without a leader after 30 s: ${topics.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
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
