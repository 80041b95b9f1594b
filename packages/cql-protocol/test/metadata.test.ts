import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError } from '../src/errors.ts';
import {
  readPreparedMetadata,
  readRowsMetadata,
  readTypeOption,
  writePreparedMetadata,
  writeRowsMetadata,
  writeTypeOption,
  type ColumnSpec,
  type PreparedMetadata,
  type RowsMetadata,
} from '../src/metadata.ts';
import { BodyReader } from '../src/reader.ts';
import { TypeCode, typeToString, type CqlType, type PrimitiveTypeName } from '../src/types.ts';
import { BodyWriter } from '../src/writer.ts';
import { hex } from './helpers.ts';

function bytes(write: (writer: BodyWriter) => void): Buffer {
  const writer = new BodyWriter();
  write(writer);
  return writer.toBuffer();
}

/** Reads all of `body`, failing if anything is left over. */
function readAll<T>(body: Buffer, read: (reader: BodyReader) => T): T {
  const reader = new BodyReader(body);
  const value = read(reader);
  assert.equal(reader.remaining(), 0, 'bytes left over');
  return value;
}

function assertEveryPrefixMalformed(body: Buffer, read: (reader: BodyReader) => unknown): void {
  for (let n = 0; n < body.length; n++) {
    assert.throws(
      () => read(new BodyReader(body.subarray(0, n))),
      (error: unknown) => error instanceof ProtocolError && error.code === 'MALFORMED_BODY',
      `prefix of ${n} bytes`,
    );
  }
}

const PRIMITIVE_NAMES = Object.keys(TypeCode).filter(
  (name) => !['custom', 'list', 'map', 'set', 'udt', 'tuple'].includes(name),
) as PrimitiveTypeName[];

const int: CqlType = { kind: 'primitive', name: 'int' };
const text: CqlType = { kind: 'primitive', name: 'varchar' };

const COMPOSITE_TYPES: readonly CqlType[] = [
  { kind: 'custom', className: 'org.apache.cassandra.db.marshal.DurationType' },
  { kind: 'list', element: int },
  { kind: 'set', element: text },
  { kind: 'map', key: text, value: { kind: 'list', element: int } },
  {
    kind: 'udt',
    keyspace: 'ks',
    name: 'address',
    fields: [
      { name: 'street', type: text },
      { name: 'zips', type: { kind: 'set', element: int } },
    ],
  },
  { kind: 'udt', keyspace: 'ks', name: 'empty', fields: [] },
  { kind: 'tuple', elements: [int, text, { kind: 'tuple', elements: [] }] },
  { kind: 'map', key: { kind: 'tuple', elements: [int, int] }, value: { kind: 'udt', keyspace: 'k', name: 'u', fields: [{ name: 'f', type: int }] } },
];

function column(name: string, type: CqlType, table = 'users', keyspace = 'app'): ColumnSpec {
  return { keyspace, table, name, type };
}

describe('type options', () => {
  it('round-trips every primitive type with its spec id', () => {
    assert.equal(PRIMITIVE_NAMES.length, 20);
    for (const name of PRIMITIVE_NAMES) {
      const type: CqlType = { kind: 'primitive', name };
      const encoded = bytes((w) => writeTypeOption(w, type));
      assert.equal(encoded.readUInt16BE(0), TypeCode[name]);
      assert.equal(encoded.length, 2);
      assert.deepEqual(readAll(encoded, (r) => readTypeOption(r)), type);
    }
  });

  it('round-trips custom, list, set, map, udt and tuple types, nested', () => {
    for (const type of COMPOSITE_TYPES) {
      const encoded = bytes((w) => writeTypeOption(w, type));
      assert.deepEqual(readAll(encoded, (r) => readTypeOption(r)), type, typeToString(type));
    }
  });

  it('reads the spec layouts byte for byte', () => {
    // map<varchar, list<int>>
    assert.deepEqual(readAll(hex('0021 000d 0020 0009'), (r) => readTypeOption(r)), COMPOSITE_TYPES[3]);
    // custom: [string] class name
    assert.deepEqual(readAll(hex('0000 0003 612e42'), (r) => readTypeOption(r)), { kind: 'custom', className: 'a.B' });
    // UDT: <ks><udt_name><n><name_1><type_1>
    assert.deepEqual(readAll(hex('0030 0001 6b 0001 75 0001 0001 66 0009'), (r) => readTypeOption(r)), {
      kind: 'udt',
      keyspace: 'k',
      name: 'u',
      fields: [{ name: 'f', type: int }],
    });
    // tuple<int, varchar>
    assert.deepEqual(readAll(hex('0031 0002 0009 000d'), (r) => readTypeOption(r)), { kind: 'tuple', elements: [int, text] });
  });

  it('refuses unknown ids, truncation and absurd nesting', () => {
    assert.throws(() => readTypeOption(new BodyReader(hex('000a'))), /unknown type option 0x000a at offset 0/);
    for (const type of COMPOSITE_TYPES) assertEveryPrefixMalformed(bytes((w) => writeTypeOption(w, type)), (r) => readTypeOption(r));
    const deep = Buffer.concat([...Array.from({ length: 1000 }, () => hex('0020')), hex('0009')]);
    assert.throws(() => readTypeOption(new BodyReader(deep)), /nested deeper/);
  });
});

describe('rows metadata', () => {
  const columns = [column('id', { kind: 'primitive', name: 'uuid' }), column('tags', { kind: 'set', element: text })];

  it('uses one global table spec when all columns share keyspace and table', () => {
    const metadata: RowsMetadata = { columnCount: 2, columns };
    const encoded = bytes((w) => writeRowsMetadata(w, metadata));
    const expected = hex(
      '00000001 00000002' + // flags Global_tables_spec, 2 columns
        '0003 617070 0005 7573657273' + // app.users
        '0002 6964 000c' + // id uuid
        '0004 74616773 0022 000d', // tags set<varchar>
    );
    assert.deepEqual(encoded, expected);
    assert.deepEqual(readAll(encoded, readRowsMetadata), metadata);
  });

  it('writes a table spec per column when tables differ', () => {
    const mixed = [column('a', int, 't1'), column('b', int, 't2')];
    const encoded = bytes((w) => writeRowsMetadata(w, { columnCount: 2, columns: mixed }));
    assert.equal(encoded.readInt32BE(0), 0);
    assert.deepEqual(encoded.subarray(8, 13), hex('0003 617070'));
    assert.deepEqual(readAll(encoded, readRowsMetadata), { columnCount: 2, columns: mixed });
  });

  it('carries a paging state and can leave the columns out', () => {
    const metadata: RowsMetadata = { columnCount: 3, pagingState: hex('cafe') };
    const encoded = bytes((w) => writeRowsMetadata(w, metadata));
    assert.deepEqual(encoded, hex('00000006 00000003 00000002 cafe'));
    assert.deepEqual(readAll(encoded, readRowsMetadata), metadata);
    const paged: RowsMetadata = { columnCount: 2, pagingState: hex('01'), columns };
    assert.deepEqual(readAll(bytes((w) => writeRowsMetadata(w, paged)), readRowsMetadata), paged);
  });

  it('carries a v5 new metadata id after the paging state, with the new columns', () => {
    const metadata: RowsMetadata = { columnCount: 2, pagingState: hex('01'), newMetadataId: hex('beef'), columns };
    const encoded = bytes((w) => writeRowsMetadata(w, metadata, 5));
    assert.deepEqual(encoded.subarray(0, 17), hex('0000000b 00000002 00000001 01 0002 beef'));
    assert.deepEqual(readAll(encoded, (r) => readRowsMetadata(r, 5)), metadata);
    assertEveryPrefixMalformed(encoded, (r) => readRowsMetadata(r, 5));
    // Before v5 the flag means nothing: the id is not looked for, so its bytes are misread as the table spec.
    assert.throws(() => readRowsMetadata(new BodyReader(encoded), 4), /body ends inside a \[string\]/);
  });

  it('refuses a new metadata id before v5 or without the columns it announces', () => {
    const metadata: RowsMetadata = { columnCount: 2, newMetadataId: hex('beef'), columns };
    assert.throws(() => bytes((w) => writeRowsMetadata(w, metadata, 4)), (e: unknown) => e instanceof ProtocolError && e.code === 'UNSUPPORTED_VERSION');
    assert.throws(() => bytes((w) => writeRowsMetadata(w, { columnCount: 2, newMetadataId: hex('beef') }, 5)), /must describe its columns/);
  });

  it('has no global spec for zero columns', () => {
    const encoded = bytes((w) => writeRowsMetadata(w, { columnCount: 0, columns: [] }));
    assert.deepEqual(encoded, hex('00000000 00000000'));
  });

  it('refuses truncation, negative counts and mismatched column lists', () => {
    assertEveryPrefixMalformed(
      bytes((w) => writeRowsMetadata(w, { columnCount: 2, pagingState: hex('01'), columns })),
      readRowsMetadata,
    );
    assert.throws(() => readRowsMetadata(new BodyReader(hex('00000000 ffffffff'))), /negative column count/);
    assert.throws(() => writeRowsMetadata(new BodyWriter(), { columnCount: 3, columns }), ProtocolError);
  });
});

describe('prepared metadata', () => {
  const metadata: PreparedMetadata = {
    pkIndexes: [1, 0],
    columns: [column('a', int), column('b', text)],
  };

  it('writes the partition key indexes in v4', () => {
    const encoded = bytes((w) => writePreparedMetadata(w, metadata, 4));
    const expected = hex(
      '00000001 00000002' + // flags Global_tables_spec, 2 bind markers
        '00000002 0001 0000' + // pk_count 2, indexes 1 and 0
        '0003 617070 0005 7573657273' +
        '0001 61 0009' +
        '0001 62 000d',
    );
    assert.deepEqual(encoded, expected);
    assert.deepEqual(readAll(encoded, (r) => readPreparedMetadata(r, 4)), metadata);
  });

  it('has no partition key indexes in v3, where it is laid out like rows metadata', () => {
    const encoded = bytes((w) => writePreparedMetadata(w, metadata, 3));
    const expected = hex('00000001 00000002' + '0003 617070 0005 7573657273' + '0001 61 0009' + '0001 62 000d');
    assert.deepEqual(encoded, expected);
    assert.deepEqual(readAll(encoded, (r) => readPreparedMetadata(r, 3)), { ...metadata, pkIndexes: [] });
  });

  it('refuses truncation in both versions', () => {
    for (const version of [3, 4]) {
      assertEveryPrefixMalformed(
        bytes((w) => writePreparedMetadata(w, metadata, version)),
        (r) => readPreparedMetadata(r, version),
      );
    }
  });
});

describe('BodyWriter growth', () => {
  it('keeps every value written across the buffer growing, of every width', () => {
    const writer = new BodyWriter();
    for (let i = 0; i < 300; i++) {
      writer.writeByte(i & 0xff);
      writer.writeShort(i);
      writer.writeInt(-i - 1);
      writer.writeLong(BigInt(i) * 1_000_000_007n);
      writer.writeBytes(Buffer.from([i & 0xff, 1, 2]));
      writer.writeString(`s${i}`);
    }
    const reader = new BodyReader(writer.toBuffer());
    for (let i = 0; i < 300; i++) {
      assert.equal(reader.readByte(), i & 0xff);
      assert.equal(reader.readShort(), i);
      assert.equal(reader.readInt(), -i - 1);
      assert.equal(reader.readLong(), BigInt(i) * 1_000_000_007n);
      assert.deepEqual(reader.readBytes(), Buffer.from([i & 0xff, 1, 2]));
      assert.equal(reader.readString(), `s${i}`);
    }
    assert.equal(reader.remaining(), 0);
  });
});
