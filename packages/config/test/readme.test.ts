import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { SETTINGS } from '../src/index.ts';

it("the README's configuration table lists every setting with its aliases and YAML path", () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  for (const s of SETTINGS) {
    const aliases = (s.aliases ?? []).map((a) => `\`${a}\``).join(', ');
    const row = `| \`${s.env}\` | ${aliases} | \`${s.path}\` |`;
    assert.ok(readme.includes(row), `README lacks the row for ${s.env}: ${row}`);
  }
});
