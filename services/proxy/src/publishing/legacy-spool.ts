import { readFile } from 'node:fs/promises';

/** A record of the spool file proxies before the journal kept (PROXY_SPOOL_DIR/PROXY_ID.spool). */
export interface LegacySpoolRecord {
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Buffer;
}

/**
 * Reads the records of a spool file an older proxy left. Each is [u16 topic length][topic]
 * [i32 key length, -1 for none][key][i32 value length][value]; a torn last record (a crash mid
 * write) is left out. A missing file has none.
 */
export async function legacySpoolEntries(path: string): Promise<LegacySpoolRecord[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const records: LegacySpoolRecord[] = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    const topicEnd = at + 2 + bytes.readUInt16BE(at);
    if (topicEnd + 4 > bytes.length) break;
    const keyLength = bytes.readInt32BE(topicEnd);
    const keyEnd = topicEnd + 4 + Math.max(keyLength, 0);
    if (keyEnd + 4 > bytes.length) break;
    const valueLength = bytes.readInt32BE(keyEnd);
    const valueEnd = keyEnd + 4 + valueLength;
    if (valueLength < 0 || valueEnd > bytes.length) break;
    records.push({ topic: bytes.toString('utf8', at + 2, topicEnd), key: keyLength < 0 ? null : bytes.subarray(topicEnd + 4, keyEnd), value: bytes.subarray(keyEnd + 4, valueEnd) });
    at = valueEnd;
  }
  return records;
}
