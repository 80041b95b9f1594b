import { tokenize, type Token } from '@cutover/cql-protocol';

const MASK = "'*****'";

/**
 * The statement with the passwords of CREATE/ALTER ROLE/USER replaced by '*****' (`PASSWORD
 * 'x'`, `PASSWORD = 'x'`, `HASHED PASSWORD = '…'`, dollar-quoted or not, and what a mistyped
 * statement has there instead of a string: `PASSWORD = x`, `PASSWORD "x"`), for showing it to
 * people. Any other statement comes back as it is, the same string.
 *
 * With `statement`, `text` is something said about that statement, such as a cluster's error
 * message, which may quote it (`mismatched input 'x' (… PASSWORD = [x]…)`): every occurrence of
 * the statement's passwords in it is masked.
 */
export function redactPasswords(text: string, statement: string = text): string {
  if (!/password/i.test(statement)) return text;
  const secrets = passwordTokens(statement);
  if (secrets.length === 0) return text;
  if (text === statement) {
    let redacted = '';
    let at = 0;
    for (const secret of secrets) {
      redacted += text.slice(at, secret.start) + MASK;
      at = secret.end;
    }
    return redacted + text.slice(at);
  }
  // As written and as read (quotes off), longest first so a quoted form goes whole; in any case, as CQL folds unquoted names.
  const forms = [...new Set(secrets.flatMap((s) => [statement.slice(s.start, s.end), s.value]).filter((form) => form.length > 0))].sort((a, b) => b.length - a.length);
  return forms.reduce((redacted, form) => redacted.replace(new RegExp(form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), MASK), text);
}

/** The tokens that hold a password in the CREATE/ALTER ROLE/USER statements of `cql`. */
function passwordTokens(cql: string): Token[] {
  const secrets: Token[] = [];
  let statement: Token[] = [];
  const endStatement = (): void => {
    const [verb, object] = statement;
    if ((verb?.value === 'create' || verb?.value === 'alter') && (object?.value === 'role' || object?.value === 'user') && verb.kind === 'identifier' && object.kind === 'identifier') {
      statement.forEach((token, i) => {
        if (token.kind !== 'identifier' || token.value !== 'password') return;
        const next = statement[i + 1]?.value === '=' && statement[i + 1]?.kind === 'punctuation' ? statement[i + 2] : statement[i + 1];
        if (next !== undefined && isValue(next)) secrets.push(next);
      });
    }
    statement = [];
  };
  for (const token of tokenize(cql)) {
    if (token.kind === 'punctuation' && token.value === ';') endStatement();
    else statement.push(token);
  }
  endStatement();
  return secrets;
}

/** What may stand where the password goes: a string, or by mistake a name or a number (not the next option's AND, nor GENERATED PASSWORD's end). */
function isValue(token: Token): boolean {
  if (token.kind === 'string' || token.kind === 'quotedIdentifier' || token.kind === 'number') return true;
  return token.kind === 'identifier' && token.value !== 'and';
}
