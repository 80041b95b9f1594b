import { tokenize, type Token } from '@cutover/cql-protocol';

const MASK = "'*****'";

/**
 * The statement with the passwords of CREATE/ALTER ROLE/USER replaced by '*****' (`PASSWORD
 * 'x'`, `PASSWORD = 'x'`, `HASHED PASSWORD = '…'`, dollar-quoted or not), for showing it to
 * people. Any other statement comes back as it is, the same string.
 */
export function redactPasswords(cql: string): string {
  if (!/password/i.test(cql)) return cql;
  const secrets: Token[] = [];
  let statement: Token[] = [];
  const endStatement = (): void => {
    const [verb, object] = statement;
    if ((verb?.value === 'create' || verb?.value === 'alter') && (object?.value === 'role' || object?.value === 'user') && verb.kind === 'identifier' && object.kind === 'identifier') {
      statement.forEach((token, i) => {
        if (token.kind !== 'identifier' || token.value !== 'password') return;
        const next = statement[i + 1]?.value === '=' && statement[i + 1]?.kind === 'punctuation' ? statement[i + 2] : statement[i + 1];
        if (next?.kind === 'string') secrets.push(next);
      });
    }
    statement = [];
  };
  for (const token of tokenize(cql)) {
    if (token.kind === 'punctuation' && token.value === ';') endStatement();
    else statement.push(token);
  }
  endStatement();
  if (secrets.length === 0) return cql;
  let redacted = '';
  let at = 0;
  for (const secret of secrets) {
    redacted += cql.slice(at, secret.start) + MASK;
    at = secret.end;
  }
  return redacted + cql.slice(at);
}
