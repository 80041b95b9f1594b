/** `npm run bench [-- name...]`: runs bench/<name>/bench.ts for each benchmark (all by default). */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const all = readdirSync(dir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'bench.ts')))
  .map((entry) => entry.name);
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`no such benchmark: ${unknown.join(', ')} (have: ${all.join(', ') || 'none'})`);
  process.exit(2);
}
const names = wanted.length > 0 ? wanted : all;
if (names.length === 0) console.log('no benchmarks yet');
let failed = 0;
for (const name of names) {
  console.log(`== ${name}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(dir, name, 'bench.ts')], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
