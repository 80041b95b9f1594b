import { renderValue } from '@cutover/cql-protocol';
import { parseTypeText } from '@cutover/mutation-log';
import type { StagedRow, TableSchema } from '@cutover/table-migrator';

/** Each primary key column by name, its value rendered as CQL writes it (a static row's clustering columns left out). */
export function shownKey(table: TableSchema, keyValues: StagedRow['key']): Record<string, string> {
  const keyColumns = table.columns.filter((c) => c.kind === 'partition_key' || c.kind === 'clustering');
  const key: Record<string, string> = {};
  keyColumns.forEach((column, i) => {
    const bytes = keyValues[i] ?? null;
    if (bytes === null) return;
    const type = parseTypeText(column.type);
    key[column.name] = type === undefined ? `0x${bytes.toString('hex')}` : renderValue(bytes, type, 4);
  });
  return key;
}

/** `id=7, at='2026-01-01'`. */
export function keyText(key: Record<string, string>): string {
  return Object.entries(key)
    .map(([column, value]) => `${column}=${value}`)
    .join(', ');
}
