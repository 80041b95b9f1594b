import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors.js';

const JVM_ROOT = '/usr/lib/jvm';

/** The major version a JDK's `release` file declares (`JAVA_VERSION="17.0.15"` → 17). */
export function javaMajorVersion(releaseFile: string): number | undefined {
  const match = /^JAVA_VERSION="(\d+)(?:\.(\d+))?/m.exec(releaseFile);
  if (!match) return undefined;
  // Java 8 and older spell themselves 1.x.
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

function majorOf(home: string): number | undefined {
  try {
    return javaMajorVersion(readFileSync(join(home, 'release'), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Finds a Java 17 home. Cassandra 5.0 runs on Java 11 or 17 only and Kafka 4 needs 17 or
 * newer, so 17 it is, even when a newer JDK is the machine's default.
 */
export function findJava17(configured: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (configured !== undefined) {
    const major = majorOf(configured);
    if (major === 17) return configured;
    throw new StackError(
      'JAVA_NOT_FOUND',
      `CUTOVER_JAVA_HOME=${configured} is ${major === undefined ? 'not a JDK (no release file)' : `Java ${major}`}; the local stack needs Java 17`,
    );
  }
  const candidates = [env['JAVA_HOME'], ...listJvms()].filter((x): x is string => x !== undefined && x !== '');
  const found = candidates.find((home) => majorOf(home) === 17);
  if (found !== undefined) return found;
  throw new StackError(
    'JAVA_NOT_FOUND',
    `no Java 17 found (looked at ${candidates.join(', ') || `JAVA_HOME and ${JVM_ROOT}`}); ` +
      'install OpenJDK 17 (Debian: apt-get install openjdk-17-jdk-headless) or set CUTOVER_JAVA_HOME',
  );
}

function listJvms(): string[] {
  try {
    return readdirSync(JVM_ROOT).sort().map((name) => join(JVM_ROOT, name));
  } catch {
    return [];
  }
}
