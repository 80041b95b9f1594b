import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from './run-cli.ts';

/**
 * The stack's lifecycle through the real CLI, on a stack of its own: its own directory and
 * 127.0.0.3 ports, so it never disturbs the stack the other tests use.
 */
const stackDir = mkdtempSync(join(tmpdir(), 'cutover-stack-'));
const env = {
  CUTOVER_STACK_DIR: stackDir,
  KAFKA_BROKERS: '127.0.0.3:19092',
  S3_ENDPOINT: 'http://127.0.0.3:19000',
  MONGO_URI: 'mongodb://127.0.0.3:37017',
};
const timeout = 180_000;

interface Status {
  name: string;
  address: string;
  state: string;
  pid: number | null;
}

async function status(...names: string[]): Promise<Status[]> {
  const result = await runCli(['stack', 'status', '--json', ...names], env);
  return JSON.parse(result.stdout) as Status[];
}

/** Every live process whose command line carries this test stack's directory. */
function processesOfTestStack(): string[] {
  const out = execFileSync('ps', ['-eww', '-o', 'pid=,stat=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(`-Dcutover.stack=${stackDir}`) && !/^\s*\d+\s+Z/.test(line));
}

after(async () => {
  await runCli(['stack', 'down'], env);
});

describe('cutover stack', () => {
  it('up starts the named servers and status reports them running with their pids', { timeout }, async () => {
    const up = await runCli(['stack', 'up', 's3', 'mongo'], env);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, /s3\s+127\.0\.0\.3:19000\s+ready in/);
    assert.match(up.stderr, /mongo\s+127\.0\.0\.3:37017\s+ready in/);

    const servers = await status('s3', 'mongo');
    assert.deepEqual(servers.map((s) => [s.name, s.address, s.state]), [['s3', '127.0.0.3:19000', 'running'], ['mongo', '127.0.0.3:37017', 'running']]);
    for (const s of servers) assert.ok(Number.isInteger(s.pid) && s.pid! > 0);
    assert.equal(processesOfTestStack().length, 2);
  });

  it('up again reuses the running servers', { timeout }, async () => {
    const before = await status('s3', 'mongo');
    const again = await runCli(['stack', 'up', 's3', 'mongo'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /s3\s+127\.0\.0\.3:19000\s+already running/);
    assert.match(again.stderr, /mongo\s+127\.0\.0\.3:37017\s+already running/);
    assert.deepEqual(await status('s3', 'mongo'), before);
  });

  it('logs shows the end of a server log', { timeout }, async () => {
    const logs = await runCli(['stack', 'logs', 'mongo', '-n', '3'], env);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /^==> mongo \(.*mongo\/server\.log\) <==\n/);
    assert.ok(logs.stdout.trim().split('\n').length <= 4);
    assert.match((await runCli(['stack', 'logs', '-n', 'x'], env)).stderr, /--lines must be a positive whole number/);
  });

  it('down stops what it started and leaves no process of ours', { timeout }, async () => {
    const down = await runCli(['stack', 'down'], env);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /^stopped (s3, mongo|mongo, s3)$/m);
    assert.deepEqual(processesOfTestStack(), []);
    assert.ok((await status()).every((s) => s.state === 'stopped' && s.pid === null));
    const statusCode = (await runCli(['stack', 'status'], env)).code;
    assert.equal(statusCode, 3, 'status exits 3 when not everything is up');
  });

  it('down never signals a process it did not start, even one holding a recorded pid', { timeout }, async () => {
    const stranger = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      mkdirSync(join(stackDir, 's3'), { recursive: true });
      writeFileSync(join(stackDir, 's3', 'pid'), `${stranger.pid}\n`);
      const down = await runCli(['stack', 'down', 's3'], env);
      assert.equal(down.code, 0, down.stderr);
      assert.equal(down.stdout.trim(), 'nothing of ours was running');
      assert.equal(stranger.exitCode, null);
      assert.doesNotThrow(() => process.kill(stranger.pid!, 0), 'the stranger is alive');
    } finally {
      stranger.kill();
    }
  });

  it('names the port when another process holds it, and starts nothing', { timeout }, async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(19000, '127.0.0.3', resolve));
    try {
      const up = await runCli(['stack', 'up', 'mongo', 's3'], env);
      assert.equal(up.code, 1);
      assert.match(up.stderr, /error \[PORT_IN_USE\]: port 127\.0\.0\.3:19000 \(s3 HTTP\) is already in use by another process/);
      assert.deepEqual(processesOfTestStack(), [], 'mongo must not have been started either');
    } finally {
      squatter.close();
    }
  });

  it('reports a server that did not become ready, with its last log lines', { timeout }, async () => {
    // A 1 MB heap is too small for the JVM to start: Kafka dies at once.
    const up = await runCli(['stack', 'up', 'kafka'], { ...env, STACK_KAFKA_HEAP: '1m' });
    assert.equal(up.code, 1);
    assert.match(up.stderr, /error \[SERVER_NOT_READY\]: kafka exited before it became ready\. Last lines of .*kafka\/server\.log:/);
    assert.match(up.stderr, /(Too small|initial heap|Error occurred during initialization of VM)/i);
    assert.deepEqual(processesOfTestStack(), []);
  });

  it('refuses a bad configuration, naming the setting and why', { timeout }, async () => {
    const bad = await runCli(['stack', 'status'], { ...env, ORIGIN_PORT: 'abc', SOURCE_HOSTNAME: 'x y' });
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /^Invalid configuration:$/m);
    assert.match(bad.stderr, /^ {2}ORIGIN_PORT="abc": must be a port number from 1 to 65535$/m);
    assert.match(bad.stderr, /^ {2}SOURCE_HOSTNAME="x y": must be a host name or IP address$/m);
  });

  it('refuses to start without Java 17', { timeout }, async () => {
    const up = await runCli(['stack', 'up', 's3'], { ...env, CUTOVER_JAVA_HOME: stackDir });
    assert.equal(up.code, 1);
    assert.match(up.stderr, /error \[JAVA_NOT_FOUND\]: CUTOVER_JAVA_HOME=.* is not a JDK \(no release file\); the local stack needs Java 17/);
  });

  it('answers usage errors with exit code 2', async () => {
    assert.equal((await runCli(['stack', 'explode'], env)).code, 2);
    assert.match((await runCli(['stack', 'up', 'redis'], env)).stderr, /UNKNOWN_SERVER/);
    assert.equal((await runCli(['--frobnicate'], env)).code, 2);
    const help = await runCli(['--help'], env);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /cutover stack <command>/);
  });
});
