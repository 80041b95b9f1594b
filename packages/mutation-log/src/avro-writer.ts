/**
 * Writes Avro's binary encoding into a buffer sized by the caller: the proxy encodes every
 * mutation on its request path, and avsc's generic writer (with 64-bit longs as bigint, which a
 * write timestamp needs) costs several times more than writing the few fields directly.
 */
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

export class AvroWriter {
  private pos = 0;

  constructor(readonly buffer: Buffer) {}

  get length(): number {
    return this.pos;
  }

  boolean(value: boolean): void {
    this.buffer[this.pos++] = value ? 1 : 0;
  }

  /** An int or a long given as a safe integer: zigzag, then 7 bits a byte. */
  long(value: number): void {
    const buffer = this.buffer;
    if ((value | 0) === value && value >= -0x40000000 && value < 0x40000000) {
      let n = ((value << 1) ^ (value >> 31)) >>> 0;
      while (n > 0x7f) {
        buffer[this.pos++] = (n & 0x7f) | 0x80;
        n >>>= 7;
      }
      buffer[this.pos++] = n;
      return;
    }
    if (!Number.isSafeInteger(value)) throw new RangeError(`${value} is not a whole number Avro can write as a long`);
    // Beyond 31 bits, a double: `& 0x7f` takes the low bits of its integer part, so dividing
    // without rounding down is enough (as avsc does).
    let n = value >= 0 ? value * 2 : -value * 2 - 1;
    while (n >= 0x80) {
      buffer[this.pos++] = (n & 0x7f) | 0x80;
      n /= 0x80;
    }
    buffer[this.pos++] = n;
  }

  /** A long over its full signed 64-bit range. */
  bigLong(value: bigint): void {
    if (value >= MIN_SAFE && value <= MAX_SAFE) {
      this.long(Number(value));
      return;
    }
    let n = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
    while (n > 0x7fn) {
      this.buffer[this.pos++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    this.buffer[this.pos++] = Number(n);
  }

  string(value: string): void {
    const buffer = this.buffer;
    const length = value.length;
    // Short ASCII strings (ids, addresses, drivers) are most of them: copied a char at a time,
    // which beats the call into the UTF-8 encoder.
    if (length < 0x40) {
      const start = this.pos;
      let at = start + 1;
      let i = 0;
      for (; i < length; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buffer[at++] = c;
      }
      if (i === length) {
        buffer[start] = length << 1;
        this.pos = at;
        return;
      }
    }
    this.long(Buffer.byteLength(value, 'utf8'));
    this.pos += buffer.write(value, this.pos, 'utf8');
  }

  bytes(value: Buffer): void {
    this.long(value.length);
    this.raw(value);
  }

  raw(value: Buffer): void {
    value.copy(this.buffer, this.pos);
    this.pos += value.length;
  }

  /** The branch of a `[null, T]` union; true when the value must follow. */
  present<T>(value: T | null | undefined): value is T {
    const present = value !== null && value !== undefined;
    this.buffer[this.pos++] = present ? 2 : 0;
    return present;
  }
}

/** The most bytes `string` takes: its length prefix and at most 3 UTF-8 bytes per UTF-16 unit. */
export function stringBound(value: string | null | undefined): number {
  return value === null || value === undefined ? 1 : 10 + 3 * value.length;
}
