import assert from 'node:assert/strict';
import { it } from 'node:test';
import { logLevel } from 'kafkajs';
import { kafkajsLogs } from '../src/index.ts';

it("hands kafkajs's logs to the service's logger, its retried connection errors as warnings", () => {
  const lines: [string, object, string][] = [];
  const sink = (level: string) => (fields: object, message: string) => void lines.push([level, fields, message]);
  const log = kafkajsLogs({ error: sink('error'), warn: sink('warn'), info: sink('info'), debug: sink('debug') })(logLevel.INFO);
  const entry = (message: string, extra: object = {}) => ({ message, timestamp: '2026-11-21T00:00:00Z', logger: 'kafkajs', ...extra });
  log({ namespace: 'Connection', level: logLevel.ERROR, label: 'ERROR', log: entry('Connection error: connect ECONNREFUSED', { broker: '127.0.0.1:9092' }) });
  log({ namespace: 'Consumer', level: logLevel.ERROR, label: 'ERROR', log: entry('Crash: the consumer stopped') });
  log({ namespace: 'Consumer', level: logLevel.INFO, label: 'INFO', log: entry('Starting') });
  assert.deepEqual(lines, [
    ['warn', { kafkajs: 'Connection', broker: '127.0.0.1:9092' }, 'Connection error: connect ECONNREFUSED'],
    ['error', { kafkajs: 'Consumer' }, 'Crash: the consumer stopped'],
    ['info', { kafkajs: 'Consumer' }, 'Starting'],
  ]);
});
