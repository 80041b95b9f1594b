import { once } from 'node:events';
import type { Config } from '@cutover/config';
import { ControlPlane, controlTopics } from '@cutover/control-plane';
import { KafkaEventLog, createTopics, groupNames, topicCatalogue, topicNames } from '@cutover/event-log';
import { Healer, ProxyServer, PublishingSink, createLogger } from '@cutover/proxy';
import { cassandraClient, kafkaClient } from '@cutover/stack';
import type { Output } from '../output.js';
import { UsageError } from '../usage.js';

/**
 * `cutover proxy`: runs the CQL proxy in the foreground until SIGINT or SIGTERM. It publishes
 * every mutation to Kafka (spooling while Kafka is away) and follows the control log.
 */
export async function proxyCommand(args: string[], config: Config, io: Output): Promise<number> {
  if (args.length > 0) throw new UsageError(`cutover proxy takes no arguments (it is configured by the environment), got "${args.join(' ')}"`);
  const logger = createLogger(config, 'proxy');
  const kafka = kafkaClient(config);
  const admin = kafka.admin();
  // Serving drivers matters more than Kafka: without it, mutations spool and the primary and
  // read mode stay as configured until it is back.
  await admin
    .connect()
    .then(() => createTopics(admin, topicCatalogue(config.kafka.topicPrefix)))
    .catch((error: Error) => io.err(`warning: Kafka is unavailable (${error.message}); mutations wait in the journal under ${config.proxy.spoolDir} until it is back`))
    .finally(() => admin.disconnect());
  const log = new KafkaEventLog(config.kafka, logger);
  const topics = topicNames(config.kafka.topicPrefix);
  const sink = await PublishingSink.open(log, config, logger);
  const proxy = await ProxyServer.start(config, { sink, logger, control: new ControlPlane(log, controlTopics(config.kafka.topicPrefix)) });
  // Under origin-acked, target is healed from the log: every proxy's healer shares the work.
  const target = config.proxy.targetFailurePolicy === 'origin-acked' ? cassandraClient(config.target, { metadata: false, reconnectMs: 1000 }) : undefined;
  const healer = target
    ? Healer.start(log, { topic: topics.heals, deadLetterTopic: topics.deadLetters, group: groupNames(config.kafka.topicPrefix).healer, target, logger, registry: proxy.metrics.registry }).catch((error: unknown) => {
        logger.error({ err: error }, 'the healer could not start: writes target failed stay in the heals topic until a proxy heals them');
        return undefined;
      })
    : undefined;
  const { host, port } = proxy.address;
  io.err(`proxy ${config.proxy.id} listening on ${host}:${port} (metrics on :${config.proxy.metricsPort}); origin ${config.origin.host}:${config.origin.port}, target ${config.target.host}:${config.target.port}, primary ${proxy.live.primary}`);
  const signal = await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  io.err(`stopping on ${String(signal[0] ?? 'signal')}`);
  await proxy.stop();
  await (await healer)?.stop();
  await target?.shutdown();
  await sink.close();
  await log.close();
  return 0;
}
