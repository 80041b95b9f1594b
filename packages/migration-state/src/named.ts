/**
 * Tables and collections are kept in records keyed by their names, and those names come from
 * outside: commands, the migrators' facts. A name is only a name: `constructor`, `__proto__` or
 * `toString` must find nothing unless the migration has a table of that name, and must never
 * find (or change) what every object inherits. So lookups read a record's own entries only,
 * and records are made without a prototype; their JSON is that of any other object.
 */
export type Named<T> = Readonly<Record<string, T>>;

/** The entry named `name`, if the record has one of its own. */
export function named<T>(record: Named<T>, name: string): T | undefined {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

/** A record of these entries, in their order, with no prototype. */
export function namedRecord<T>(entries: Iterable<readonly [string, T]>): Named<T> {
  const record = Object.create(null) as Record<string, T>;
  for (const [name, value] of entries) record[name] = value;
  return record;
}

/** The record with `name` set to `value` (added last when it is new); the one given is left as it is. */
export function withNamed<T>(record: Named<T>, name: string, value: T): Named<T> {
  const copy = Object.assign(Object.create(null) as Record<string, T>, record);
  copy[name] = value;
  return copy;
}

/** How a migration names what it copies: `keyspace.table`, `database.collection`; two names, one dot between, no white space. */
export const QUALIFIED_NAME = /^[^.\s]+\.[^.\s]+$/;

/**
 * A qualified name's two names: keyspace and table, or database and collection, split at its
 * first dot. Throws a TypeError when either would be empty.
 */
export function splitQualifiedName(qualified: string): readonly [string, string] {
  const dot = qualified.indexOf('.');
  if (dot <= 0 || dot === qualified.length - 1) throw new TypeError(`"${qualified}" is not keyspace.table (or database.collection)`);
  return [qualified.slice(0, dot), qualified.slice(dot + 1)];
}
