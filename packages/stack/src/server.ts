import type { Distribution } from './distributions.js';
import type { PortUse } from './ports.js';
import type { Installed } from './provision.js';

export const SERVER_NAMES = ['kafka', 'origin', 'target', 's3', 'mongo'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

export interface ServerContext {
  /** This server's own directory: config, data, log and pid. */
  readonly dir: string;
  /** The Java 17 home, and its `java` binary. */
  readonly javaHome: string;
  readonly java: string;
  readonly installed: Installed;
}

/** One server of the local stack: what it runs from, where it listens, how it starts and how we know it is ready. */
export interface ServerDefinition {
  readonly name: ServerName;
  readonly description: string;
  readonly distribution: Distribution;
  /** The address clients connect to. */
  readonly address: string;
  /** Every port it binds, checked before it starts. */
  readonly ports: readonly PortUse[];
  readonly readyTimeoutMs: number;
  /** Writes its configuration into `ctx.dir` and does any first-start initialisation. */
  prepare(ctx: ServerContext): Promise<void>;
  /** The JVM arguments (after `java`). */
  args(ctx: ServerContext): string[];
  /** Resolves once a real client request succeeds; rejects while it does not. */
  probe(): Promise<void>;
  /** Once ready (and again on reuse, so it must be idempotent): what the config expects to exist. */
  initialize?(): Promise<void>;
}
