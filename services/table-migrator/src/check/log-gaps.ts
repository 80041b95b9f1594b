import type { CopyPlan } from '../copy/copy-plan.js';
import { elementsOf } from '../copy/collection-bytes.js';
import { rowKey, type StagedCell, type StagedRow } from '../copy/staged-row.js';

/** A cell origin has from a write in the window that replaying the log did not give. */
export interface LogGap {
  /** The row's primary key's native bytes. */
  readonly keyValues: StagedRow['key'];
  readonly column: string;
  /** µs: the writetime of origin's cell (of its element, for a set's or map's). */
  readonly writetime: bigint;
}

/**
 * What origin has from writes in the window (writetimes `from` to `to`, µs, both included)
 * that the same partitions replayed from the log lack: each such cell of origin's must be in
 * the replay with its value and writetime (a set's or map's elements each with its own). A cell
 * origin has from before or after the window says nothing of the log; nor does one the replay
 * has and origin not (deleted since).
 */
export function logGaps(plan: CopyPlan, origin: readonly StagedRow[], replayed: readonly StagedRow[], window: { readonly from: bigint; readonly to: bigint }): LogGap[] {
  const inWindow = (writetime: Buffer): boolean => {
    const w = writetime.readBigInt64BE();
    return w >= window.from && w <= window.to;
  };
  const byKey = new Map(replayed.map((row) => [rowKey(row), row]));
  const gaps: LogGap[] = [];
  for (const row of origin) {
    const there = byKey.get(rowKey(row));
    plan.columns.forEach((column, i) => {
      const cell = row.cells[i] ?? null;
      if (cell === null) return;
      const theirs = there?.cells[i] ?? null;
      const missing = (writetime: Buffer): void => void gaps.push({ keyValues: row.key, column: column.name, writetime: writetime.readBigInt64BE() });
      if (cell.elements !== null) {
        // Each element of the window must be there, with its writetime.
        const map = column.type.startsWith('map<');
        const replayedElements = theirs === null ? new Map<string, Buffer>() : elementTimes(theirs, map);
        elementsOf(cell.value, map).forEach((element, e) => {
          const writetime = cell.elements![e]!.writetime;
          if (inWindow(writetime) && !replayedElements.get(element.toString('hex'))?.equals(writetime)) missing(writetime);
        });
        return;
      }
      if (!inWindow(cell.writetime)) return;
      // A list's or user type's value also holds what was written before the window: its latest writetime tells.
      if (theirs === null || !theirs.writetime.equals(cell.writetime) || (!column.multiCell && !cell.value.equals(theirs.value))) missing(cell.writetime);
    });
  }
  return gaps;
}

/** A set's or map's elements (their bytes, hex) and each one's writetime. */
function elementTimes(cell: StagedCell, map: boolean): Map<string, Buffer> {
  const elements = elementsOf(cell.value, map);
  return new Map(elements.map((element, e) => [element.toString('hex'), (cell.elements?.[e] ?? cell).writetime]));
}
