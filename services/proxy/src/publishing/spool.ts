import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LogRecord } from '@cutover/event-log';

export type FsyncPolicy = 'always' | 'never';

/** A record waiting for the log, with the topic it is for. */
export interface SpooledRecord {
  readonly topic: string;
  readonly record: LogRecord;
}

/**
 * A durable, append-only local spool of records the event log could not take. Each entry is
 * [short topic length][topic][int key length, -1 for none][key][int value length][value]; a
 * torn last entry (a crash mid write) is ignored when read back.
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
  append(entries: readonly SpooledRecord[]): void {
    if (entries.length === 0) return;
    const parts: Buffer[] = [];
    for (const { topic, record } of entries) {
      const name = Buffer.from(topic);
      parts.push(short(name.length), name, int(record.key === null ? -1 : record.key.length), record.key ?? Buffer.alloc(0), int(record.value.length), record.value);
    }
    writeSync(this.fd, Buffer.concat(parts));
    if (this.fsync === 'always') fsyncSync(this.fd);
    this.count += entries.length;
  }

  /** Every complete entry, oldest first. */
  readAll(): SpooledRecord[] {
    const bytes = readFileSync(this.path);
    const entries: SpooledRecord[] = [];
    let at = 0;
    while (at + 2 <= bytes.length) {
      const topicEnd = at + 2 + bytes.readUInt16BE(at);
      if (topicEnd + 4 > bytes.length) break;
      const keyLength = bytes.readInt32BE(topicEnd);
      const keyEnd = topicEnd + 4 + Math.max(keyLength, 0);
      if (keyEnd + 4 > bytes.length) break;
      const valueEnd = keyEnd + 4 + bytes.readInt32BE(keyEnd);
      if (valueEnd > bytes.length) break;
      const record = { key: keyLength < 0 ? null : bytes.subarray(topicEnd + 4, keyEnd), value: bytes.subarray(keyEnd + 4, valueEnd) };
      entries.push({ topic: bytes.toString('utf8', at + 2, topicEnd), record });
      at = valueEnd;
    }
    return entries;
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

function short(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function int(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
