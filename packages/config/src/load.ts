import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Config, KafkaConfig } from './config.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { ParseFailure, type Raw } from './parsers.js';
import { SETTINGS, type Setting } from './settings.js';

/** Environment variable naming the optional YAML file. */
export const CONFIG_FILE_ENV = 'CUTOVER_CONFIG';

export interface LoadOptions {
  /** Defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A YAML file; defaults to `$CUTOVER_CONFIG`. */
  readonly file?: string;
}

/**
 * Builds the typed config. Precedence: the canonical environment variable, then its aliases,
 * then the YAML file, then the default. Every invalid setting is reported at once.
 */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const problems: ConfigProblem[] = [];
  const filePath = options.file ?? nonEmpty(env[CONFIG_FILE_ENV]);
  const fileValues = filePath === undefined ? new Map<string, Raw>() : readYaml(filePath, problems);

  const config: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const source = findSource(s, env, fileValues, filePath);
    if (source === undefined) {
      // Unset optional settings still get their parent objects, so `origin.tls` always exists.
      assign(config, s.path, s.default);
      continue;
    }
    try {
      assign(config, s.path, s.parse(source.raw));
    } catch (error) {
      if (!(error instanceof ParseFailure)) throw error;
      const shown = s.secret === true ? '' : `=${JSON.stringify(source.raw)}`;
      problems.push({ setting: `${source.label}${shown}`, reason: error.message });
    }
  }
  if (problems.length === 0) deriveDefaults(config, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return config as unknown as Config;
}

/** Defaults that depend on other settings, and rules that span several settings. */
function deriveDefaults(config: Record<string, unknown>, problems: ConfigProblem[]): void {
  const stack = config['stack'] as Record<string, unknown>;
  stack['dir'] ??= join(stack['home'] as string, 'stack');

  const proxy = config['proxy'] as Record<string, unknown>;
  proxy['topologyAddresses'] ??= [proxy['listenHost']];
  proxy['id'] ??= `proxy-${proxy['topologyIndex'] as number}`;
  proxy['spoolDir'] ??= join(stack['home'] as string, 'spool');
  if (proxy['targetFailurePolicy'] === 'origin-acked' && proxy['logDurability'] !== 'acked') {
    // Under origin-acked the log is target's only copy of a write it failed: it must not be lost.
    problems.push({ setting: 'LOG_DURABILITY', reason: 'must be acked when TARGET_FAILURE_POLICY=origin-acked (the healer re-applies target\'s failed writes from the log)' });
  }
  const addresses = proxy['topologyAddresses'] as string[];
  if ((proxy['topologyIndex'] as number) >= addresses.length) {
    problems.push({ setting: 'PROXY_TOPOLOGY_INDEX', reason: `is ${proxy['topologyIndex'] as number}, but PROXY_TOPOLOGY_ADDRESSES lists only ${addresses.length} address(es)` });
  }
  const consoleSettings = config['console'] as Record<string, unknown>;
  if (consoleSettings['auth'] === 'none' && !isLoopback(consoleSettings['host'] as string)) {
    problems.push({ setting: 'CONSOLE_AUTH', reason: `may be none only when the console listens on loopback, not on ${consoleSettings['host'] as string}` });
  }
  const kafka = config['kafka'] as KafkaConfig;
  for (const [owner, tls] of [['PROXY', proxy['tls']], ['STACK', stack['tls']], ['ORIGIN', (config['origin'] as Record<string, unknown>)['tls']], ['TARGET', (config['target'] as Record<string, unknown>)['tls']], ['CONSOLE', (config['console'] as Record<string, unknown>)['tls']], ['KAFKA', kafka.tls]] as const) {
    const { certPath, keyPath } = tls as Record<string, unknown>;
    if ((certPath === undefined) !== (keyPath === undefined)) {
      problems.push({ setting: `${owner}_TLS_${certPath === undefined ? 'CERT' : 'KEY'}_PATH`, reason: `must be set together with ${owner}_TLS_${certPath === undefined ? 'KEY' : 'CERT'}_PATH` });
    }
  }
  problems.push(...kafkaProblems(kafka));
}

/** Kafka's TLS files need TLS on; a SASL mechanism needs a user and password, and plain needs TLS off loopback. */
function kafkaProblems({ tls, sasl, brokers }: KafkaConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (!tls.enabled) {
    for (const [setting, path] of [['KAFKA_TLS_CA_PATH', tls.caPath], ['KAFKA_TLS_CERT_PATH', tls.certPath], ['KAFKA_TLS_KEY_PATH', tls.keyPath]] as const) {
      if (path !== undefined) problems.push({ setting, reason: 'takes effect with KAFKA_TLS=true only: set that too' });
    }
  }
  if (sasl.mechanism === 'none') {
    for (const [setting, value] of [['KAFKA_SASL_USERNAME', sasl.username], ['KAFKA_SASL_PASSWORD', sasl.password]] as const) {
      if (value !== undefined) problems.push({ setting, reason: 'is set, but KAFKA_SASL_MECHANISM is none: name the mechanism (scram-sha-256, scram-sha-512 or plain)' });
    }
    return problems;
  }
  for (const [setting, value] of [['KAFKA_SASL_USERNAME', sasl.username], ['KAFKA_SASL_PASSWORD', sasl.password]] as const) {
    if (value === undefined) problems.push({ setting, reason: `is required with KAFKA_SASL_MECHANISM=${sasl.mechanism}` });
  }
  const remote = brokers.map((b) => b.slice(0, b.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1')).filter((host) => !isLoopback(host));
  if (sasl.mechanism === 'plain' && !tls.enabled && remote.length > 0) {
    problems.push({ setting: 'KAFKA_SASL_MECHANISM', reason: `plain sends the password itself: it needs KAFKA_TLS=true to reach ${remote.join(', ')} (or use scram-sha-256 or scram-sha-512)` });
  }
  return problems;
}

/** Whether `host` can only be reached from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function findSource(
  s: Setting,
  env: Readonly<Record<string, string | undefined>>,
  fileValues: ReadonlyMap<string, Raw>,
  filePath: string | undefined,
): { raw: Raw; label: string } | undefined {
  for (const name of [s.env, ...(s.aliases ?? [])]) {
    const value = nonEmpty(env[name]);
    if (value !== undefined) return { raw: value, label: name };
  }
  const fromFile = fileValues.get(s.path);
  if (fromFile !== undefined) return { raw: fromFile, label: `${s.path} in ${filePath}` };
  return undefined;
}

const KNOWN_PATHS = new Set(SETTINGS.map((s) => s.path));

function readYaml(path: string, problems: ConfigProblem[]): Map<string, Raw> {
  const values = new Map<string, Raw>();
  let document: unknown;
  try {
    document = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push({ setting: CONFIG_FILE_ENV, reason: `cannot read ${path}: ${(error as Error).message}` });
    return values;
  }
  if (document === null || document === undefined) return values;
  if (!isMapping(document)) {
    problems.push({ setting: CONFIG_FILE_ENV, reason: `${path} must hold a mapping of settings` });
    return values;
  }
  const walk = (node: Record<string, unknown>, prefix: string): void => {
    for (const [key, value] of Object.entries(node)) {
      const setting = prefix + key;
      if (isMapping(value)) {
        walk(value, `${setting}.`);
      } else if (!KNOWN_PATHS.has(setting)) {
        problems.push({ setting: `${setting} in ${path}`, reason: 'unknown setting' });
      } else if (value !== null) {
        values.set(setting, value as Raw);
      }
    }
  };
  walk(document, '');
  return values;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function assign(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  if (value !== undefined) node[keys.at(-1)!] = value;
}
