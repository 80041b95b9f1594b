import { randomBytes } from 'node:crypto';
import { loadConfig } from '@cutover/config';
import { KafkaEventLog, createTopics } from '@cutover/event-log';
import { kafkaClient } from '@cutover/stack';
import { controlPlaneSuite } from './control-plane-suite.ts';
import { controlTopicSpecs } from '../src/index.ts';

controlPlaneSuite('on Kafka', () => {
  const config = loadConfig();
  const kafka = kafkaClient(config);
  return Promise.resolve({
    log: new KafkaEventLog(config.kafka),
    async prefix() {
      const prefix = `test-${randomBytes(3).toString('hex')}.`;
      const admin = kafka.admin();
      await admin.connect();
      await createTopics(admin, controlTopicSpecs(prefix));
      await admin.disconnect();
      return prefix;
    },
  });
});
