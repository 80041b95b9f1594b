import { tokenize, type Token } from './tokenize.js';

/**
 * What a CQL statement is, read from its text alone (no schema), for routing and for the
 * mutation log. Every pass over the tokens is linear; nothing backtracks.
 */
export type StatementKind = 'read' | 'write' | 'ddl' | 'use' | 'other';
export type MutationKind = 'insert' | 'update' | 'delete' | 'truncate' | 'batch';

/** Why replaying a write could give a different result than applying it once. */
export interface NonIdempotence {
  /** `c = c + 1`, `c = c - 2`, `c += 1`: a counter update with a numeric literal. */
  readonly counter: boolean;
  /**
   * `l = l + [..]`, `l = [..] + l`, `l += [..]`, `l = ? + l` (prepending only exists for lists).
   * Removal (`l = l - [..]`) is not flagged: removing the same elements twice leaves the same list.
   */
  readonly listAppend: boolean;
  /** `IF NOT EXISTS`, `IF EXISTS` or `IF <conditions>` on INSERT/UPDATE/DELETE; never DDL's. */
  readonly lwt: boolean;
  /** A call to a function that reads the coordinator's clock: see CLOCK_FUNCTIONS. */
  readonly now: boolean;
  /** A call to uuid(). */
  readonly uuid: boolean;
  /**
   * `x = x + ?`, `x = x - ?` (or an operand that is neither a number nor a collection literal):
   * a counter update, a list append, or an idempotent set/map change; only the column's type,
   * from PREPARED metadata, can tell. Inside BEGIN COUNTER BATCH it is reported as `counter`.
   */
  readonly ambiguousIncrement: boolean;
}

export interface StatementInfo {
  readonly kind: StatementKind;
  /** The explicit keyspace of the target (table, or USE, or CREATE/ALTER/DROP KEYSPACE). */
  readonly keyspace?: string;
  /** The target table, view or type (for CREATE INDEX and triggers, the table they are on). */
  readonly table?: string;
  readonly mutation?: MutationKind;
  /** The statement carries USING TIMESTAMP, so the proxy must not add its own. */
  readonly usesTimestamp: boolean;
  readonly nonIdempotent: NonIdempotence;
  /** A SELECT on system.local, system.peers or system.peers_v2 (explicitly qualified). */
  readonly systemTable?: 'local' | 'peers' | 'peers_v2';
}

/**
 * The native functions that read the coordinator's clock, and what they return: `now()` and
 * the current_* family (Cassandra 5 spelling; the camel-case names are the 2.2–4.x spelling,
 * still accepted). Each cluster would compute its own value, so both set `now`.
 */
export const CLOCK_FUNCTIONS: Readonly<Record<string, 'timeuuid' | 'timestamp' | 'date' | 'time'>> = {
  now: 'timeuuid',
  currenttimeuuid: 'timeuuid',
  current_timeuuid: 'timeuuid',
  currenttimestamp: 'timestamp',
  current_timestamp: 'timestamp',
  currentdate: 'date',
  current_date: 'date',
  currenttime: 'time',
  current_time: 'time',
};

type Flags = { -readonly [K in keyof NonIdempotence]: boolean };

const NONE: NonIdempotence = Object.freeze({ counter: false, listAppend: false, lwt: false, now: false, uuid: false, ambiguousIncrement: false });
const OTHER: StatementInfo = Object.freeze({ kind: 'other', usesTimestamp: false, nonIdempotent: NONE });
const SYSTEM_TABLES = new Set(['local', 'peers', 'peers_v2']);

export function classify(query: string): StatementInfo {
  const tokens = tokenize(query);
  let end = tokens.length;
  while (end > 0 && isPunct(tokens[end - 1], ';')) end--;
  if (end === 0) return OTHER;
  const first = keyword(tokens[0]);
  if (first === 'begin') return classifyBatch(tokens, end) ?? OTHER;
  // One statement per request: anything after a `;` is another one, which Cassandra refuses.
  for (let i = 0; i < end; i++) if (isPunct(tokens[i], ';')) return OTHER;
  switch (first) {
    case 'select':
      return classifySelect(tokens, end) ?? OTHER;
    case 'insert':
    case 'update':
    case 'delete': {
      const dml = analyzeDml(tokens, 0, end);
      return dml ? write(dml.mutation, dml.target, dml.usesTimestamp, dml.flags) : OTHER;
    }
    case 'truncate': {
      const target = qualifiedName(tokens, isKeyword(tokens[1], 'table') || isKeyword(tokens[1], 'columnfamily') ? 2 : 1);
      return target ? write('truncate', target, false, clockAndUuid(tokens, 0, end)) : OTHER;
    }
    case 'create':
    case 'alter':
    case 'drop':
      return classifyDdl(tokens, end) ?? OTHER;
    case 'grant':
    case 'revoke':
      return end > 1 ? info('ddl', {}) : OTHER;
    case 'list':
      return end > 1 ? info('read', {}) : OTHER;
    // Server-side DESCRIBE (Cassandra 4+) pages with the schema version of the cluster that
    // answered the first page: it reads from the primary like any read.
    case 'describe':
    case 'desc':
      return info('read', {});
    case 'use': {
      const name = tokens[1];
      return end === 2 && isName(name) ? info('use', { keyspace: name.value }) : OTHER;
    }
    default:
      return OTHER;
  }
}

/**
 * Where `names()` (no arguments) is called outside literals and comments, in order, for the
 * proxy to replace with literals. Names match case-insensitively unless quoted, as CQL's do; a
 * call qualified with `system.` is included with its qualifier, one with another keyspace is a
 * user function and is not. `end` is exclusive; `name` is the entry of `names` that matched.
 */
export function findFunctionCalls(query: string, names: readonly string[]): { name: string; start: number; end: number }[] {
  const wanted = new Map(names.map((name) => [name.toLowerCase(), name]));
  const tokens = tokenize(query);
  const calls: { name: string; start: number; end: number }[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const call = noArgumentCallAt(tokens, i);
    if (call === undefined) continue;
    const name = wanted.get(call.name);
    if (name !== undefined) calls.push({ name, start: tokens[i]!.start, end: tokens[call.close]!.end });
    i = call.close;
  }
  return calls;
}

// ── statements ──────────────────────────────────────────────────────────────────────────────

interface Target {
  readonly keyspace?: string;
  readonly table?: string;
}

function info(kind: StatementKind, target: Target, flags: NonIdempotence = NONE): StatementInfo {
  return {
    kind,
    ...(target.keyspace === undefined ? {} : { keyspace: target.keyspace }),
    ...(target.table === undefined ? {} : { table: target.table }),
    usesTimestamp: false,
    nonIdempotent: flags,
  };
}

function write(mutation: MutationKind, target: Target, usesTimestamp: boolean, flags: NonIdempotence): StatementInfo {
  return { ...info('write', target, flags), mutation, usesTimestamp };
}

function classifySelect(tokens: readonly Token[], end: number): StatementInfo | undefined {
  const from = findTopLevel(tokens, 1, end, 'from');
  const target = from < 0 ? undefined : qualifiedName(tokens, from + 1);
  if (target === undefined) return undefined;
  const result = info('read', target, clockAndUuid(tokens, 0, end));
  if (target.keyspace !== 'system' || !SYSTEM_TABLES.has(target.table)) return result;
  return { ...result, systemTable: target.table as 'local' | 'peers' | 'peers_v2' };
}

interface Dml {
  readonly mutation: 'insert' | 'update' | 'delete';
  readonly target: Target;
  readonly usesTimestamp: boolean;
  readonly flags: Flags;
}

/** An INSERT, UPDATE or DELETE occupying tokens[start, end). */
function analyzeDml(tokens: readonly Token[], start: number, end: number): Dml | undefined {
  const verb = keyword(tokens[start]);
  let target: (Target & { next: number }) | undefined;
  let set = -1;
  if (verb === 'insert') {
    target = isKeyword(tokens[start + 1], 'into') ? qualifiedName(tokens, start + 2) : undefined;
  } else if (verb === 'update') {
    target = qualifiedName(tokens, start + 1);
    set = findTopLevel(tokens, start + 1, end, 'set');
    if (set < 0) return undefined;
  } else if (verb === 'delete') {
    const from = findTopLevel(tokens, start + 1, end, 'from');
    target = from < 0 ? undefined : qualifiedName(tokens, from + 1);
  } else {
    return undefined;
  }
  if (target === undefined || target.next > end) return undefined;

  const flags = clockAndUuid(tokens, start, end);
  let usesTimestamp = false;
  // IF and USING are reserved words: unquoted, they can only be the clauses.
  for (let i = target.next; i < end; i++) {
    if (isKeyword(tokens[i], 'if')) flags.lwt = true;
    else if (isKeyword(tokens[i], 'using')) usesTimestamp ||= usingHasTimestamp(tokens, i, end);
  }
  if (set >= 0) checkAssignments(tokens, set + 1, end, flags);
  return { mutation: verb, target: { keyspace: target.keyspace, table: target.table }, usesTimestamp, flags };
}

/** `USING TTL x AND TIMESTAMP y`, read from the USING at tokens[i]: whether TIMESTAMP is among them. */
function usingHasTimestamp(tokens: readonly Token[], i: number, end: number): boolean {
  let j = i + 1;
  while (j < end) {
    const option = keyword(tokens[j]);
    if (option === undefined) return false;
    if (option === 'timestamp') return true;
    j++;
    if (isPunct(tokens[j], '-') || isPunct(tokens[j], '+')) j++;
    j++; // the value: a number or a bind marker
    if (!isKeyword(tokens[j], 'and')) return false;
    j++;
  }
  return false;
}

/** Reads the SET assignments of an UPDATE, from tokens[start] up to WHERE or IF. */
function checkAssignments(tokens: readonly Token[], start: number, end: number, flags: Flags): void {
  let from = start;
  let depth = 0;
  for (let i = start; i <= end; i++) {
    const t = tokens[i];
    const last = i === end || (depth === 0 && (isKeyword(t, 'where') || isKeyword(t, 'if')));
    if (last || (depth === 0 && isPunct(t, ','))) {
      checkAssignment(tokens, from, i, flags);
      if (last) return;
      from = i + 1;
    }
    depth += nesting(t);
  }
}

/** One assignment in tokens[start, end): `c = c + x`, `c = x + c`, `c += x`, `c -= x`, or a plain one. */
function checkAssignment(tokens: readonly Token[], start: number, end: number, flags: Flags): void {
  const column = tokens[start];
  const op = tokens[start + 1];
  if (!isName(column) || op?.kind !== 'punctuation') return;
  if (op.value === '+=' || op.value === '-=') {
    markIncrement(tokens[start + 2], tokens[start + 3], op.value === '+=', flags);
  } else if (op.value === '=') {
    const sign = tokens[start + 3];
    if (sameName(tokens[start + 2], column) && (isPunct(sign, '+') || isPunct(sign, '-'))) {
      markIncrement(tokens[start + 4], tokens[start + 5], sign?.value === '+', flags);
    } else if (end - start >= 5 && sameName(tokens[end - 1], column) && isPunct(tokens[end - 2], '+')) {
      // `l = x + l` prepends, which Cassandra only allows on lists.
      const operand = tokens[start + 2];
      if (operand?.kind === 'bindMarker' || isPunct(operand, '[')) flags.listAppend = true;
    }
  }
}

/** `x` in `c = c ± x` or `c ±= x`, starting with `first` (and `second` after a sign). */
function markIncrement(first: Token | undefined, second: Token | undefined, adding: boolean, flags: Flags): void {
  const signed = isPunct(first, '-') || isPunct(first, '+');
  if ((signed ? second : first)?.kind === 'number') flags.counter = true;
  else if (isPunct(first, '[')) flags.listAppend ||= adding;
  else if (!isPunct(first, '{')) flags.ambiguousIncrement = true; // sets and maps are idempotent either way
}

function classifyBatch(tokens: readonly Token[], end: number): StatementInfo | undefined {
  let i = 1;
  const counterBatch = isKeyword(tokens[i], 'counter');
  if (counterBatch || isKeyword(tokens[i], 'unlogged')) i++;
  if (!isKeyword(tokens[i], 'batch')) return undefined;
  i++;
  const bodyEnd = end - 2;
  if (bodyEnd < i || !isKeyword(tokens[bodyEnd], 'apply') || !isKeyword(tokens[bodyEnd + 1], 'batch')) return undefined;

  let usesTimestamp = false;
  if (isKeyword(tokens[i], 'using')) {
    usesTimestamp = usingHasTimestamp(tokens, i, bodyEnd);
    i++;
    while (i < bodyEnd && !isStatementStart(tokens[i])) i++;
  }
  const flags: Flags = { ...NONE };
  let target: Target = {};
  let first = true;
  // Inner statements: `;` between them is optional, so each also ends where the next begins.
  while (i < bodyEnd) {
    if (isPunct(tokens[i], ';')) {
      i++;
      continue;
    }
    if (!isStatementStart(tokens[i])) return undefined;
    let j = i + 1;
    let depth = 0;
    while (j < bodyEnd && !(depth === 0 && (isPunct(tokens[j], ';') || isStatementStart(tokens[j])))) depth += nesting(tokens[j++]);
    const dml = analyzeDml(tokens, i, j);
    if (dml === undefined) return undefined;
    if (first) target = dml.target;
    first = false;
    usesTimestamp ||= dml.usesTimestamp;
    for (const key of Object.keys(flags) as (keyof Flags)[]) flags[key] ||= dml.flags[key];
    i = j;
  }
  if (counterBatch && flags.ambiguousIncrement) {
    flags.counter = true;
    flags.ambiguousIncrement = false;
  }
  return write('batch', target, usesTimestamp, flags);
}

function isStatementStart(t: Token | undefined): boolean {
  return isKeyword(t, 'insert') || isKeyword(t, 'update') || isKeyword(t, 'delete');
}

function classifyDdl(tokens: readonly Token[], end: number): StatementInfo | undefined {
  const verb = keyword(tokens[0]);
  let i = 1;
  if (verb === 'create' && isKeyword(tokens[1], 'or') && isKeyword(tokens[2], 'replace')) i = 3;
  const object = keyword(tokens[i]);
  i++;
  let target: Target | undefined;
  switch (object) {
    case 'keyspace':
    case 'schema': {
      const name = tokens[skipIfExists(tokens, i)];
      target = isName(name) ? { keyspace: name.value } : undefined;
      break;
    }
    case 'table':
    case 'columnfamily':
    case 'type':
      target = qualifiedName(tokens, skipIfExists(tokens, i));
      break;
    case 'materialized':
      target = isKeyword(tokens[i], 'view') ? qualifiedName(tokens, skipIfExists(tokens, i + 1)) : undefined;
      break;
    case 'custom':
      target = verb === 'create' && isKeyword(tokens[i], 'index') ? onTable(tokens, i + 1, end) : undefined;
      break;
    case 'index':
      if (verb === 'create') {
        target = onTable(tokens, i, end);
      } else {
        const index = qualifiedName(tokens, skipIfExists(tokens, i));
        target = index && { keyspace: index.keyspace };
      }
      break;
    case 'trigger':
      target = onTable(tokens, i, end);
      break;
    case 'function':
    case 'aggregate': {
      const fn = qualifiedName(tokens, skipIfExists(tokens, i));
      target = fn && { keyspace: fn.keyspace };
      break;
    }
    case 'role':
    case 'user':
      target = isName(tokens[skipIfExists(tokens, i)]) ? {} : undefined;
      break;
    default:
      return undefined;
  }
  return target && info('ddl', target, clockAndUuid(tokens, 0, end));
}

/** `[IF NOT EXISTS] [name] ON [ks.]table`, as in CREATE INDEX and CREATE/DROP TRIGGER. */
function onTable(tokens: readonly Token[], i: number, end: number): Target | undefined {
  const on = findTopLevel(tokens, skipIfExists(tokens, i), end, 'on');
  return on < 0 ? undefined : qualifiedName(tokens, on + 1);
}

function skipIfExists(tokens: readonly Token[], i: number): number {
  if (!isKeyword(tokens[i], 'if')) return i;
  if (isKeyword(tokens[i + 1], 'exists')) return i + 2;
  if (isKeyword(tokens[i + 1], 'not') && isKeyword(tokens[i + 2], 'exists')) return i + 3;
  return i;
}

// ── tokens ──────────────────────────────────────────────────────────────────────────────────

function keyword(t: Token | undefined): string | undefined {
  return t?.kind === 'identifier' ? t.value : undefined;
}

function isKeyword(t: Token | undefined, word: string): boolean {
  return t?.kind === 'identifier' && t.value === word;
}

function isPunct(t: Token | undefined, value: string): boolean {
  return t?.kind === 'punctuation' && t.value === value;
}

function isName(t: Token | undefined): t is Token {
  return t?.kind === 'identifier' || t?.kind === 'quotedIdentifier';
}

function sameName(a: Token | undefined, b: Token): boolean {
  return isName(a) && a.value === b.value;
}

/** How much a token opens (+1) or closes (-1) a bracket. */
function nesting(t: Token | undefined): number {
  if (t?.kind !== 'punctuation') return 0;
  if (t.value === '(' || t.value === '[' || t.value === '{') return 1;
  if (t.value === ')' || t.value === ']' || t.value === '}') return -1;
  return 0;
}

/** Index of the keyword `word` outside brackets in tokens[start, end), or -1. */
function findTopLevel(tokens: readonly Token[], start: number, end: number, word: string): number {
  let depth = 0;
  for (let i = start; i < end; i++) {
    if (depth === 0 && isKeyword(tokens[i], word)) return i;
    depth += nesting(tokens[i]);
  }
  return -1;
}

/** `name` or `keyspace.name` at tokens[i]. */
function qualifiedName(tokens: readonly Token[], i: number): { keyspace?: string; table: string; next: number } | undefined {
  const first = tokens[i];
  if (!isName(first)) return undefined;
  const second = tokens[i + 2];
  if (isPunct(tokens[i + 1], '.') && isName(second)) return { keyspace: first.value, table: second.value, next: i + 3 };
  return { table: first.value, next: i + 1 };
}

/** A call without arguments starting at tokens[i]: `name()` or `system.name()`. */
function noArgumentCallAt(tokens: readonly Token[], i: number): { name: string; close: number } | undefined {
  const first = tokens[i];
  if (!isName(first) || isPunct(tokens[i - 1], '.')) return undefined;
  let nameAt = i;
  if (isPunct(tokens[i + 1], '.')) {
    if (first.value !== 'system') return undefined;
    nameAt = i + 2;
  }
  const name = tokens[nameAt];
  if (!isName(name) || !isPunct(tokens[nameAt + 1], '(') || !isPunct(tokens[nameAt + 2], ')')) return undefined;
  return { name: name.value, close: nameAt + 2 };
}

/** Flags for calls to clock functions and uuid() in tokens[start, end); the rest false. */
function clockAndUuid(tokens: readonly Token[], start: number, end: number): Flags {
  const flags: Flags = { ...NONE };
  for (let i = start; i < end; i++) {
    const call = noArgumentCallAt(tokens, i);
    if (call === undefined || call.close >= end) continue;
    if (Object.hasOwn(CLOCK_FUNCTIONS, call.name)) flags.now = true;
    else if (call.name === 'uuid') flags.uuid = true;
    i = call.close;
  }
  return flags;
}
