import { TypeCode, cqlString, quoteIdentifier, quoteQualified, type CqlType, type PrimitiveTypeName } from '@cutover/cql-protocol';

/**
 * A bound variable's type as a descriptor keeps it: CQL's spelling (`map<text, int>`), except
 * that a user-defined type also lists its fields (`ks.address{street: text, zip: int}`), so its
 * values can be decoded from the log alone, long after the type changed or was dropped.
 */
export function typeText(type: CqlType): string {
  switch (type.kind) {
    case 'primitive':
      return type.name === 'varchar' ? 'text' : type.name;
    case 'custom':
      return cqlString(type.className);
    case 'list':
    case 'set':
      return `${type.kind}<${typeText(type.element)}>`;
    case 'map':
      return `map<${typeText(type.key)}, ${typeText(type.value)}>`;
    case 'tuple':
      return `tuple<${type.elements.map(typeText).join(', ')}>`;
    case 'udt':
      return `${quoteQualified(type.keyspace, type.name)}{${type.fields.map((f) => `${quoteIdentifier(f.name)}: ${typeText(f.type)}`).join(', ')}}`;
  }
}

const PRIMITIVES = new Map<string, PrimitiveTypeName>(
  (Object.keys(TypeCode) as (keyof typeof TypeCode)[])
    .filter((name): name is PrimitiveTypeName => !['custom', 'list', 'map', 'set', 'udt', 'tuple'].includes(name))
    .map((name) => [name, name]),
);
PRIMITIVES.set('text', 'varchar');

/**
 * The type `typeText` wrote (and CQL's own spelling, `frozen<…>` included); undefined for what
 * it cannot decode values of: a UDT named without its fields, a vector, text that is not a type.
 */
export function parseTypeText(text: string): CqlType | undefined {
  const parser = new TypeParser(text);
  try {
    const type = parser.type();
    return parser.atEnd() ? type : undefined;
  } catch {
    return undefined;
  }
}

class TypeParser {
  private at = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    this.skipSpace();
    return this.at === this.text.length;
  }

  type(): CqlType {
    this.skipSpace();
    if (this.text[this.at] === "'") return { kind: 'custom', className: this.quoted("'") };
    const first = this.identifier();
    const lower = first.toLowerCase();
    if (this.peek('<')) {
      this.expect('<');
      let type: CqlType;
      if (lower === 'frozen') type = this.type();
      else if (lower === 'list' || lower === 'set') type = { kind: lower, element: this.type() };
      else if (lower === 'map') {
        const key = this.type();
        this.expect(',');
        type = { kind: 'map', key, value: this.type() };
      } else if (lower === 'tuple') {
        const elements = [this.type()];
        while (this.peek(',')) {
          this.expect(',');
          elements.push(this.type());
        }
        type = { kind: 'tuple', elements };
      } else throw new SyntaxError(`no type ${first}<…>`);
      this.expect('>');
      return type;
    }
    if (this.peek('.')) {
      this.expect('.');
      const name = this.identifier();
      this.expect('{');
      const fields: { name: string; type: CqlType }[] = [];
      while (!this.peek('}')) {
        if (fields.length > 0) this.expect(',');
        const field = this.identifier();
        this.expect(':');
        fields.push({ name: field, type: this.type() });
      }
      this.expect('}');
      return { kind: 'udt', keyspace: first, name, fields };
    }
    const primitive = PRIMITIVES.get(lower);
    if (primitive === undefined) throw new SyntaxError(`no type ${first}`);
    return { kind: 'primitive', name: primitive };
  }

  /** A name: folded to lower case unless double-quoted, as CQL does. */
  private identifier(): string {
    this.skipSpace();
    if (this.text[this.at] === '"') return this.quoted('"');
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.at, this.at + 256));
    if (match === null) throw new SyntaxError(`a name expected at ${this.at}`);
    this.at += match[0].length;
    return match[0].toLowerCase();
  }

  /** A quoted name or class, the quote doubled inside. */
  private quoted(quote: string): string {
    let value = '';
    for (let i = this.at + 1; i < this.text.length; i++) {
      if (this.text[i] !== quote) value += this.text[i];
      else if (this.text[i + 1] === quote) value += this.text[++i];
      else {
        this.at = i + 1;
        return value;
      }
    }
    throw new SyntaxError('unterminated quote');
  }

  private peek(c: string): boolean {
    this.skipSpace();
    return this.text[this.at] === c;
  }

  private expect(c: string): void {
    if (!this.peek(c)) throw new SyntaxError(`${c} expected at ${this.at}`);
    this.at++;
  }

  private skipSpace(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at]!)) this.at++;
  }
}
