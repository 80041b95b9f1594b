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
  if (kind === RECORD) {
    const topicEnd = 3 + bytes.readUInt16BE(1);
    const keyLength = bytes.readInt32BE(topicEnd);
    const keyEnd = topicEnd + 4 + Math.max(keyLength, 0);
    const valueEnd = keyEnd + 4 + bytes.readUInt32BE(keyEnd);
    if (valueEnd > bytes.length) throw new RangeError(`journal entry of ${bytes.length} bytes ends early`);
    return { kind: 'record', topic: bytes.toString('utf8', 3, topicEnd), key: keyLength < 0 ? null : bytes.subarray(topicEnd + 4, keyEnd), value: bytes.subarray(keyEnd + 4, valueEnd) };
  }
  if (kind !== MUTATION && kind !== MUTATION_TO_HEAL) throw new RangeError(`journal entry of unknown kind ${kind}`);
  const keyEnd = 3 + bytes.readUInt16BE(1);
  const itemEnd = keyEnd + 4 + bytes.readUInt32BE(keyEnd);
  const count = bytes.readUInt16BE(itemEnd);
  const descriptors: Buffer[] = [];
  let at = itemEnd + 2;
  for (let i = 0; i < count; i++) {
    const end = at + 4 + bytes.readUInt32BE(at);
    descriptors.push(bytes.subarray(at + 4, end));
    at = end;
  }
  if (at > bytes.length) throw new RangeError(`journal entry of ${bytes.length} bytes ends early`);
  return { kind: 'mutation', key: bytes.subarray(3, keyEnd), heal: kind === MUTATION_TO_HEAL, item: bytes.subarray(keyEnd + 4, itemEnd), descriptors };
}
