/**
 * `npm run docs:config`: rewrites the README's configuration table from the settings table,
 * between the `config-table` markers. The README test fails until this has been run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { SETTINGS } from '@cutover/config';

const code = (text: string): string => `\`${text}\``;
const rows = SETTINGS.map((s) => {
  const fallback = s.defaultText ?? (s.default === undefined ? undefined : Array.isArray(s.default) ? s.default.join(',') : String(s.default as string | number | boolean));
  const cells = [code(s.env), (s.aliases ?? []).map(code).join(', '), code(s.path), fallback === undefined ? '—' : code(fallback), `${s.doc}${s.secret === true ? ' Secret: never logged.' : ''}`];
  return `| ${cells.join(' | ')} |`;
});
const table = ['| variable | aliases | YAML path | default | meaning |', '|---|---|---|---|---|', ...rows].join('\n');

const path = new URL('../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
const markers = /<!-- config-table -->[\s\S]*?<!-- \/config-table -->/;
if (!markers.test(readme)) throw new Error('README.md has no <!-- config-table --> markers');
const updated = readme.replace(markers, `<!-- config-table -->\n${table}\n<!-- /config-table -->`);
writeFileSync(path, updated);
