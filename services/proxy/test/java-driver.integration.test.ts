import { COMBINATIONS, driverSuite } from './driver-suite.ts';
import { JAVA_DRIVER_VERSION, javaWorkload } from './java.ts';

/**
 * The Apache Cassandra Java driver (org.apache.cassandra:java-driver-core), from Maven Central and
 * unmodified, through the proxy to the real origin and target clusters: java/Workload.java runs
 * the suite of driver-suite.ts once per protocol version and compression the proxy serves, and
 * once as the driver negotiates (it opens with v5).
 *
 * The workload takes v4 or v5 and no, LZ4 or Snappy compression whatever the proxy serves; a
 * proxy without v5 refuses a forced v5 ("Host does not support protocol version V5"), one
 * without compression refuses it at STARTUP ("compression (lz4) is not supported by the proxy").
 */
driverSuite(
  {
    name: `the Java driver ${JAVA_DRIVER_VERSION}`,
    keyspacePrefix: 'java',
    port: 19222,
    build: async () => {
      const workload = await javaWorkload();
      return { command: workload.java, args: workload.args };
    },
    highestVersion: 5,
    preparesLiterals: false,
    timeoutMs: 150_000,
  },
  COMBINATIONS,
);
