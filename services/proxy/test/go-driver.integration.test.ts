import { COMBINATIONS, driverSuite } from './driver-suite.ts';
import { goWorkload } from './go.ts';

/**
 * gocql v2 (github.com/apache/cassandra-gocql-driver/v2, pinned in go/go.mod), from the Go module
 * proxy and unmodified, through the proxy to the real origin and target clusters: go/main.go runs
 * the suite of driver-suite.ts once per protocol version and compression the proxy serves, and
 * once as gocql discovers the version (it tries v5 first, and needs the refusal in its own v5
 * header to go on to v4).
 *
 * The workload takes v4 or v5 and no, LZ4 or Snappy compression whatever the proxy serves; a
 * proxy without v5 refuses a forced v5 ("unsupported protocol version 5"), and gocql quietly
 * drops a compression the proxy does not offer, which the workload reports as "none".
 */
driverSuite(
  {
    name: 'gocql v2',
    keyspacePrefix: 'gocql',
    port: 19242,
    build: async () => ({ command: await goWorkload(), args: [] }),
    highestVersion: 5,
    preparesLiterals: true,
    timeoutMs: 120_000,
  },
  COMBINATIONS,
);
