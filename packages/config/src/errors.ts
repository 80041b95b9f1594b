import { CutoverError } from '@cutover/errors';

export interface ConfigProblem {
  /** The setting as the user wrote it: an environment variable, or a YAML path and file. */
  readonly setting: string;
  readonly reason: string;
}

/** Thrown at start when any setting is invalid; lists every bad setting, not just the first. */
export class ConfigError extends CutoverError<'CUTOVER_CONFIG_INVALID'> {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super('CUTOVER_CONFIG_INVALID', `Invalid configuration:\n${problems.map((x) => `  ${x.setting}: ${x.reason}`).join('\n')}`);
  }
}
