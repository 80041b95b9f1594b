import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { SETTINGS, loadConfig } from '@cutover/config';
import { parse } from 'yaml';
import { SERVER_NAMES, planStack } from '../src/index.ts';

interface Compose {
  services: Record<string, { image?: string; build?: string; command?: string[]; environment?: Record<string, string>; ports?: string[]; healthcheck?: { test: string[] } }>;
}

const compose = (): Compose => parse(readFileSync(new URL('../../../docker-compose.yml', import.meta.url), 'utf8')) as Compose;

// Docker cannot run here, so the compose file is checked for what can be checked without it.
it('docker-compose.yml parses and runs every server the local stack does, healthy-checked, where the stack listens', () => {
  const { services } = compose();
  const plan = planStack(loadConfig({ env: {} }));
  for (const name of SERVER_NAMES) {
    const service = services[name];
    assert.ok(service, `service ${name} is missing`);
    assert.match(service.image ?? '', /:[\w.-]+$/, `${name} has a pinned tag`);
    assert.ok(service.healthcheck?.test.length, `${name} has a health check`);
    const address = plan.find((s) => s.name === name)!.address;
    assert.ok(service.ports?.some((p) => p.startsWith(`${address}:`)), `${name} publishes ${address}, got ${service.ports?.join(', ')}`);
  }
});

it('docker-compose.yml runs the proxy from this repository with a configuration Cutover accepts', () => {
  const proxy = compose().services['proxy'];
  assert.ok(proxy, 'the proxy service is missing');
  assert.equal(proxy.build, '.');
  assert.deepEqual(proxy.command, ['proxy']);
  const env = proxy.environment ?? {};
  const known = new Set(SETTINGS.flatMap((s) => [s.env, ...(s.aliases ?? [])]));
  for (const name of Object.keys(env)) assert.ok(known.has(name), `${name} is not a Cutover setting`);
  const config = loadConfig({ env });
  assert.equal(config.origin.host, 'origin');
  assert.equal(config.target.host, 'target');
  assert.ok(proxy.ports?.includes(`127.0.0.1:${config.proxy.queryPort}:${config.proxy.queryPort}`));
  assert.ok(proxy.ports?.includes(`127.0.0.1:${config.proxy.metricsPort}:${config.proxy.metricsPort}`));
  assert.match(proxy.healthcheck?.test.join(' ') ?? '', new RegExp(`:${config.proxy.metricsPort}/health/ready`));
});
