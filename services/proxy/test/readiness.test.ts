import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { controlStatePath, parseControlState, readControlState, writeControlState } from '../src/control-state.ts';
import { readiness, type ReadinessInput } from '../src/readiness.ts';

const up: ReadinessInput = { origin: 'up', target: 'up', log: 'ok', control: 'control log', primary: 'origin', policy: 'strict' };

describe('/health/ready', () => {
  it('is ready with both clusters up, the log advancing and the primary and read mode known', () => {
    assert.deepEqual(readiness(up), { ready: true, body: { status: 'ready', origin: 'up', target: 'up', log: 'ok', control: 'control log', primary: 'origin', targetFailurePolicy: 'strict' } });
    assert.equal(readiness({ ...up, control: 'local copy' }).ready, true);
    assert.equal(readiness({ ...up, control: 'configured' }).ready, true);
  });

  it('is not ready while the primary and read mode are not known, origin is down, or the log stalls', () => {
    const waiting = readiness({ ...up, control: 'waiting' });
    assert.equal(waiting.ready, false);
    assert.deepEqual(waiting.body['reasons'], ['the primary and read mode are not known yet: waiting for the control log']);
    assert.equal(readiness({ ...up, origin: 'down: ECONNREFUSED' }).ready, false);
    assert.equal(readiness({ ...up, policy: 'origin-acked', origin: 'down: ECONNREFUSED' }).ready, false, 'origin-acked needs origin');
    assert.equal(readiness({ ...up, log: 'stalled' }).ready, false);
  });

  it('under origin-acked stays ready while target is down, and says so; not when target is the primary, nor under strict', () => {
    const acked = readiness({ ...up, target: 'down: ECONNREFUSED', policy: 'origin-acked' });
    assert.equal(acked.ready, true);
    assert.match(String(acked.body['note']), /^target is down: writes are acknowledged once origin has them, and target is healed/);
    assert.equal(acked.body['target'], 'down: ECONNREFUSED');
    assert.deepEqual(readiness({ ...up, target: 'timeout', policy: 'origin-acked', primary: 'target' }).body['reasons'], ['target, the primary, is unreachable: reads fail']);
    assert.deepEqual(readiness({ ...up, target: 'timeout' }).body['reasons'], ['target is unreachable (TARGET_FAILURE_POLICY=strict)']);
  });
});

describe('the local copy of the control state', () => {
  it('is written whole and read back; a missing file is no state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cutover-control-'));
    const path = controlStatePath(join(dir, 'spool'), 'proxy-7');
    assert.equal(path, join(dir, 'spool', 'proxy-7.control-state.json'));
    assert.equal(await readControlState(path), undefined);
    await writeControlState(path, { primary: 'target', readMode: 'dual-async', migrationId: 'm1' }, 'proxy-7');
    assert.deepEqual(await readControlState(path), { primary: 'target', readMode: 'dual-async', migrationId: 'm1' });
    await writeControlState(path, { primary: 'origin', readMode: 'primary-only' }, 'proxy-7');
    assert.deepEqual(await readControlState(path), { primary: 'origin', readMode: 'primary-only' });
    assert.deepEqual(readdirSync(join(dir, 'spool')), ['proxy-7.control-state.json'], 'no temporary file left');
    assert.equal((JSON.parse(readFileSync(path, 'utf8')) as { savedBy: string }).savedBy, 'proxy-7');
  });

  it('refuses a file it did not write, saying why', async () => {
    assert.throws(() => parseControlState('{"primary":"target"'), /is not JSON/);
    assert.throws(() => parseControlState('{"primary":"elsewhere","readMode":"primary-only"}'), /primary is "elsewhere"/);
    assert.throws(() => parseControlState('{"primary":"origin","readMode":"sometimes"}'), /readMode is "sometimes"/);
    const dir = mkdtempSync(join(tmpdir(), 'cutover-control-'));
    writeFileSync(join(dir, 'p.control-state.json'), 'null');
    await assert.rejects(readControlState(join(dir, 'p.control-state.json')), /primary is undefined/);
  });
});
