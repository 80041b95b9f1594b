/**
 * A CQL lexer just good enough to classify statements: it never fails, skips comments, and
 * knows where literals start and end so nothing inside them is mistaken for a keyword.
 */
export type TokenKind = 'identifier' | 'quotedIdentifier' | 'string' | 'number' | 'punctuation' | 'bindMarker';

export interface Token {
  readonly kind: TokenKind;
  /**
   * identifier: lower-cased (CQL folds unquoted names); quotedIdentifier and string: the
   * contents, unescaped; bindMarker: `?` or `:name` (name folded like an identifier);
   * number and punctuation: the text as written.
   */
  readonly value: string;
  /** Offsets into the query text; `end` is exclusive. */
  readonly start: number;
  readonly end: number;
}

const TAB = 9;
const NEWLINE = 10;
const CARRIAGE_RETURN = 13;
const SPACE = 32;
const DOUBLE_QUOTE = 34;
const DOLLAR = 36;
const SINGLE_QUOTE = 39;
const PLUS = 43;
const DASH = 45;
const DOT = 46;
const SLASH = 47;
const STAR = 42;
const COLON = 58;
const QUESTION = 63;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

/** Operators CQL spells with two characters. */
const TWO_CHAR_OPERATORS = new Set(['<=', '>=', '!=', '+=', '-=']);

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isIdentifierPart(c: number): boolean {
  return isLetter(c) || isDigit(c) || c === 95;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function isSpace(c: number): boolean {
  return c === SPACE || c === TAB || c === NEWLINE || c === CARRIAGE_RETURN || c === 11 || c === 12;
}

/** Whether a 36-character UUID constant (unquoted in CQL) starts at `i`. */
function isUuidAt(text: string, i: number): boolean {
  if (i + 36 > text.length || isIdentifierPart(text.charCodeAt(i + 36))) return false;
  for (let k = 0; k < 36; k++) {
    const c = text.charCodeAt(i + k);
    if (k === 8 || k === 13 || k === 18 || k === 23 ? c !== DASH : !isHexDigit(c)) return false;
  }
  return true;
}

/**
 * End of a constant that starts with a digit: integers, floats with exponents, and the
 * constants CQL writes unquoted that start with one (0xcafe blobs, 1h30m durations).
 */
function numberEnd(text: string, i: number): number {
  let j = i;
  let plain = true; // digits and at most one dot so far, so an exponent sign may follow
  let sawDot = false;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === DOT) {
      if (!plain || sawDot || !isDigit(text.charCodeAt(j + 1))) break;
      sawDot = true;
    } else if (!isIdentifierPart(c)) {
      break;
    } else if (plain && (c === 69 || c === 101)) {
      const sign = text.charCodeAt(j + 1);
      if ((sign === PLUS || sign === DASH) && isDigit(text.charCodeAt(j + 2))) j += 2;
      plain = false;
    } else if (!isDigit(c)) {
      plain = false;
    }
    j++;
  }
  return j;
}

/** Reads a literal closed by `quote`, where a doubled quote stands for one. */
function readQuoted(text: string, i: number, quote: string): { value: string; end: number } {
  let value = '';
  let from = i + 1;
  for (;;) {
    const close = text.indexOf(quote, from);
    if (close < 0) return { value: value + text.slice(from), end: text.length }; // unterminated: to the end
    if (text[close + 1] !== quote) return { value: value + text.slice(from, close), end: close + 1 };
    value += text.slice(from, close + 1);
    from = close + 2;
  }
}

/** Whether a `:` right after `previous` separates a key from its value rather than naming a marker. */
function endsTerm(previous: Token | undefined): boolean {
  if (previous === undefined) return false;
  if (previous.kind !== 'punctuation') return true;
  return previous.value === ')' || previous.value === ']' || previous.value === '}';
}

export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  const n = query.length;
  let braceDepth = 0;
  let i = 0;
  while (i < n) {
    const c = query.charCodeAt(i);
    const next = query.charCodeAt(i + 1);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if ((c === DASH && next === DASH) || (c === SLASH && next === SLASH)) {
      const newline = query.indexOf('\n', i + 2);
      i = newline < 0 ? n : newline + 1;
      continue;
    }
    if (c === SLASH && next === STAR) {
      const close = query.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
      continue;
    }

    const start = i;
    let kind: TokenKind;
    let value: string;
    if (c === SINGLE_QUOTE || c === DOUBLE_QUOTE) {
      const literal = readQuoted(query, i, c === SINGLE_QUOTE ? "'" : '"');
      kind = c === SINGLE_QUOTE ? 'string' : 'quotedIdentifier';
      value = literal.value;
      i = literal.end;
    } else if (c === DOLLAR && next === DOLLAR) {
      const close = query.indexOf('$$', i + 2);
      kind = 'string';
      value = query.slice(i + 2, close < 0 ? n : close);
      i = close < 0 ? n : close + 2;
    } else if (isHexDigit(c) && isUuidAt(query, i)) {
      kind = 'number';
      i += 36;
      value = query.slice(start, i);
    } else if (isDigit(c)) {
      kind = 'number';
      i = numberEnd(query, i);
      value = query.slice(start, i);
    } else if (isLetter(c) || c === 95) {
      while (i < n && isIdentifierPart(query.charCodeAt(i))) i++;
      kind = 'identifier';
      value = query.slice(start, i).toLowerCase();
    } else if (c === QUESTION) {
      kind = 'bindMarker';
      value = '?';
      i++;
    } else if (c === COLON && (isLetter(next) || next === 95 || next === DOUBLE_QUOTE) && !(braceDepth > 0 && endsTerm(tokens.at(-1)))) {
      kind = 'bindMarker';
      if (next === DOUBLE_QUOTE) {
        const name = readQuoted(query, i + 1, '"');
        value = ':' + name.value;
        i = name.end;
      } else {
        i++;
        while (i < n && isIdentifierPart(query.charCodeAt(i))) i++;
        value = query.slice(start, i).toLowerCase();
      }
    } else {
      kind = 'punctuation';
      const pair = query.slice(i, i + 2);
      i += TWO_CHAR_OPERATORS.has(pair) ? 2 : 1;
      value = query.slice(start, i);
      if (c === OPEN_BRACE) braceDepth++;
      else if (c === CLOSE_BRACE && braceDepth > 0) braceDepth--;
    }
    tokens.push({ kind, value, start, end: i });
  }
  return tokens;
}
