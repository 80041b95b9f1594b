import { randomBytes, timingSafeEqual } from 'node:crypto';

/** Who may call the API: anyone (loopback only, checked by the config), or holders of a token, each under its name. */
export type ConsoleAuth = { readonly mode: 'none' } | { readonly mode: 'token'; readonly names: ReadonlyMap<string, string> };

/** What a caller is called in the audit when no token names it. */
export const ANONYMOUS = 'console';

/**
 * The tokens the config gives (CONSOLE_TOKEN as `console`, and CONSOLE_TOKENS by name); with
 * none, one made up now (`madeUp`), for the console to print.
 */
export function consoleAuth(settings: { readonly auth: 'token' | 'none'; readonly token?: string; readonly tokens?: Readonly<Record<string, string>> }): { auth: ConsoleAuth; madeUp?: string } {
  if (settings.auth === 'none') return { auth: { mode: 'none' } };
  const named = Object.entries(settings.tokens ?? {}).map(([name, token]) => [token, name] as const);
  if (settings.token !== undefined) named.push([settings.token, ANONYMOUS]);
  if (named.length > 0) return { auth: { mode: 'token', names: new Map(named) } };
  const madeUp = randomBytes(24).toString('base64url');
  return { auth: { mode: 'token', names: new Map([[madeUp, ANONYMOUS]]) }, madeUp };
}

/** The name of the caller presenting `token`; undefined when it opens nothing. Compared in constant time. */
export function callerOf(auth: ConsoleAuth, token: string | undefined): string | undefined {
  if (auth.mode === 'none') return ANONYMOUS;
  if (token === undefined) return undefined;
  const given = Buffer.from(token);
  for (const [known, name] of auth.names) {
    const expected = Buffer.from(known);
    if (expected.length === given.length && timingSafeEqual(expected, given)) return name;
  }
  return undefined;
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
