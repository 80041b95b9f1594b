export interface ConfigProblem {
  /** The setting as the user wrote it: an environment variable, or a YAML path and file. */
  readonly setting: string;
  readonly reason: string;
}

/** Thrown at start when any setting is invalid; lists every bad setting, not just the first. */
export class ConfigError extends Error {
  readonly code = 'CUTOVER_CONFIG_INVALID';

  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`Invalid configuration:\n${problems.map((x) => `  ${x.setting}: ${x.reason}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
