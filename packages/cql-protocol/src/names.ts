/**
 * How Cutover writes names and strings into CQL statements: one rule each, used by every
 * package that builds a statement (the proxy, the migrators, the stack, the log's type texts).
 */

/**
 * A CQL identifier, always double-quoted (a double quote inside doubled), as CQL requires for
 * a name to read back exactly as itself: mixed case, reserved words, spaces and all.
 */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `keyspace.name` (a table, a type) with both names quoted. */
export function quoteQualified(keyspace: string, name: string): string {
  return `${quoteIdentifier(keyspace)}.${quoteIdentifier(name)}`;
}

/** A CQL string literal: single-quoted, a single quote inside doubled. */
export function cqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
