import { CutoverError } from '@cutover/errors';
import type { DocObject, DocValue } from './document.js';
import { JsonNumber } from './json-number.js';
import type { BadDocument } from './shred.js';

/** What the MongoDB driver hands over for a BSON value: a JavaScript value, or one of the bson package's classes (told apart by `_bsontype`). */
type BsonValue = unknown;

/** BSON binary subtype 4: a UUID, 16 bytes in order. */
const UUID_SUBTYPE = 4;

/**
 * A MongoDB document in the Data API's extended JSON, every value kept exactly: an ObjectId is
 * `{$objectId}`, a date `{$date: ms}`, a UUID binary (subtype 4) `{$uuid}`, any other binary
 * `{$binary: base64}`, Int32, Int64 and Decimal128 their exact digits, a double its shortest
 * decimal text. A value with no mapping (a Timestamp, a regular expression, MinKey, MaxKey,
 * JavaScript code, a DBRef, a symbol, undefined, a NaN or an infinity) makes it a bad document,
 * with the value's path. Read documents with `promoteValues: false` so that an Int64 reaches
 * this as a Long, not as a JavaScript number that may have lost digits.
 */
export function fromBson(document: Readonly<Record<string, BsonValue>>): { readonly document: DocObject } | BadDocument {
  try {
    return { document: object(document, '') };
  } catch (error) {
    if (error instanceof NoMapping) return { bad: error.message };
    throw error;
  }
}

class NoMapping extends CutoverError<'NO_DATA_API_MAPPING'> {
  constructor(message: string) {
    super('NO_DATA_API_MAPPING', message);
  }
}

function object(value: Readonly<Record<string, BsonValue>>, path: string): DocObject {
  const result: Record<string, DocValue> = {};
  for (const [name, inner] of Object.entries(value)) result[name] = convert(inner, path === '' ? name : `${path}.${name}`);
  return result;
}

function convert(value: BsonValue, path: string): DocValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return double(value, path);
  if (typeof value === 'bigint') return JsonNumber.integer(value);
  if (value === undefined) throw new NoMapping(`${path} is undefined, which has no Data API mapping`);
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new NoMapping(`${path} is an invalid date`);
    return { $date: JsonNumber.integer(BigInt(ms)) };
  }
  if (Array.isArray(value)) return value.map((element: BsonValue, i) => convert(element, `${path}.${i}`));
  if (value instanceof RegExp) throw new NoMapping(`${path} is a regular expression, which has no Data API mapping`);
  if (typeof value !== 'object') throw new NoMapping(`${path} is a ${typeof value}, which has no Data API mapping`);
  const bson = (value as { _bsontype?: string })._bsontype;
  if (bson === undefined) return object(value as Record<string, BsonValue>, path);
  const typed = value as { value?: number; toString(encoding?: string): string; toHexString?(): string; sub_type?: number; buffer?: Uint8Array; position?: number };
  switch (bson) {
    case 'ObjectId':
      return { $objectId: typed.toHexString!() };
    case 'Int32':
      return JsonNumber.integer(BigInt(typed.value!));
    case 'Long':
      return JsonNumber.integer(BigInt(typed.toString()));
    case 'Double':
      return double(typed.value!, path);
    case 'Decimal128': {
      const text = typed.toString();
      const number = JsonNumber.parse(text);
      if (number === undefined) throw new NoMapping(`${path} is the Decimal128 ${text}, which JSON cannot hold`);
      return number;
    }
    case 'Binary': {
      const bytes = Buffer.from(typed.buffer!.subarray(0, typed.position));
      if (typed.sub_type === UUID_SUBTYPE && bytes.length === 16) return { $uuid: uuidText(bytes) };
      return { $binary: bytes.toString('base64') };
    }
    default:
      // Timestamp, BSONRegExp, MinKey, MaxKey, Code, DBRef, BSONSymbol.
      throw new NoMapping(`${path} is a BSON ${bson}, which has no Data API mapping`);
  }
}

/** A double as its shortest decimal text: an integral one is an integer (`30`, as JSON.stringify writes it). */
function double(value: number, path: string): JsonNumber {
  if (!Number.isFinite(value)) throw new NoMapping(`${path} is ${value}, which JSON cannot hold`);
  return JsonNumber.parse(JSON.stringify(value))!;
}

function uuidText(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
