import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findJava17, provision, type Distribution } from '@cutover/stack';
import { configWith } from './support.ts';

/**
 * The Apache Cassandra Java driver the proxy is tested with, from Maven Central: the newest 4.x.
 * LZ4 and Snappy are the driver's optional dependencies, so that the workload can ask for either
 * compression, at the versions its parent pom names (but lz4-java 1.11.3 is not on Maven Central:
 * 1.11.4, its fix release); slf4j-simple (1.7, for the driver's slf4j-api 1.7) prints the
 * driver's warnings and errors on stderr.
 */
export const JAVA_DRIVER_VERSION = '4.19.4';

const source = fileURLToPath(new URL('java/Workload.java', import.meta.url));

/** The workload's jars and class, under `$CUTOVER_HOME/dist/<id>`; the id changes with the source, so an edit rebuilds it. */
export const JAVA_WORKLOAD: Distribution = {
  id: `java-driver-workload-${JAVA_DRIVER_VERSION}-${createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 8)}`,
  artifacts: [
    `org.apache.cassandra:java-driver-core:${JAVA_DRIVER_VERSION}`,
    'at.yawk.lz4:lz4-java:1.11.4',
    'org.xerial.snappy:snappy-java:1.1.10.1',
    'org.slf4j:slf4j-simple:1.7.36',
  ],
  javaSources: [source],
};

export interface JavaWorkload {
  readonly java: string;
  /** `java` arguments before the workload's own: the classpath and the main class. */
  readonly args: readonly string[];
}

/**
 * The Java workload, ready to run: its jars fetched with Maven through `$CUTOVER_HOME/m2` and its
 * class compiled with javac the first time (as the stack's servers are), reused afterwards.
 */
export async function javaWorkload(): Promise<JavaWorkload> {
  const config = configWith();
  const javaHome = findJava17(config.stack.javaHome);
  const installed = await provision(JAVA_WORKLOAD, config.stack.home, javaHome);
  const logLevel = process.env['WORKLOAD_DEBUG'] ? 'debug' : 'warn';
  return {
    java: join(javaHome, 'bin', 'java'),
    args: [`-Dorg.slf4j.simpleLogger.defaultLogLevel=${logLevel}`, '-cp', `${installed.classes ?? ''}:${join(installed.lib, '*')}`, 'Workload'],
  };
}
