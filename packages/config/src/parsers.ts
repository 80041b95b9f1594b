import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { CutoverError } from '@cutover/errors';

/**
 * Parsers turn one raw setting (a string from the environment, or a scalar or list from YAML)
 * into a typed value, or throw a `ParseFailure` whose message says what was expected.
 */
export class ParseFailure extends CutoverError<'SETTING_INVALID'> {
  constructor(message: string) {
    super('SETTING_INVALID', message);
  }
}

export type Raw = string | number | boolean | readonly unknown[];
export type Parser<T> = (raw: Raw) => T;

function text(raw: Raw): string {
  if (Array.isArray(raw)) throw new ParseFailure('must be a single value, not a list');
  return String(raw).trim();
}

export const nonEmpty: Parser<string> = (raw) => {
  const value = text(raw);
  if (value === '') throw new ParseFailure('must not be empty');
  return value;
};

export const host: Parser<string> = (raw) => {
  const value = nonEmpty(raw);
  if (/[\s/]/.test(value)) throw new ParseFailure('must be a host name or IP address');
  return value;
};

/** A port to listen on: 0 lets the system pick a free one. */
export const listenPort: Parser<number> = (raw) => (text(raw) === '0' ? 0 : port(raw));

export const port: Parser<number> = (raw) => {
  const value = text(raw);
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) {
    throw new ParseFailure('must be a port number from 1 to 65535');
  }
  return n;
};

export function positiveInt(max = Number.MAX_SAFE_INTEGER): Parser<number> {
  return (raw) => {
    const value = text(raw);
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1 || n > max) {
      throw new ParseFailure(`must be a whole number from 1 to ${max}`);
    }
    return n;
  };
}

export function oneOf<const T extends string>(...choices: T[]): Parser<T> {
  return (raw) => {
    const value = text(raw);
    if (!(choices as string[]).includes(value)) {
      throw new ParseFailure(`must be one of ${choices.join(', ')}`);
    }
    return value as T;
  };
}

/** One of `choices` (lower case), written in any case: SCRAM-SHA-256 as well as scram-sha-256. */
export function oneOfAnyCase<const T extends string>(...choices: T[]): Parser<T> {
  const exact = oneOf(...choices);
  return (raw) => exact(text(raw).toLowerCase());
}

/** `host:port`, one address. */
export const address: Parser<string> = (raw) => {
  const value = nonEmpty(raw);
  const match = /^(.+):([^:]+)$/.exec(value);
  if (!match) throw new ParseFailure(`"${value}" must be host:port`);
  host(match[1]!);
  port(match[2]!);
  return value;
};

/** A comma-separated string or a YAML list, each item parsed by `item`; at least one. */
function listOf<T>(item: Parser<T>, what: string): Parser<T[]> {
  return (raw) => {
    const items = Array.isArray(raw) ? raw.map((x) => String(x)) : text(raw).split(',');
    const list = items.map((x) => x.trim()).filter((x) => x !== '');
    if (list.length === 0) throw new ParseFailure(`must list at least one ${what}`);
    return list.map((x) => item(x));
  };
}

/** A comma-separated string or a YAML list of `host:port`. */
export const addressList: Parser<string[]> = listOf(address, 'host:port');

export const httpUrl: Parser<string> = (raw) => {
  const value = nonEmpty(raw);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ParseFailure('must be a URL such as http://127.0.0.1:9000');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ParseFailure('must be an http:// or https:// URL');
  }
  return value.replace(/\/+$/, '');
};

export const mongoUri: Parser<string> = (raw) => {
  const value = nonEmpty(raw);
  if (!/^mongodb(\+srv)?:\/\/[^/?]+/.test(value)) {
    throw new ParseFailure('must be a MongoDB connection string (mongodb://host:port/...)');
  }
  return value;
};

/** A JVM heap size as the JVM spells it: 512m, 1g. */
export const heapSize: Parser<string> = (raw) => {
  const value = text(raw).toLowerCase();
  if (!/^\d+[mg]$/.test(value)) throw new ParseFailure('must be a heap size such as 512m or 1g');
  return value;
};

/** A size in bytes: a whole number, or one with a unit (KiB, MiB, GiB, TiB; KB, MB, GB as the same powers of 1024). */
export const byteSize: Parser<number> = (raw) => {
  const match = /^(\d+)\s*(b|ki?b?|mi?b?|gi?b?|ti?b?)?$/i.exec(text(raw));
  const units: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
  const n = match === null ? NaN : Number(match[1]) * units[(match[2] ?? 'b')[0]!.toLowerCase()]!;
  if (!Number.isSafeInteger(n) || n < 1) throw new ParseFailure('must be a size in bytes, such as 1073741824, 512MiB or 10GiB');
  return n;
};

/** A directory; `~` is the user's home, a relative path is taken from the working directory. */
export const directory: Parser<string> = (raw) => {
  const value = nonEmpty(raw);
  const expanded = value === '~' || value.startsWith('~/') ? homedir() + value.slice(1) : value;
  return resolve(expanded);
};

/** A file that must exist and be readable now, so a typo fails at start, not at first use. */
export const readableFile: Parser<string> = (raw) => {
  const path = directory(raw);
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new ParseFailure(`file ${path} does not exist or cannot be read`);
  }
  return path;
};

export const nonNegativeInt: Parser<number> = (raw) => {
  const value = text(raw);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new ParseFailure('must be a whole number, 0 or more');
  return Number(value);
};

/** How many bad rows a copy tolerates: a count (`100`) or a percentage of the rows loaded so far (`0.5%`). */
export interface ErrorBudget {
  readonly maxBadRows: number | null;
  readonly maxBadRowsPercent: number | null;
}

export const errorBudget: Parser<ErrorBudget> = (raw) => {
  const value = text(raw);
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(value);
  if (percent !== null && Number(percent[1]) <= 100) return { maxBadRows: null, maxBadRowsPercent: Number(percent[1]) };
  if (/^\d+$/.test(value)) return { maxBadRows: Number(value), maxBadRowsPercent: null };
  throw new ParseFailure('must be a count of rows (100) or a percentage from 0% to 100% (0.5%)');
};

export const bool: Parser<boolean> = (raw) => {
  const value = text(raw).toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw new ParseFailure('must be true or false');
};

/** A comma-separated string or a YAML list of host names or addresses. */
export const hostList: Parser<string[]> = listOf(host, 'address');

/** What Kafka allows in a topic name: letters, digits, dots, dashes, underscores. */
export const topicPrefix: Parser<string> = (raw) => {
  const value = text(raw);
  if (!/^[A-Za-z0-9._-]*$/.test(value)) throw new ParseFailure('may only hold letters, digits, ".", "_" and "-"');
  return value;
};

/** Named tokens, `name=token` comma-separated (or a YAML list of them): names are letters, digits, `.`, `_`, `-`, `@`. */
export const namedTokens: Parser<Readonly<Record<string, string>>> = (raw) => {
  const items = Array.isArray(raw) ? raw.map((r) => String(r)) : text(raw).split(',');
  // A Map: any name (`constructor`, `__proto__`) is a name like the others.
  const tokens = new Map<string, string>();
  for (const item of items) {
    const match = /^\s*([A-Za-z0-9._@-]+)=(\S{16,})\s*$/.exec(item);
    if (match === null) throw new ParseFailure('must be name=token pairs, comma-separated, each token 16 characters or more with no spaces');
    if (tokens.has(match[1]!)) throw new ParseFailure(`names ${match[1]} twice`);
    tokens.set(match[1]!, match[2]!);
  }
  return Object.fromEntries(tokens);
};
