import cassandra from 'cassandra-driver';
import { TypeCode, typeToString, type CqlType, type PrimitiveTypeName } from './types.js';
import { cqlString, quoteIdentifier } from './names.js';

/**
 * CQL values, as the native protocol carries them, to and from JavaScript, through
 * cassandra-driver's own Encoder, and rendered as CQL-like text for logs and events.
 *
 * JavaScript shapes (the driver's, with these options): bigint, counter and varint are native
 * `bigint`; map is a `Map` (so non-text keys keep their type); set is a `Set`; list an array;
 * udt a plain object; tuple, uuid, timeuuid, inet, decimal, date, time and duration the driver's
 * `types` classes; timestamp a `Date`; blob a `Buffer`. Encoding also takes what the driver
 * accepts besides (strings for uuid, inet, numbers, dates; arrays for sets).
 */

/** The `{code, info}` column type the driver's Encoder works with. */
export interface DriverType {
  readonly code: number;
  readonly info?: unknown;
}

interface DriverEncoder {
  encode(value: unknown, type: DriverType): unknown;
  decode(bytes: Buffer, type: DriverType): unknown;
}

type EncoderConstructor = new (protocolVersion: number, options: { readonly encoding: object }) => DriverEncoder;

// The driver exports its Encoder at run time but leaves it out of its type declarations.
const Encoder = (cassandra as unknown as { readonly Encoder: EncoderConstructor }).Encoder;
const { BigDecimal, Duration, Integer, LocalDate, LocalTime, InetAddress, Tuple, Uuid } = cassandra.types;

const ENCODING = { map: Map, set: Set, useBigIntAsLong: true, useBigIntAsVarint: true, copyBuffer: true };
const encoders = new Map<number, DriverEncoder>();
const driverTypes = new WeakMap<CqlType, DriverType>();

function encoderFor(protocolVersion: number): DriverEncoder {
  let encoder = encoders.get(protocolVersion);
  if (encoder === undefined) {
    encoder = new Encoder(protocolVersion, { encoding: ENCODING });
    encoders.set(protocolVersion, encoder);
  }
  return encoder;
}

export function toDriverType(type: CqlType): DriverType {
  let driverType = driverTypes.get(type);
  if (driverType === undefined) {
    driverType = convert(type);
    driverTypes.set(type, driverType);
  }
  return driverType;
}

function convert(type: CqlType): DriverType {
  switch (type.kind) {
    case 'primitive':
      return { code: TypeCode[type.name] };
    case 'custom':
      return { code: TypeCode.custom, info: type.className };
    case 'list':
    case 'set':
      return { code: TypeCode[type.kind], info: toDriverType(type.element) };
    case 'map':
      return { code: TypeCode.map, info: [toDriverType(type.key), toDriverType(type.value)] };
    case 'udt':
      return {
        code: TypeCode.udt,
        info: { name: type.name, keyspace: type.keyspace, fields: type.fields.map((f) => ({ name: f.name, type: toDriverType(f.type) })) },
      };
    case 'tuple':
      return { code: TypeCode.tuple, info: type.elements.map(toDriverType) };
  }
}

/**
 * The value `bytes` hold. Zero bytes are an empty value, which the driver reads as null except
 * for text, blobs and custom types. Throws a RangeError when the bytes do not have the layout of
 * the type (a truncated buffer, for one), which the driver alone would not always notice.
 */
export function decodeValue(bytes: Buffer | null, type: CqlType, protocolVersion: number): unknown {
  if (bytes === null) return null;
  if (bytes.length > 0) checkLayout(bytes, type, protocolVersion);
  return encoderFor(protocolVersion).decode(bytes, toDriverType(type));
}

/** The bytes for `value`; null for null or undefined, and (as the driver does) for an empty list or set. */
export function encodeValue(value: unknown, type: CqlType, protocolVersion: number): Buffer | null {
  const bytes = encoderFor(protocolVersion).encode(value, toDriverType(type));
  if (bytes !== null && !Buffer.isBuffer(bytes)) throw new TypeError(`${typeToString(type)}: only values can be encoded, not unset`);
  return bytes;
}

/**
 * The value as CQL would write it, for logs and events: `'it''s'`, `0xcafe`, `[1, 2]`,
 * `{'a': 1}`, `{street: 'x'}`, `(1, 'a')`, `1mo2d3h`, timestamps in ISO-8601 UTC. An empty value
 * of a type that cannot be empty in CQL is `<empty>`; bytes that do not decode are
 * `<N bytes unreadable as TYPE>`. Never throws.
 */
export function renderValue(bytes: Buffer | null, type: CqlType, protocolVersion: number): string {
  if (bytes === null) return 'null';
  try {
    const value = decodeValue(bytes, type, protocolVersion);
    if (value === null && bytes.length === 0) return '<empty>';
    return render(value, type);
  } catch {
    return `<${bytes.length} bytes unreadable as ${typeToString(type)}>`;
  }
}

// ── layout ──────────────────────────────────────────────────────────────────────────────────

const FIXED_SIZES: Partial<Record<PrimitiveTypeName, number>> = {
  bigint: 8,
  boolean: 1,
  counter: 8,
  double: 8,
  float: 4,
  int: 4,
  timestamp: 8,
  uuid: 16,
  timeuuid: 16,
  date: 4,
  time: 8,
  smallint: 2,
  tinyint: 1,
};

const DURATION_CLASS = 'org.apache.cassandra.db.marshal.DurationType';

/** Walks the lengths inside `bytes` and throws a RangeError where they do not add up. */
function checkLayout(bytes: Buffer, type: CqlType, protocolVersion: number): void {
  switch (type.kind) {
    case 'primitive': {
      const size = FIXED_SIZES[type.name];
      if (size !== undefined && bytes.length !== size) throw mismatch(bytes, type, `expected ${size} bytes`);
      if (type.name === 'inet' && bytes.length !== 4 && bytes.length !== 16) throw mismatch(bytes, type, 'expected 4 or 16 bytes');
      if (type.name === 'decimal' && bytes.length < 5) throw mismatch(bytes, type, 'expected a 4-byte scale and an unscaled value');
      if (type.name === 'duration') checkDuration(bytes, type);
      return;
    }
    case 'custom':
      if (type.className === DURATION_CLASS) checkDuration(bytes, type);
      return;
    case 'list':
    case 'set':
    case 'map': {
      // Protocol v1 and v2 wrote collection lengths in 2 bytes, v3 and later in 4.
      const wide = protocolVersion >= 3;
      const width = wide ? 4 : 2;
      const items: readonly CqlType[] = type.kind === 'map' ? [type.key, type.value] : [type.element];
      const readLength = (at: number): number => {
        if (at + width > bytes.length) throw mismatch(bytes, type, 'cut off');
        return wide ? bytes.readInt32BE(at) : bytes.readUInt16BE(at);
      };
      const count = readLength(0);
      let offset = width;
      for (let i = 0; i < count * items.length; i++) {
        const length = readLength(offset);
        offset += width;
        if (length < 0) continue; // null
        if (offset + length > bytes.length) throw mismatch(bytes, type, 'cut off');
        if (length > 0) checkLayout(bytes.subarray(offset, offset + length), items[i % items.length]!, protocolVersion);
        offset += length;
      }
      if (offset !== bytes.length) throw mismatch(bytes, type, `${bytes.length - offset} bytes left over`);
      return;
    }
    case 'udt':
    case 'tuple': {
      const items = type.kind === 'udt' ? type.fields.map((f) => f.type) : type.elements;
      let offset = 0;
      // A UDT value may stop early: fields added to the type later read as null.
      for (const item of items) {
        if (offset === bytes.length) return;
        if (offset + 4 > bytes.length) throw mismatch(bytes, type, 'cut off');
        const length = bytes.readInt32BE(offset);
        offset += 4;
        if (length < 0) continue; // null
        if (offset + length > bytes.length) throw mismatch(bytes, type, 'cut off');
        if (length > 0) checkLayout(bytes.subarray(offset, offset + length), item, protocolVersion);
        offset += length;
      }
      if (offset !== bytes.length) throw mismatch(bytes, type, `${bytes.length - offset} bytes left over`);
      return;
    }
  }
}

/** A duration is three variable-length integers: months, days, nanoseconds. */
function checkDuration(bytes: Buffer, type: CqlType): void {
  let offset = 0;
  for (let i = 0; i < 3; i++) {
    const first = bytes[offset];
    if (first === undefined) throw mismatch(bytes, type, 'cut off');
    // The count of leading one bits of the first byte is the count of bytes that follow it.
    offset += 1 + Math.clz32(~(first << 24));
  }
  if (offset !== bytes.length) throw mismatch(bytes, type, offset > bytes.length ? 'cut off' : `${bytes.length - offset} bytes left over`);
}

function mismatch(bytes: Buffer, type: CqlType, why: string): RangeError {
  return new RangeError(`${bytes.length} bytes are not a ${typeToString(type)}: ${why}`);
}

// ── rendering ───────────────────────────────────────────────────────────────────────────────

type DurationFields = { readonly months: number; readonly days: number; readonly nanoseconds: { toString(): string } };

function render(value: unknown, type: CqlType): string {
  if (value === null || value === undefined) return 'null';
  switch (type.kind) {
    case 'primitive':
      return renderPrimitive(value, type.name);
    case 'custom':
      if (value instanceof Duration) return renderDuration(value as unknown as DurationFields);
      // Other classes the driver knows (geometry, date ranges) print themselves as CQL writes them in a string.
      return Buffer.isBuffer(value) ? `0x${value.toString('hex')}` : cqlString((value as { toString(): string }).toString());
    case 'list':
      return `[${elements(value).map((v) => render(v, type.element)).join(', ')}]`;
    case 'set':
      return `{${elements(value).map((v) => render(v, type.element)).join(', ')}}`;
    case 'map': {
      const entries = value instanceof Map ? [...(value as Map<unknown, unknown>)] : Object.entries(value);
      return `{${entries.map(([k, v]) => `${render(k, type.key)}: ${render(v, type.value)}`).join(', ')}}`;
    }
    case 'udt': {
      const fields = value as Readonly<Record<string, unknown>>;
      return `{${type.fields.map((f) => `${quoteIdentifier(f.name)}: ${render(fields[f.name], f.type)}`).join(', ')}}`;
    }
    case 'tuple': {
      const tuple = value instanceof Tuple ? value : undefined;
      return `(${type.elements.map((t, i) => render(tuple?.get(i), t)).join(', ')})`;
    }
  }
}

function renderPrimitive(value: unknown, name: PrimitiveTypeName): string {
  switch (name) {
    case 'ascii':
    case 'varchar':
      return cqlString(String(value));
    case 'blob':
      return Buffer.isBuffer(value) ? `0x${value.toString('hex')}` : String(value);
    case 'timestamp':
      // toISOString throws for dates beyond what Date holds; the value is then unreadable.
      return value instanceof Date ? value.toISOString() : String(value);
    case 'time':
      return value instanceof LocalTime ? renderTime(value) : String(value);
    case 'float':
      return typeof value === 'number' ? renderFloat(value) : String(value);
    case 'decimal':
      return value instanceof BigDecimal ? renderDecimal(value) : String(value);
    case 'duration':
      return value instanceof Duration ? renderDuration(value as unknown as DurationFields) : String(value);
    case 'uuid':
    case 'timeuuid':
      return value instanceof Uuid ? value.toString() : String(value);
    case 'inet':
      return value instanceof InetAddress ? value.toString() : String(value);
    case 'date':
      return value instanceof LocalDate ? value.toString() : String(value);
    default:
      // bigint, counter, varint (bigint), int, smallint, tinyint, double, boolean: JavaScript
      // writes them as CQL does, NaN and Infinity included.
      return String(value as string | number | bigint | boolean);
  }
}

function elements(value: unknown): readonly unknown[] {
  if (Array.isArray(value)) return value as unknown[];
  if (value instanceof Set) return [...(value as Set<unknown>)];
  throw new TypeError('not a collection');
}

/** The shortest decimal that reads back as the same 32-bit float: 0.1, not 0.10000000149011612. */
function renderFloat(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  for (let digits = 1; digits < 9; digits++) {
    const shorter = Number(x.toPrecision(digits));
    if (Math.fround(shorter) === x) return String(shorter);
  }
  return String(x);
}

/** The driver's own toString has no notation for a negative scale (1E+3). */
function renderDecimal(value: InstanceType<typeof BigDecimal>): string {
  const bytes = BigDecimal.toBuffer(value);
  const scale = bytes.readInt32BE(0);
  return scale >= 0 ? value.toString() : `${Integer.fromBuffer(bytes.subarray(4)).toString()}E+${-scale}`;
}

/** CQL's time literal: always nine fraction digits, as cqlsh shows it. */
function renderTime(time: InstanceType<typeof LocalTime>): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(time.hour)}:${two(time.minute)}:${two(time.second)}.${String(time.nanosecond).padStart(9, '0')}`;
}

const NANOSECOND_UNITS: readonly (readonly [string, bigint])[] = [
  ['h', 3_600_000_000_000n],
  ['m', 60_000_000_000n],
  ['s', 1_000_000_000n],
  ['ms', 1_000_000n],
  ['us', 1_000n],
  ['ns', 1n],
];

/**
 * As Cassandra writes durations (1y2mo3d4h5m6s7ms8us9ns, one sign in front), with `0s` for zero.
 * The driver's toString rounds years (18 months comes out as 2y6mo).
 */
function renderDuration(duration: DurationFields): string {
  const nanoseconds = BigInt(duration.nanoseconds.toString());
  let text = duration.months < 0 || duration.days < 0 || nanoseconds < 0n ? '-' : '';
  const months = Math.abs(duration.months);
  if (months >= 12) text += `${Math.floor(months / 12)}y`;
  if (months % 12 !== 0) text += `${months % 12}mo`;
  if (duration.days !== 0) text += `${Math.abs(duration.days)}d`;
  let rest = nanoseconds < 0n ? -nanoseconds : nanoseconds;
  for (const [unit, size] of NANOSECOND_UNITS) {
    if (rest < size) continue;
    text += `${rest / size}${unit}`;
    rest %= size;
  }
  return text === '' ? '0s' : text;
}
