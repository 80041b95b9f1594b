import { SETTINGS } from './settings.js';

/** Dotted paths of every secret setting, in the form pino's `redact` option takes. */
export const SECRET_PATHS: readonly string[] = SETTINGS.filter((s) => s.secret === true).map((s) => s.path);

/** A deep copy of `config` with every secret replaced, safe to print or log. */
export function redactConfig<T extends object>(config: T): T {
  const copy = structuredClone(config) as Record<string, unknown>;
  for (const path of SECRET_PATHS) {
    const keys = path.split('.');
    let node: Record<string, unknown> | undefined = copy;
    for (const key of keys.slice(0, -1)) node = node?.[key] as Record<string, unknown> | undefined;
    const last = keys.at(-1)!;
    if (node !== undefined && node[last] !== undefined) node[last] = '[redacted]';
  }
  return copy as T;
}
