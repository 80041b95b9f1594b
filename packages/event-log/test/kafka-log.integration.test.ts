import { randomBytes } from 'node:crypto';
import { loadConfig } from '@cutover/config';
import { kafkaClient } from '@cutover/stack';
import { KafkaEventLog } from '../src/index.ts';
import { eventLogContract } from './contract.ts';

// The same contract against the stack's real Kafka.
eventLogContract('Kafka', () => {
  const config = loadConfig();
  const kafka = kafkaClient(config);
  const log = new KafkaEventLog(config.kafka);
  return Promise.resolve({
    log,
    async topic() {
      const topic = `cutover-contract-${randomBytes(4).toString('hex')}`;
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
      await admin.disconnect();
      return topic;
    },
  });
});
