/**
 * Loaded into every test file's process (`--import`): once its tests are done, a process still
 * held open by a handle something left behind (a client's retry timer) exits a few seconds
 * later, after its report has been written, instead of hanging the run. Node's own
 * --test-force-exit exits at once and loses the end of the report: tests ran but went uncounted.
 */
import { after } from 'node:test';

after(() => {
  setTimeout(() => process.exit(), 5000).unref();
});
