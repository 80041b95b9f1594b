import { MemoryEventLog } from '../src/index.ts';
import { eventLogContract } from './contract.ts';

let topics = 0;
eventLogContract('in memory', () => {
  const log = new MemoryEventLog(() => 3);
  return Promise.resolve({ log, topic: () => Promise.resolve(`topic-${++topics}`) });
});
