import type { Config } from '@cutover/config';
import { createTopics, describeTopics, topicCatalogue, topicDrift } from '@cutover/event-log';
import { kafkaClient } from '@cutover/stack';
import type { Output } from '../output.js';
import { UsageError } from '../usage.js';

export const TOPICS_USAGE = `cutover topics <command>

  create    create the topics of topics/topics.json that do not exist (existing ones are left alone)
  check     report how the cluster differs from topics/topics.json (exit 1 on any drift)`;

export async function topicsCommand(args: string[], config: Config, io: Output): Promise<number> {
  const [sub, ...rest] = args;
  if ((sub !== 'create' && sub !== 'check') || rest.length > 0) throw new UsageError(sub === undefined ? TOPICS_USAGE : `unknown topics command "${args.join(' ')}"\n\n${TOPICS_USAGE}`);
  const catalogue = topicCatalogue(config.kafka.topicPrefix);
  const admin = kafkaClient(config).admin();
  await admin.connect();
  try {
    if (sub === 'create') {
      const created = await createTopics(admin, catalogue);
      io.out(created.length === 0 ? `all ${catalogue.length} topics exist` : `created ${created.join(', ')}`);
    }
    const drift = topicDrift(catalogue, await describeTopics(admin, catalogue));
    for (const line of drift) io.out(`drift: ${line}`);
    if (sub === 'check' && drift.length === 0) io.out(`all ${catalogue.length} topics match the catalogue`);
    return drift.length === 0 ? 0 : 1;
  } finally {
    await admin.disconnect();
  }
}
