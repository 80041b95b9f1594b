import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LogRecord } from '@cutover/event-log';

export type FsyncPolicy = 'always' | 'never';

/**
 * A durable, append-only local spool of records the event log could not take. Each record is
 * [int key length, -1 for none][key][int value length][value]; a torn last record (a crash mid
 * write) is ignored when read back.
 */
export class Spool {
  private readonly fd: number;
  private count: number;

  constructor(
    private readonly path: string,
    private readonly fsync: FsyncPolicy = 'always',
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a+');
    this.count = existsSync(path) ? this.readAll().length : 0;
  }

  /** Appends records; with fsync 'always', they are on disk when this returns. */
  append(records: readonly LogRecord[]): void {
    if (records.length === 0) return;
    const parts: Buffer[] = [];
    for (const { key, value } of records) {
      parts.push(int(key === null ? -1 : key.length), key ?? Buffer.alloc(0), int(value.length), value);
    }
    writeSync(this.fd, Buffer.concat(parts));
    if (this.fsync === 'always') fsyncSync(this.fd);
    this.count += records.length;
  }

  /** Every complete record, oldest first. */
  readAll(): LogRecord[] {
    const bytes = readFileSync(this.path);
    const records: LogRecord[] = [];
    let at = 0;
    while (at + 4 <= bytes.length) {
      const keyLength = bytes.readInt32BE(at);
      const keyEnd = at + 4 + Math.max(keyLength, 0);
      if (keyEnd + 4 > bytes.length) break;
      const valueLength = bytes.readInt32BE(keyEnd);
      if (keyEnd + 4 + valueLength > bytes.length) break;
      records.push({ key: keyLength < 0 ? null : bytes.subarray(at + 4, keyEnd), value: bytes.subarray(keyEnd + 4, keyEnd + 4 + valueLength) });
      at = keyEnd + 4 + valueLength;
    }
    return records;
  }

  /** Empties the spool once its records are safely in the log. */
  clear(): void {
    truncateSync(this.path, 0);
    if (this.fsync === 'always') fsyncSync(this.fd);
    this.count = 0;
  }

  get size(): number {
    return this.count;
  }

  close(): void {
    closeSync(this.fd);
  }
}

function int(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
