/**
 * What one journal entry holds, as bytes the journal keeps without knowing them:
 * - a mutation: its Kafka key, its encoded `Mutation` item (schemas/mutation-event.v3.avsc),
 *   the statement descriptors the item refers to (so an entry read back after a restart can be
 *   published on its own), and whether the healer needs it too;
 * - a record spooled by an older proxy (before v3), published to its topic as it is.
 */
export type JournalRecord =
  | { readonly kind: 'mutation'; readonly key: Buffer; readonly heal: boolean; readonly item: Buffer; readonly descriptors: readonly Buffer[] }
  | { readonly kind: 'record'; readonly topic: string; readonly key: Buffer | null; readonly value: Buffer };

const MUTATION = 1;
const MUTATION_TO_HEAL = 2;
const RECORD = 3;

export function encodeEntry(entry: JournalRecord): Buffer {
  if (entry.kind === 'record') {
    const topic = Buffer.from(entry.topic);
    const out = Buffer.allocUnsafe(1 + 2 + topic.length + 4 + (entry.key?.length ?? 0) + 4 + entry.value.length);
    let at = out.writeUInt8(RECORD, 0);
    at = out.writeUInt16BE(topic.length, at);
    at += topic.copy(out, at);
    at = out.writeInt32BE(entry.key === null ? -1 : entry.key.length, at);
    if (entry.key !== null) at += entry.key.copy(out, at);
    at = out.writeUInt32BE(entry.value.length, at);
    entry.value.copy(out, at);
    return out;
  }
  let size = 1 + 2 + entry.key.length + 4 + entry.item.length + 2;
  for (const d of entry.descriptors) size += 4 + d.length;
  const out = Buffer.allocUnsafe(size);
  let at = out.writeUInt8(entry.heal ? MUTATION_TO_HEAL : MUTATION, 0);
  at = out.writeUInt16BE(entry.key.length, at);
  at += entry.key.copy(out, at);
  at = out.writeUInt32BE(entry.item.length, at);
  at += entry.item.copy(out, at);
  at = out.writeUInt16BE(entry.descriptors.length, at);
  for (const d of entry.descriptors) {
    at = out.writeUInt32BE(d.length, at);
    at += d.copy(out, at);
  }
  return out;
}

/** The entry's parts, as views of `bytes` (no copies). Throws on bytes that are not an entry. */
export function decodeEntry(bytes: Buffer): JournalRecord {
  const kind = bytes.readUInt8(0);
  let at = 1;
  const take = (length: number): Buffer => {
    if (at + length > bytes.length) throw new RangeError(`journal entry of ${bytes.length} bytes ends early`);
    const part = bytes.subarray(at, at + length);
    at += length;
    return part;
  };
  if (kind === RECORD) {
    const topic = take(bytes.readUInt16BE(at) + 2).subarray(2).toString();
    const keyLength = bytes.readInt32BE(at);
    at += 4;
    const key = keyLength < 0 ? null : take(keyLength);
    const value = take(bytes.readUInt32BE(at) + 4).subarray(4);
    return { kind: 'record', topic, key, value };
  }
  if (kind !== MUTATION && kind !== MUTATION_TO_HEAL) throw new RangeError(`journal entry of unknown kind ${kind}`);
  const key = take(bytes.readUInt16BE(at) + 2).subarray(2);
  const item = take(bytes.readUInt32BE(at) + 4).subarray(4);
  const count = bytes.readUInt16BE(at);
  at += 2;
  const descriptors: Buffer[] = [];
  for (let i = 0; i < count; i++) descriptors.push(take(bytes.readUInt32BE(at) + 4).subarray(4));
  return { kind: 'mutation', key, heal: kind === MUTATION_TO_HEAL, item, descriptors };
}
