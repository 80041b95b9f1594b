import { ProtocolError } from './errors.js';
import { UNSET, type Inet } from './reader.js';

const INITIAL_CAPACITY = 256;

function unencodable(message: string): ProtocolError {
  return new ProtocolError('MALFORMED_BODY', message);
}

/**
 * Writes the notations of spec section 3 into one growing buffer, so a message is assembled with
 * a single allocation in the common case and `toBuffer()` hands out a slice, not a copy.
 * `headroom` bytes are kept free at the front for a frame header, letting whole frames be built
 * without copying the body once more.
 */
export class BodyWriter {
  private buffer: Buffer;
  private end: number;
  private readonly headroom: number;

  constructor(headroom = 0) {
    this.headroom = headroom;
    this.end = headroom;
    this.buffer = Buffer.allocUnsafe(Math.max(INITIAL_CAPACITY, headroom));
  }

  /** Body bytes written so far (not counting the headroom). */
  get length(): number {
    return this.end - this.headroom;
  }

  /** The body written so far, as a slice. */
  toBuffer(): Buffer {
    return this.buffer.subarray(this.headroom, this.end);
  }

  /** The headroom followed by the body; the caller fills the headroom in. */
  toBufferWithHeadroom(): Buffer {
    return this.buffer.subarray(0, this.end);
  }

  private reserve(n: number): number {
    const at = this.end;
    if (at + n > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, at + n));
      this.buffer.copy(grown, 0, 0, at);
      this.buffer = grown;
    }
    this.end = at + n;
    return at;
  }

  private check(value: number, min: number, max: number, what: string): void {
    if (!(value >= min && value <= max) || !Number.isInteger(value)) {
      throw unencodable(`${value} does not fit ${what}`);
    }
  }

  writeByte(value: number): void {
    this.check(value, 0, 0xff, 'a [byte]');
    const at = this.reserve(1); // before touching this.buffer: reserve may replace it

    this.buffer.writeUInt8(value, at);
  }

  writeShort(value: number): void {
    this.check(value, 0, 0xffff, 'a [short]');
    const at = this.reserve(2); // before touching this.buffer: reserve may replace it

    this.buffer.writeUInt16BE(value, at);
  }

  writeInt(value: number): void {
    this.check(value, -0x80000000, 0x7fffffff, 'an [int]');
    const at = this.reserve(4); // before touching this.buffer: reserve may replace it

    this.buffer.writeInt32BE(value, at);
  }

  writeLong(value: bigint): void {
    if (BigInt.asIntN(64, value) !== value) throw unencodable(`${value} does not fit a [long]`);
    const at = this.reserve(8); // before touching this.buffer: reserve may replace it

    this.buffer.writeBigInt64BE(value, at);
  }

  writeConsistency(value: number): void {
    this.check(value, 0, 0xffff, 'a [consistency]');
    const at = this.reserve(2); // before touching this.buffer: reserve may replace it

    this.buffer.writeUInt16BE(value, at);
  }

  /** Appends raw bytes, with no length prefix. */
  writeRaw(bytes: Buffer): void {
    const at = this.reserve(bytes.length); // before touching this.buffer: reserve may replace it
    bytes.copy(this.buffer, at);
  }

  writeString(value: string): void {
    this.text(value, 2, 0xffff, 'a [string]');
  }

  writeLongString(value: string): void {
    this.text(value, 4, 0x7fffffff, 'a [long string]');
  }

  /** Encodes in one pass: room for the worst case (3 UTF-8 bytes per UTF-16 unit), then the real length. */
  private text(value: string, prefix: 2 | 4, max: number, what: string): void {
    const at = this.reserve(prefix + value.length * 3);
    const n = this.buffer.write(value, at + prefix, 'utf8');
    if (n > max) {
      this.end = at;
      throw unencodable(`${n} bytes of text do not fit ${what}`);
    }
    if (prefix === 2) this.buffer.writeUInt16BE(n, at);
    else this.buffer.writeInt32BE(n, at);
    this.end = at + prefix + n;
  }

  writeBytes(value: Buffer | null): void {
    if (value === null) {
      this.writeInt(-1);
      return;
    }
    this.writeInt(value.length);
    this.writeRaw(value);
  }

  writeValue(value: Buffer | null | typeof UNSET): void {
    if (value === UNSET) this.writeInt(-2);
    else this.writeBytes(value);
  }

  writeShortBytes(value: Buffer): void {
    this.writeShort(value.length);
    this.writeRaw(value);
  }

  writeUuid(value: Buffer): void {
    if (value.length !== 16) throw unencodable(`a [uuid] has 16 bytes, not ${value.length}`);
    this.writeRaw(value);
  }

  writeStringList(values: readonly string[]): void {
    this.writeShort(values.length);
    for (const value of values) this.writeString(value);
  }

  writeStringMap(map: Readonly<Record<string, string>>): void {
    const keys = Object.keys(map);
    this.writeShort(keys.length);
    for (const key of keys) {
      this.writeString(key);
      this.writeString(map[key] ?? '');
    }
  }

  writeStringMultimap(map: Readonly<Record<string, readonly string[]>>): void {
    const keys = Object.keys(map);
    this.writeShort(keys.length);
    for (const key of keys) {
      this.writeString(key);
      this.writeStringList(map[key] ?? []);
    }
  }

  writeBytesMap(map: ReadonlyMap<string, Buffer | null>): void {
    this.writeShort(map.size);
    for (const [key, value] of map) {
      this.writeString(key);
      this.writeBytes(value);
    }
  }

  writeInet(inet: Inet): void {
    this.writeInetAddr(inet.ip);
    this.writeInt(inet.port);
  }

  /** [inetaddr]: an address without a port. */
  writeInetAddr(ip: string): void {
    const address = parseIp(ip);
    this.writeByte(address.length);
    this.writeRaw(address);
  }
}

function parseIp(text: string): Buffer {
  const address = text.includes(':') ? parseIpv6(text) : parseIpv4(text, Buffer.alloc(4), 0);
  if (address === undefined) throw unencodable(`not an IP address: "${text}"`);
  return address;
}

function parseIpv4(text: string, into: Buffer, at: number): Buffer | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  for (let i = 0; i < 4; i++) {
    const value = parseDigits(parts[i] ?? '', 10, 3);
    if (value === undefined || value > 255) return undefined;
    into.writeUInt8(value, at + i);
  }
  return into;
}

/** Groups around at most one `::`; the last group may be a dotted IPv4 address. */
function parseIpv6(text: string): Buffer | undefined {
  const gap = text.indexOf('::');
  if (gap >= 0 && text.indexOf('::', gap + 1) >= 0) return undefined;
  const head = gap < 0 ? text : text.slice(0, gap);
  const tail = gap < 0 ? '' : text.slice(gap + 2);
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const address = Buffer.alloc(16);
  const headBytes = writeGroups(headGroups, address, 0, gap < 0);
  if (headBytes === undefined) return undefined;
  const tailLength = groupsLength(tailGroups);
  if (gap < 0 ? headBytes !== 16 : headBytes + tailLength > 14) return undefined;
  return writeGroups(tailGroups, address, 16 - tailLength, true) === undefined ? undefined : address;
}

function groupsLength(groups: readonly string[]): number {
  const last = groups[groups.length - 1];
  return groups.length * 2 + (last?.includes('.') ? 2 : 0);
}

function writeGroups(groups: readonly string[], into: Buffer, at: number, mayEndInIpv4: boolean): number | undefined {
  let offset = at;
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i] ?? '';
    if (offset > 14) return undefined;
    if (mayEndInIpv4 && i === groups.length - 1 && group.includes('.')) {
      if (offset > 12 || parseIpv4(group, into, offset) === undefined) return undefined;
      offset += 4;
      continue;
    }
    const value = parseDigits(group, 16, 4);
    if (value === undefined) return undefined;
    into.writeUInt16BE(value, offset);
    offset += 2;
  }
  return offset - at;
}

function parseDigits(text: string, radix: 10 | 16, maxDigits: number): number | undefined {
  if (text.length === 0 || text.length > maxDigits) return undefined;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = digitValue(text.charCodeAt(i));
    if (digit >= radix) return undefined;
    value = value * radix + digit;
  }
  return value;
}

function digitValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return 99;
}
