/**
 * What the connection framing alone costs the proxy per request, measured in this process: the
 * budget that v5 (segments and their CRC24/CRC32 checksums) and compression (LZ4 codecs) may add
 * to the proxy's CPU per request over v4 without compression.
 *
 * For each request of the benchmark's mix (a prepared INSERT of five columns to both clusters, a
 * prepared SELECT to origin), the proxy's ConnectionFramings do what they do in services/proxy:
 * read the client's request, write it to each cluster, read each cluster's answer, write the
 * answer to the client, one frame per write (as the session and the cluster connections write
 * them) and one frame per read (no batching: the most the framing can cost). The bytes read are
 * those a peer in the same state writes (a driver, a cluster), made once. Nothing else of the
 * proxy runs: the difference between two settings here is what their framing alone adds.
 */
import { createHash } from 'node:crypto';
import { ConnectionFraming, Consistency, Opcode, encodeRequestBody, encodeResponse, encodeValue, headerLength, type CompressionAlgorithm, type CqlType, type Frame } from '@cutover/cql-protocol';

export interface FramingSetting {
  readonly version: 4 | 5;
  /** Between the client and the proxy. */
  readonly clientCompression: 'none' | 'lz4';
  /** Between the proxy and the clusters (PROXY_CLUSTER_COMPRESSION). */
  readonly clusterCompression: 'none' | 'lz4';
}

export interface FramingCost {
  /** µs of this process's CPU per request of the mix, framing only. */
  readonly perRequestUs: number;
  /** Bytes on the wire per request of the mix: client ↔ proxy, proxy ↔ clusters (both ways, both clusters). */
  readonly clientBytesPerRequest: number;
  readonly clusterBytesPerRequest: number;
  readonly requests: number;
}

const t = (name: Extract<CqlType, { kind: 'primitive' }>['name']): CqlType => ({ kind: 'primitive', name });

/** A framing on a connection past its STARTUP, in `setting`'s version and compression. */
function established(version: number, compression: 'none' | 'lz4'): ConnectionFraming {
  const framing = new ConnectionFraming(256 * 1024 * 1024);
  const algorithm: CompressionAlgorithm | undefined = compression === 'none' ? undefined : compression;
  framing.compress(algorithm);
  if (version >= 5) framing.startSegments();
  return framing;
}

function frameOf(version: number, isResponse: boolean, opcode: number, body: Buffer): Frame {
  return { version, isResponse, flags: 0, stream: 7, opcode, body };
}

export function framingCost(setting: FramingSetting, options: { writeRatio: number; payloadBytes: number; requests?: number; warmup?: number }): FramingCost {
  const { version } = setting;
  const id = createHash('md5').update('insert').digest();
  const selectId = createHash('md5').update('select').digest();
  const metadataId = version >= 5 ? { resultMetadataId: createHash('md5').update('result').digest() } : {};
  const row = [
    encodeValue(42, t('int'), version),
    encodeValue('name-42-xxxxxxxxxxxx', t('varchar'), version),
    encodeValue(294, t('int'), version),
    encodeValue(Buffer.alloc(options.payloadBytes, 42), t('blob'), version),
    encodeValue(new Date(1_700_000_000_000), t('timestamp'), version),
  ];
  const insert = frameOf(version, false, Opcode.EXECUTE, encodeRequestBody({ type: 'EXECUTE', id, ...metadataId, params: { consistency: Consistency.LOCAL_ONE, values: row, skipMetadata: false, timestamp: 1_700_000_000_000_000n } }, version));
  const select = frameOf(version, false, Opcode.EXECUTE, encodeRequestBody({ type: 'EXECUTE', id: selectId, ...metadataId, params: { consistency: Consistency.LOCAL_ONE, values: [row[0]!], skipMetadata: true } }, version));
  const body = (bytes: Buffer): Buffer => bytes.subarray(headerLength(version));
  const written = frameOf(version, true, Opcode.RESULT, body(encodeResponse(version, 7, { type: 'RESULT', result: { kind: 'void' } })));
  const rows = frameOf(version, true, Opcode.RESULT, body(encodeResponse(version, 7, { type: 'RESULT', result: { kind: 'rows', metadata: { columnCount: 5 }, rows: [row] } })));

  // What the peers send: a driver in the client's setting, a cluster in the clusters'.
  const driver = established(version, setting.clientCompression);
  const cluster = established(version, setting.clusterCompression);
  const fromClient = { write: driver.write([insert]), read: driver.write([select]) };
  const fromCluster = { write: cluster.write([written]), read: cluster.write([rows]) };

  // The proxy's side: one framing toward the client, one toward each cluster.
  const client = established(version, setting.clientCompression);
  const origin = established(version, setting.clusterCompression);
  const target = established(version, setting.clusterCompression);

  let clientBytes = 0;
  let clusterBytes = 0;
  const one = (isWrite: boolean): void => {
    const [request] = client.read(isWrite ? fromClient.write : fromClient.read);
    clientBytes += (isWrite ? fromClient.write : fromClient.read).length;
    const out = origin.write([request!]);
    clusterBytes += out.length + (isWrite ? fromCluster.write : fromCluster.read).length;
    const [answer] = origin.read(isWrite ? fromCluster.write : fromCluster.read);
    if (isWrite) {
      clusterBytes += target.write([request!]).length + fromCluster.write.length;
      target.read(fromCluster.write);
    }
    clientBytes += client.write([answer!]).length;
  };
  const writesIn = (i: number): boolean => (i * 0.6180339887498949) % 1 < options.writeRatio;
  for (let i = 0; i < (options.warmup ?? 20_000); i++) one(writesIn(i));
  clientBytes = 0;
  clusterBytes = 0;
  const requests = options.requests ?? 100_000;
  const before = process.cpuUsage();
  for (let i = 0; i < requests; i++) one(writesIn(i));
  const used = process.cpuUsage(before);
  return {
    perRequestUs: Math.round(((used.user + used.system) / requests) * 1000) / 1000,
    clientBytesPerRequest: Math.round(clientBytes / requests),
    clusterBytesPerRequest: Math.round(clusterBytes / requests),
    requests,
  };
}
