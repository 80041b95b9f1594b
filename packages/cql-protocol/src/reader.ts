import { ProtocolError } from './errors.js';

/** The [value] "not set" marker (length -2, v4+): the bound variable keeps its current value. */
export const UNSET: unique symbol = Symbol('unset');

/** An [inet]: a node address as text (dotted IPv4 or RFC 5952 IPv6) and a port. */
export interface Inet {
  readonly ip: string;
  readonly port: number;
}

function truncated(what: string, start: number): ProtocolError {
  return new ProtocolError('MALFORMED_BODY', `body ends inside ${what} at offset ${start}`);
}

/**
 * Reads the notations of spec section 3 from a message body. Every read is bounds-checked, so a
 * short or lying body ends in a MALFORMED_BODY ProtocolError rather than in garbage or a RangeError.
 * Byte strings come back as slices of the body: they stay valid as long as the body does.
 */
export class BodyReader {
  private offset: number;

  constructor(
    private readonly buffer: Buffer,
    offset = 0,
  ) {
    this.offset = offset;
  }

  get position(): number {
    return this.offset;
  }

  /** Goes back to an earlier position, to parse the same bytes another way. */
  seek(offset: number): void {
    this.offset = Math.min(Math.max(offset, 0), this.buffer.length);
  }

  remaining(): number {
    return this.buffer.length - this.offset;
  }

  /** Claims `n` bytes for an item that began at `start`, returning where those bytes are. */
  private take(n: number, what: string, start: number): number {
    const at = this.offset;
    if (n > this.buffer.length - at) throw truncated(what, start);
    this.offset = at + n;
    return at;
  }

  private length(value: number, what: string, start: number): number {
    if (value < 0) throw new ProtocolError('MALFORMED_BODY', `negative length ${value} for ${what} at offset ${start}`);
    return value;
  }

  readByte(): number {
    return this.buffer.readUInt8(this.take(1, 'a [byte]', this.offset));
  }

  readShort(): number {
    return this.buffer.readUInt16BE(this.take(2, 'a [short]', this.offset));
  }

  readInt(): number {
    return this.buffer.readInt32BE(this.take(4, 'an [int]', this.offset));
  }

  readLong(): bigint {
    return this.buffer.readBigInt64BE(this.take(8, 'a [long]', this.offset));
  }

  readConsistency(): number {
    return this.buffer.readUInt16BE(this.take(2, 'a [consistency]', this.offset));
  }

  readString(): string {
    const start = this.offset;
    const n = this.buffer.readUInt16BE(this.take(2, 'a [string]', start));
    return this.text(n, 'a [string]', start);
  }

  readLongString(): string {
    const start = this.offset;
    const n = this.length(this.buffer.readInt32BE(this.take(4, 'a [long string]', start)), 'a [long string]', start);
    return this.text(n, 'a [long string]', start);
  }

  private text(n: number, what: string, start: number): string {
    const at = this.take(n, what, start);
    return this.buffer.toString('utf8', at, at + n);
  }

  /** [bytes]: any negative length is null. */
  readBytes(): Buffer | null {
    const start = this.offset;
    const n = this.buffer.readInt32BE(this.take(4, 'a [bytes]', start));
    if (n < 0) return null;
    const at = this.take(n, 'a [bytes]', start);
    return this.buffer.subarray(at, at + n);
  }

  /** [value] (v4+): -1 is null, -2 is UNSET, anything lower is invalid. */
  readValue(): Buffer | null | typeof UNSET {
    const start = this.offset;
    const n = this.buffer.readInt32BE(this.take(4, 'a [value]', start));
    if (n < 0) {
      if (n === -1) return null;
      if (n === -2) return UNSET;
      throw new ProtocolError('MALFORMED_BODY', `invalid length ${n} for a [value] at offset ${start}`);
    }
    const at = this.take(n, 'a [value]', start);
    return this.buffer.subarray(at, at + n);
  }

  readShortBytes(): Buffer {
    const start = this.offset;
    const n = this.buffer.readUInt16BE(this.take(2, 'a [short bytes]', start));
    const at = this.take(n, 'a [short bytes]', start);
    return this.buffer.subarray(at, at + n);
  }

  readUuid(): Buffer {
    const at = this.take(16, 'a [uuid]', this.offset);
    return this.buffer.subarray(at, at + 16);
  }

  readStringList(): string[] {
    const n = this.buffer.readUInt16BE(this.take(2, 'a [string list]', this.offset));
    const list: string[] = [];
    for (let i = 0; i < n; i++) list.push(this.readString());
    return list;
  }

  readStringMap(): Record<string, string> {
    const n = this.buffer.readUInt16BE(this.take(2, 'a [string map]', this.offset));
    const map: Record<string, string> = {};
    for (let i = 0; i < n; i++) setEntry(map, this.readString(), this.readString());
    return map;
  }

  readStringMultimap(): Record<string, string[]> {
    const n = this.buffer.readUInt16BE(this.take(2, 'a [string multimap]', this.offset));
    const map: Record<string, string[]> = {};
    for (let i = 0; i < n; i++) setEntry(map, this.readString(), this.readStringList());
    return map;
  }

  readBytesMap(): Map<string, Buffer | null> {
    const n = this.buffer.readUInt16BE(this.take(2, 'a [bytes map]', this.offset));
    const map = new Map<string, Buffer | null>();
    for (let i = 0; i < n; i++) map.set(this.readString(), this.readBytes());
    return map;
  }

  readInet(): Inet {
    const start = this.offset;
    const ip = this.address('an [inet]', start);
    const port = this.buffer.readInt32BE(this.take(4, 'an [inet]', start));
    return { ip, port };
  }

  /** [inetaddr] (v5 failure maps): an address without a port. */
  readInetAddr(): string {
    return this.address('an [inetaddr]', this.offset);
  }

  private address(what: string, start: number): string {
    const size = this.buffer.readUInt8(this.take(1, what, start));
    if (size !== 4 && size !== 16) {
      throw new ProtocolError('MALFORMED_BODY', `${what} address of ${size} bytes at offset ${start}; expected 4 or 16`);
    }
    const at = this.take(size, what, start);
    return size === 4 ? formatIpv4(this.buffer, at) : formatIpv6(this.buffer, at);
  }
}

/** Plain assignment would let a peer's `__proto__` key replace the object's prototype. */
function setEntry<T>(map: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
}

function formatIpv4(buffer: Buffer, at: number): string {
  return `${buffer.readUInt8(at)}.${buffer.readUInt8(at + 1)}.${buffer.readUInt8(at + 2)}.${buffer.readUInt8(at + 3)}`;
}

/** RFC 5952 text: lowercase, no leading zeros, the longest run of two or more zero groups as `::`. */
function formatIpv6(buffer: Buffer, at: number): string {
  let bestStart = -1;
  let bestLength = 1;
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    if (buffer.readUInt16BE(at + 2 * i) !== 0) {
      runStart = -1;
      continue;
    }
    if (runStart < 0) runStart = i;
    if (i - runStart + 1 > bestLength) {
      bestStart = runStart;
      bestLength = i - runStart + 1;
    }
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += '::';
      i += bestLength - 1;
      continue;
    }
    if (text.length > 0 && !text.endsWith(':')) text += ':';
    text += buffer.readUInt16BE(at + 2 * i).toString(16);
  }
  return text;
}
