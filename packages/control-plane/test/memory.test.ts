import { MemoryEventLog } from '@cutover/event-log';
import { controlPlaneSuite } from './control-plane-suite.ts';

let n = 0;
controlPlaneSuite('in memory', () => Promise.resolve({ log: new MemoryEventLog(), prefix: () => Promise.resolve(`p${++n}.`) }));
