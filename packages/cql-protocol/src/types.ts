/**
 * CQL data types as the native protocol describes them in metadata ([option] in the spec,
 * section 4.2.5.2). Shared by the message codec (which parses them out of RESULT metadata)
 * and the value decoder (which decodes cells with them).
 */
export const TypeCode = {
  custom: 0x0000,
  ascii: 0x0001,
  bigint: 0x0002,
  blob: 0x0003,
  boolean: 0x0004,
  counter: 0x0005,
  decimal: 0x0006,
  double: 0x0007,
  float: 0x0008,
  int: 0x0009,
  timestamp: 0x000b,
  uuid: 0x000c,
  varchar: 0x000d,
  varint: 0x000e,
  timeuuid: 0x000f,
  inet: 0x0010,
  date: 0x0011,
  time: 0x0012,
  smallint: 0x0013,
  tinyint: 0x0014,
  duration: 0x0015,
  list: 0x0020,
  map: 0x0021,
  set: 0x0022,
  udt: 0x0030,
  tuple: 0x0031,
} as const;

export type PrimitiveTypeName = Exclude<keyof typeof TypeCode, 'custom' | 'list' | 'map' | 'set' | 'udt' | 'tuple'>;

export type CqlType =
  | { readonly kind: 'primitive'; readonly name: PrimitiveTypeName }
  | { readonly kind: 'custom'; readonly className: string }
  | { readonly kind: 'list' | 'set'; readonly element: CqlType }
  | { readonly kind: 'map'; readonly key: CqlType; readonly value: CqlType }
  | { readonly kind: 'udt'; readonly keyspace: string; readonly name: string; readonly fields: readonly { readonly name: string; readonly type: CqlType }[] }
  | { readonly kind: 'tuple'; readonly elements: readonly CqlType[] };

/** The type as CQL spells it: `map<text, frozen<list<int>>>`; used in logs and events. */
export function typeToString(type: CqlType): string {
  switch (type.kind) {
    case 'primitive':
      return type.name === 'varchar' ? 'text' : type.name;
    case 'custom':
      return `'${type.className}'`;
    case 'list':
    case 'set':
      return `${type.kind}<${typeToString(type.element)}>`;
    case 'map':
      return `map<${typeToString(type.key)}, ${typeToString(type.value)}>`;
    case 'udt':
      return `${type.keyspace}.${type.name}`;
    case 'tuple':
      return `tuple<${type.elements.map(typeToString).join(', ')}>`;
  }
}
