import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { parse } from 'yaml';
import { SERVER_NAMES, planStack } from '../src/index.ts';

interface Compose {
  services: Record<string, { image: string; ports?: string[]; healthcheck?: { test: string[] } }>;
}

// Docker cannot run here, so the compose file is checked for what can be checked without it.
it('docker-compose.yml parses and runs every server the local stack does, healthy-checked, where the stack listens', () => {
  const compose = parse(readFileSync(new URL('../../../docker-compose.yml', import.meta.url), 'utf8')) as Compose;
  const plan = planStack(loadConfig({ env: {} }));
  for (const name of SERVER_NAMES) {
    const service = compose.services[name];
    assert.ok(service, `service ${name} is missing`);
    assert.match(service.image, /:[\w.-]+$/, `${name} has a pinned tag`);
    assert.ok(service.healthcheck?.test.length, `${name} has a health check`);
    const address = plan.find((s) => s.name === name)!.address;
    assert.ok(service.ports?.some((p) => p.startsWith(`${address}:`)), `${name} publishes ${address}, got ${service.ports?.join(', ')}`);
  }
});
