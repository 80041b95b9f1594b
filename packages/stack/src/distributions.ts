import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A set of pinned Maven artifacts (and optionally Java sources of ours) that one kind of server runs from. */
export interface Distribution {
  /** Directory name under `$CUTOVER_HOME/dist`; changes whenever what it holds changes. */
  readonly id: string;
  /** `group:artifact:version[:classifier]`; classifier artifacts come without their dependencies. */
  readonly artifacts: readonly string[];
  /** A launcher of ours (and any class of the server's it replaces), compiled against the artifacts; first on the classpath. */
  readonly javaSources?: readonly string[];
}

export const KAFKA_VERSION = '4.1.2';
export const CASSANDRA_VERSION = '5.0.9';
export const S3PROXY_VERSION = '4.1.1';
export const MONGO_JAVA_SERVER_VERSION = '1.47.0';
/** 1.11.0 is on Maven Central only as its parent and BOM poms, none of its modules; 1.10.0 is the newest complete one. */
export const DSBULK_VERSION = '1.10.0';
/** The one plugin Maven runs to fetch jars, pinned so provisioning is reproducible. */
export const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

const SLF4J = '2.0.17';

export const KAFKA: Distribution = {
  id: `kafka-${KAFKA_VERSION}`,
  artifacts: [
    `org.apache.kafka:kafka_2.13:${KAFKA_VERSION}`,
    // Kafka's pom brings slf4j-api 1.7 and no provider; 2.x is compatible and takes log4j2's.
    `org.slf4j:slf4j-api:${SLF4J}`,
    'org.apache.logging.log4j:log4j-slf4j2-impl:2.24.3',
  ],
};

export const CASSANDRA: Distribution = {
  id: `cassandra-${CASSANDRA_VERSION}`,
  artifacts: [`org.apache.cassandra:cassandra-all:${CASSANDRA_VERSION}`],
};

export const S3PROXY: Distribution = {
  id: `s3proxy-${S3PROXY_VERSION}`,
  artifacts: [`org.gaul:s3proxy:${S3PROXY_VERSION}:jar-with-dependencies`],
};

/** Our launcher, and the class of the server's it replaces (see MongoLauncher.java). */
const mongoSources = ['MongoLauncher.java', 'de/bwaldvogel/mongo/oplog/OplogClock.java', 'de/bwaldvogel/mongo/oplog/ClusterClock.java'].map((file) => fileURLToPath(new URL(`../java/${file}`, import.meta.url)));
const mongoHash = createHash('sha256');
for (const file of mongoSources) mongoHash.update(readFileSync(file));

export const MONGO: Distribution = {
  id: `mongo-java-server-${MONGO_JAVA_SERVER_VERSION}-${mongoHash.digest('hex').slice(0, 8)}`,
  artifacts: [`de.bwaldvogel:mongo-java-server:${MONGO_JAVA_SERVER_VERSION}`, `org.slf4j:slf4j-simple:${SLF4J}`],
  javaSources: mongoSources,
};

/**
 * DataStax Bulk Loader, not a server: the baseline the table-migration benchmark measures our
 * copy against. Run as `java -cp '<lib>/*' com.datastax.oss.dsbulk.runner.DataStaxBulkLoader`.
 * The runner finds its workflows, connector and executor at run time, so they are named here
 * the way DSBulk's own binary distribution names them (CSV only: the benchmark needs no JSON;
 * dsbulk-workflow-count 1.10.0 is not on Maven Central, so `count` is missing).
 */
export const DSBULK: Distribution = {
  id: `dsbulk-${DSBULK_VERSION}`,
  artifacts: [
    'runner', 'workflow-load', 'workflow-unload', 'connectors-csv', 'batcher-reactor', 'executor-reactor',
  ].map((module) => `com.datastax.oss:dsbulk-${module}:${DSBULK_VERSION}`),
};

/** A throwaway pom whose only purpose is to name the artifacts for the dependency plugin. */
export function renderPom(distribution: Distribution): string {
  const dependencies = distribution.artifacts.map((coordinates) => {
    const [groupId, artifactId, version, classifier] = coordinates.split(':');
    const extra =
      classifier === undefined
        ? ''
        : `<classifier>${classifier}</classifier><exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>`;
    return `    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version>${extra}</dependency>`;
  });
  return [
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    '  <modelVersion>4.0.0</modelVersion>',
    `  <groupId>dev.cutover.stack</groupId><artifactId>${distribution.id}</artifactId><version>0</version><packaging>pom</packaging>`,
    '  <dependencies>',
    ...dependencies,
    '  </dependencies>',
    '</project>',
    '',
  ].join('\n');
}
