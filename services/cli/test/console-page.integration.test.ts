import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, it } from 'node:test';
import { loadConfig } from '@cutover/config';
import { cassandraClient, mongoClient } from '@cutover/stack';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runCli, spawnCli } from './run-cli.ts';

/**
 * The console in a real browser (Debian's chromium, driven by playwright-core), as a person
 * runs a migration with it: the start page lists the stack's MongoDB collections and origin's
 * tables; a migration of one of each started from it shows both bars reach 100% and ✓ once
 * copied and verified; a pause shows; a command the state refuses shows why; the audit names
 * who did what; the page carries on after the console restarts. Each page is saved as a
 * screenshot under test-output/console/.
 */
const db = `page_${randomBytes(3).toString('hex')}`;
const TOKEN = randomBytes(18).toString('base64url');
const env = { KAFKA_TOPIC_PREFIX: `${db}.`, CONSOLE_TOKENS: `alice=${TOKEN}`, LOG_LEVEL: 'warn' };
const config = loadConfig({ env });
const mongo = mongoClient(config);
const origin = cassandraClient(config.origin);
const target = cassandraClient(config.target);
const OUTPUT = fileURLToPath(new URL('../../../test-output/console/', import.meta.url));
const table = `${db}.orders`;
const collection = `${db}.users`;
const timeout = 300_000;
let browser: Browser;
let page: Page;
let console_: ReturnType<typeof spawnCli>;
let url: string;

/** `cutover console`, once it says where it listens. */
async function startConsole(port = 0): Promise<ReturnType<typeof spawnCli>> {
  const started = spawnCli(['console'], { ...env, CONSOLE_PORT: String(port) });
  for (let i = 0; !/console: (http\S+)/.test(started.stdout()); i++) {
    assert.ok(i < 600 && started.child.exitCode === null, `the console never said where it listens:\n${started.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  url = /console: (http\S+)/.exec(started.stdout())![1]!;
  return started;
}

async function stopConsole(): Promise<void> {
  const exited = new Promise((resolve) => console_.child.once('exit', resolve));
  console_.child.kill('SIGTERM');
  await exited;
}

/** Debian's Chromium, as the README's prerequisites install it. */
function chromiumPath(): string {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch (error) {
    throw new Error('chromium is not installed: the console\'s page is tested in it (apt-get install chromium; see the README\'s prerequisites)', { cause: error });
  }
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: join(OUTPUT, `console-${name}.png`), fullPage: true });
}

before(async () => {
  mkdirSync(OUTPUT, { recursive: true });
  await origin.execute(`CREATE KEYSPACE ${db} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await origin.execute(`CREATE TABLE ${table} (id int PRIMARY KEY, item text)`);
  for (let i = 0; i < 300; i++) await origin.execute(`INSERT INTO ${table} (id, item) VALUES (?, ?)`, [i, `item ${i}`], { prepare: true });
  await mongo.db(db).collection('users').insertMany(Array.from({ length: 300 }, (_, i) => ({ name: `user ${i}`, n: i })));
  console_ = await startConsole();
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
});

after(async () => {
  // What the page showed last: where to look first when a step failed.
  await page?.screenshot({ path: join(OUTPUT, 'last.png'), fullPage: true }).catch(() => undefined);
  await browser?.close();
  if (console_?.child.exitCode === null) await stopConsole();
  await mongo.db(db).dropDatabase();
  for (const cluster of [origin, target]) await cluster.execute(`DROP KEYSPACE IF EXISTS ${db}`);
  await Promise.all([mongo.close(), origin.shutdown(), target.shutdown()]);
});

it('asks for the token, then lists the stack\'s MongoDB collections and origin\'s tables on the start page, and starts a migration of one of each', { timeout }, async () => {
  await page.goto(url);
  await page.fill('#token', 'not-the-token');
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#login-error:has-text("opens nothing")');
  await page.fill('#token', TOKEN);
  await page.click('#login button[type=submit]');
  await page.click(`[data-database="${db}"]`);
  await page.waitForSelector(`#database-name:has-text("of ${db}")`);
  assert.equal(await page.textContent(`#database-collections li:has(input[value="${collection}"])`), ' users — 300 documents');
  assert.match((await page.textContent('#mongo-uri')) ?? '', /^mongodb:\/\/127\.0\.0\.1/);
  await page.check(`input[value="${collection}"]`);
  await page.check(`input[value="${table}"]`);
  await screenshot('start');
  await page.click('#start');
  await page.waitForSelector(`[data-table="${table}"]`);
  await page.waitForSelector(`[data-collection="${collection}"]`);
});

it('shows both bars reach 100% and ✓ once the table and the collection are copied and verified', { timeout }, async () => {
  const [tables, documents] = await Promise.all([runCli(['migrate', 'tables'], env), runCli(['migrate', 'documents', '--until-synced'], env)]);
  assert.equal(tables.code, 0, tables.stderr);
  assert.equal(documents.code, 0, documents.stderr);
  const verified = await runCli(['verify', table, collection], env);
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  for (const item of [`[data-table="${table}"]`, `[data-collection="${collection}"]`]) {
    await page.waitForSelector(`${item} .verified.yes`);
    assert.equal(await page.getAttribute(`${item} [role=progressbar]`, 'aria-valuenow'), '100');
  }
  assert.match((await page.textContent(`[data-table="${table}"] .numbers`)) ?? '', /100% · 300 of ~300 rows/);
  assert.equal(await page.locator(`[data-table="${table}"] .chunks span.matched`).count(), await page.locator(`[data-table="${table}"] .chunks span`).count());
  await screenshot('migration');
  // On a phone: nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  assert.equal(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), true, 'no sideways scrolling on a phone');
  await screenshot('migration-phone');
  await page.setViewportSize({ width: 1200, height: 900 });
});

it('pauses the table from the page: it shows paused, and its bar stays where it was', { timeout }, async () => {
  await page.click(`[data-table="${table}"] button[data-command="pause table ${table}"]`);
  await page.waitForSelector(`[data-table="${table}"] .badge.paused`);
  assert.equal(await page.getAttribute(`[data-table="${table}"] [role=progressbar]`, 'aria-valuenow'), '100');
});

it('disables what the state would refuse, showing the reason', { timeout }, async () => {
  const primary = page.locator('button[data-command="set-primary origin"]');
  assert.equal(await primary.isDisabled(), true);
  assert.equal(await page.locator('.command:has(button[data-command="set-primary origin"]) .why').textContent(), 'origin is already the primary');
});

it('lists in the audit what was done, by whom', { timeout }, async () => {
  await page.goto(`${url.split('#')[0]}#audit`);
  await page.waitForSelector('#audit-entries tr');
  const rows = await page.locator('#audit-entries tr').allTextContents();
  assert.ok(rows.some((row) => row.includes('alice') && /paused/i.test(row)), rows.join('\n'));
  assert.ok(rows.some((row) => row.includes('alice') && /started/i.test(row)), rows.join('\n'));
  await page.waitForSelector('#dead-letters-summary:has-text("None: nothing was refused.")');
  await screenshot('audit');
});

it('carries on after the console restarts: the stream reconnects, and commands work again', { timeout }, async () => {
  await page.goto(`${url.split('#')[0]}#migration`);
  await page.waitForSelector('#connection:has-text("live")');
  const port = Number(new URL(url).port);
  await stopConsole();
  await page.waitForSelector('#connection:has-text("reconnecting")');
  console_ = await startConsole(port);
  await page.waitForSelector('#connection:has-text("live")', { timeout: 60_000 });
  await page.click(`[data-table="${table}"] button[data-command="resume table ${table}"]`);
  await page.waitForSelector(`[data-table="${table}"] .badge.paused`, { state: 'detached' });
});
