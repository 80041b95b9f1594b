import { ProtocolError } from './errors.js';
import type { BodyReader } from './reader.js';
import { TypeCode, type CqlType, type PrimitiveTypeName } from './types.js';
import type { BodyWriter } from './writer.js';

export interface ColumnSpec {
  readonly keyspace: string;
  readonly table: string;
  readonly name: string;
  readonly type: CqlType;
}

/** <metadata> of a Rows result (spec section 4.2.5.2). */
export interface RowsMetadata {
  readonly columnCount: number;
  readonly pagingState?: Buffer;
  /**
   * v5 (Metadata_changed): the result metadata changed since the client's EXECUTE named it; the
   * new columns follow, and the client sends this id from then on.
   */
  readonly newMetadataId?: Buffer;
  /** Absent when the server was asked to skip metadata (No_metadata). */
  readonly columns?: readonly ColumnSpec[];
}

/** <metadata> of a Prepared result: the bind markers (spec section 4.2.5.4). */
export interface PreparedMetadata {
  /** Bind marker index of each partition key column; always empty in v3, which lacks the field. */
  readonly pkIndexes: readonly number[];
  readonly columns: readonly ColumnSpec[];
}

const MetadataFlag = {
  GLOBAL_TABLES_SPEC: 0x0001,
  HAS_MORE_PAGES: 0x0002,
  NO_METADATA: 0x0004,
  METADATA_CHANGED: 0x0008,
} as const;

/** Real schemas nest a few levels; the limit keeps a hostile body from exhausting the stack. */
const MAX_TYPE_DEPTH = 64;

const PRIMITIVE_BY_CODE: readonly (PrimitiveTypeName | undefined)[] = (() => {
  const names: (PrimitiveTypeName | undefined)[] = [];
  for (const [name, code] of Object.entries(TypeCode)) {
    if (code > TypeCode.custom && code < TypeCode.list) names[code] = name as PrimitiveTypeName;
  }
  return names;
})();

/** Primitive types are immutable, so one instance per name serves every column. */
const PRIMITIVES: readonly (CqlType | undefined)[] = PRIMITIVE_BY_CODE.map((name) =>
  name === undefined ? undefined : { kind: 'primitive', name },
);

/** Reads an [option] describing a type, recursively for collections, UDTs and tuples. */
export function readTypeOption(reader: BodyReader, depth = 0): CqlType {
  if (depth > MAX_TYPE_DEPTH) {
    throw new ProtocolError('MALFORMED_BODY', `type nested deeper than ${MAX_TYPE_DEPTH} levels at offset ${reader.position}`);
  }
  const start = reader.position;
  const code = reader.readShort();
  switch (code) {
    case TypeCode.custom:
      return { kind: 'custom', className: reader.readString() };
    case TypeCode.list:
    case TypeCode.set:
      return { kind: code === TypeCode.list ? 'list' : 'set', element: readTypeOption(reader, depth + 1) };
    case TypeCode.map: {
      const key = readTypeOption(reader, depth + 1);
      return { kind: 'map', key, value: readTypeOption(reader, depth + 1) };
    }
    case TypeCode.udt: {
      const keyspace = reader.readString();
      const name = reader.readString();
      const count = reader.readShort();
      const fields: { readonly name: string; readonly type: CqlType }[] = [];
      for (let i = 0; i < count; i++) {
        const fieldName = reader.readString();
        fields.push({ name: fieldName, type: readTypeOption(reader, depth + 1) });
      }
      return { kind: 'udt', keyspace, name, fields };
    }
    case TypeCode.tuple: {
      const count = reader.readShort();
      const elements: CqlType[] = [];
      for (let i = 0; i < count; i++) elements.push(readTypeOption(reader, depth + 1));
      return { kind: 'tuple', elements };
    }
  }
  const primitive = PRIMITIVES[code];
  if (primitive === undefined) {
    throw new ProtocolError('MALFORMED_BODY', `unknown type option 0x${code.toString(16).padStart(4, '0')} at offset ${start}`);
  }
  return primitive;
}

export function writeTypeOption(writer: BodyWriter, type: CqlType): void {
  switch (type.kind) {
    case 'primitive':
      writer.writeShort(TypeCode[type.name]);
      return;
    case 'custom':
      writer.writeShort(TypeCode.custom);
      writer.writeString(type.className);
      return;
    case 'list':
    case 'set':
      writer.writeShort(TypeCode[type.kind]);
      writeTypeOption(writer, type.element);
      return;
    case 'map':
      writer.writeShort(TypeCode.map);
      writeTypeOption(writer, type.key);
      writeTypeOption(writer, type.value);
      return;
    case 'udt':
      writer.writeShort(TypeCode.udt);
      writer.writeString(type.keyspace);
      writer.writeString(type.name);
      writer.writeShort(type.fields.length);
      for (const field of type.fields) {
        writer.writeString(field.name);
        writeTypeOption(writer, field.type);
      }
      return;
    case 'tuple':
      writer.writeShort(TypeCode.tuple);
      writer.writeShort(type.elements.length);
      for (const element of type.elements) writeTypeOption(writer, element);
      return;
  }
}

/** Metadata_changed is a v5 flag: from earlier versions it is not read, as the spec leaves it undefined there. */
export function readRowsMetadata(reader: BodyReader, version = 5): RowsMetadata {
  const flags = reader.readInt();
  const columnCount = readCount(reader, 'column count');
  const metadata: { -readonly [K in keyof RowsMetadata]: RowsMetadata[K] } = { columnCount };
  if ((flags & MetadataFlag.HAS_MORE_PAGES) !== 0) {
    const pagingState = reader.readBytes();
    if (pagingState !== null) metadata.pagingState = pagingState;
  }
  if (version >= 5 && (flags & MetadataFlag.METADATA_CHANGED) !== 0) metadata.newMetadataId = reader.readShortBytes();
  if ((flags & MetadataFlag.NO_METADATA) === 0) metadata.columns = readColumns(reader, flags, columnCount);
  return metadata;
}

/** `version`, when given, refuses what that version cannot carry (a new metadata id before v5). */
export function writeRowsMetadata(writer: BodyWriter, metadata: RowsMetadata, version?: number): void {
  const { columnCount, pagingState, newMetadataId, columns } = metadata;
  if (columns !== undefined && columns.length !== columnCount) {
    throw new ProtocolError('MALFORMED_BODY', `rows metadata declares ${columnCount} columns but describes ${columns.length}`);
  }
  if (newMetadataId !== undefined) {
    if (version !== undefined && version < 5) {
      throw new ProtocolError('UNSUPPORTED_VERSION', `a new result metadata id needs protocol v5, not v${version}`, { version });
    }
    // The flag announces the new columns: No_metadata must be clear (spec 4.2.5.2).
    if (columns === undefined) throw new ProtocolError('MALFORMED_BODY', 'rows metadata with a new metadata id must describe its columns');
  }
  const global = columns !== undefined && sharedTable(columns);
  let flags = 0;
  if (global) flags |= MetadataFlag.GLOBAL_TABLES_SPEC;
  if (pagingState !== undefined) flags |= MetadataFlag.HAS_MORE_PAGES;
  if (columns === undefined) flags |= MetadataFlag.NO_METADATA;
  if (newMetadataId !== undefined) flags |= MetadataFlag.METADATA_CHANGED;
  writer.writeInt(flags);
  writer.writeInt(columnCount);
  if (pagingState !== undefined) writer.writeBytes(pagingState);
  if (newMetadataId !== undefined) writer.writeShortBytes(newMetadataId);
  if (columns !== undefined) writeColumns(writer, columns, global);
}

/** v4 adds the partition key indexes; v3 lays the bind markers out exactly like rows metadata. */
export function readPreparedMetadata(reader: BodyReader, version: number): PreparedMetadata {
  if (version < 4) {
    const rows = readRowsMetadata(reader, version);
    return { pkIndexes: [], columns: rows.columns ?? [] };
  }
  const flags = reader.readInt();
  const columnCount = readCount(reader, 'bind marker count');
  const pkCount = readCount(reader, 'partition key count');
  const pkIndexes: number[] = [];
  for (let i = 0; i < pkCount; i++) pkIndexes.push(reader.readShort());
  return { pkIndexes, columns: readColumns(reader, flags, columnCount) };
}

export function writePreparedMetadata(writer: BodyWriter, metadata: PreparedMetadata, version: number): void {
  const { columns } = metadata;
  const global = sharedTable(columns);
  writer.writeInt(global ? MetadataFlag.GLOBAL_TABLES_SPEC : 0);
  writer.writeInt(columns.length);
  if (version >= 4) {
    writer.writeInt(metadata.pkIndexes.length);
    for (const index of metadata.pkIndexes) writer.writeShort(index);
  }
  writeColumns(writer, columns, global);
}

function readCount(reader: BodyReader, what: string): number {
  const start = reader.position;
  const count = reader.readInt();
  if (count < 0) throw new ProtocolError('MALFORMED_BODY', `negative ${what} ${count} at offset ${start}`);
  return count;
}

function readColumns(reader: BodyReader, flags: number, count: number): ColumnSpec[] {
  const global = (flags & MetadataFlag.GLOBAL_TABLES_SPEC) !== 0;
  const globalKeyspace = global ? reader.readString() : '';
  const globalTable = global ? reader.readString() : '';
  const columns: ColumnSpec[] = [];
  for (let i = 0; i < count; i++) {
    const keyspace = global ? globalKeyspace : reader.readString();
    const table = global ? globalTable : reader.readString();
    const name = reader.readString();
    columns.push({ keyspace, table, name, type: readTypeOption(reader) });
  }
  return columns;
}

function writeColumns(writer: BodyWriter, columns: readonly ColumnSpec[], global: boolean): void {
  const first = columns[0];
  if (global && first !== undefined) {
    writer.writeString(first.keyspace);
    writer.writeString(first.table);
  }
  for (const column of columns) {
    if (!global) {
      writer.writeString(column.keyspace);
      writer.writeString(column.table);
    }
    writer.writeString(column.name);
    writeTypeOption(writer, column.type);
  }
}

/** Whether one global table spec can stand for every column; never for zero columns, which have no table. */
function sharedTable(columns: readonly ColumnSpec[]): boolean {
  const first = columns[0];
  if (first === undefined) return false;
  for (const column of columns) {
    if (column.keyspace !== first.keyspace || column.table !== first.table) return false;
  }
  return true;
}
