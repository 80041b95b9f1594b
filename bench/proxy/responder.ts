/**
 * A minimal CQL server for the proxy benchmark: it stands in for a cluster so that the proxy's
 * own CPU cost can be measured with nothing slow behind it. It answers
 *
 * - OPTIONS with SUPPORTED, STARTUP and REGISTER with READY, AUTH_RESPONSE with AUTH_SUCCESS;
 * - PREPARE with a PREPARED result whose id is derived from the query text and whose bind
 *   markers carry the types of the table's columns (from the schema the responder is given);
 * - EXECUTE of a prepared SELECT with one small row, of anything else with a void result;
 * - QUERY of `system.local` / `system.peers` (and any table of its schema) with rows in the
 *   columns asked for, of `system_schema.*` with no rows, `USE` with SET_KEYSPACE, anything
 *   else with a void result; BATCH with a void result.
 *
 * It speaks protocol v3, v4 and v5, and the compression a STARTUP asks for (LZ4 or Snappy in v3
 * and v4, LZ4 in v5), through the connection framing the proxy itself uses (ConnectionFraming):
 * v3 and v4 bodies are compressed from the READY on; in v5, everything after the READY is
 * checksummed segments, LZ4-compressed if asked.
 *
 * Every answer body is encoded once and cached: an EXECUTE costs a map lookup and the framing of
 * the answers to everything one socket read brought, written at once, so the responder is never
 * the bottleneck.
 */
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  ConnectionFraming,
  DEFAULT_MAX_BODY_LENGTH,
  ErrorCode,
  Opcode,
  decodeRequest,
  encodeResponse,
  encodeValue,
  headerLength,
  startupCompression,
  type ColumnSpec,
  type CompressionAlgorithm,
  type CqlType,
  type Frame,
  type Response,
} from '@cutover/cql-protocol';

/** A column of a table the responder knows, with the value it returns in its one row. */
export interface ResponderColumn {
  readonly name: string;
  readonly type: CqlType;
  /** A JavaScript value the driver's encoder takes for `type`. */
  readonly sample: unknown;
}

export interface ResponderTable {
  readonly keyspace: string;
  readonly name: string;
  readonly columns: readonly ResponderColumn[];
  readonly partitionKey: readonly string[];
  /** How many rows a SELECT of this table returns (each the sample row); 1 by default. */
  readonly rows?: number;
}

export interface ResponderOptions {
  readonly host?: string;
  readonly port?: number;
  /** Tables beyond system.local and system.peers. */
  readonly tables?: readonly ResponderTable[];
  /** The cluster name and host id system.local reports. */
  readonly clusterName?: string;
}

const t = (name: Extract<CqlType, { kind: 'primitive' }>['name']): CqlType => ({ kind: 'primitive', name });
const TEXT_SET: CqlType = { kind: 'set', element: t('varchar') };
const SUPPORTED_VERSIONS: readonly number[] = [3, 4, 5];
const SCHEMA_VERSION = '5a1c395e-b41f-3a7b-8c9d-1a2b3c4d5e6f';

function systemTables(host: string, clusterName: string): ResponderTable[] {
  const hostId = uuidOf(`responder:${clusterName}`);
  const node: ResponderColumn[] = [
    { name: 'data_center', type: t('varchar'), sample: 'datacenter1' },
    { name: 'host_id', type: t('uuid'), sample: hostId },
    { name: 'rack', type: t('varchar'), sample: 'rack1' },
    { name: 'release_version', type: t('varchar'), sample: '4.1.0' },
    { name: 'rpc_address', type: t('inet'), sample: host },
    { name: 'schema_version', type: t('uuid'), sample: SCHEMA_VERSION },
    { name: 'tokens', type: TEXT_SET, sample: ['0'] },
  ];
  return [
    {
      keyspace: 'system',
      name: 'local',
      partitionKey: ['key'],
      columns: [
        { name: 'key', type: t('varchar'), sample: 'local' },
        { name: 'bootstrapped', type: t('varchar'), sample: 'COMPLETED' },
        { name: 'broadcast_address', type: t('inet'), sample: host },
        { name: 'cluster_name', type: t('varchar'), sample: clusterName },
        { name: 'cql_version', type: t('varchar'), sample: '3.4.6' },
        { name: 'listen_address', type: t('inet'), sample: host },
        { name: 'native_protocol_version', type: t('varchar'), sample: '4' },
        { name: 'partitioner', type: t('varchar'), sample: 'org.apache.cassandra.dht.Murmur3Partitioner' },
        { name: 'rpc_port', type: t('int'), sample: 9042 },
        ...node,
      ],
    },
    // The proxy builds peers rows itself from the columns of this answer; the responder has no peers.
    { keyspace: 'system', name: 'peers', partitionKey: ['peer'], rows: 0, columns: [{ name: 'peer', type: t('inet'), sample: host }, { name: 'preferred_ip', type: t('inet'), sample: host }, ...node] },
  ];
}

interface PreparedAnswer {
  /** RESULT bodies: with the rows metadata, and without it for a client that asked to skip it. */
  readonly full: Buffer;
  readonly bare: Buffer;
}

/** What the responder has received, by opcode name. */
export type ResponderCounts = Record<'startup' | 'options' | 'register' | 'query' | 'prepare' | 'execute' | 'batch' | 'other', number>;

export class Responder {
  readonly counts: ResponderCounts = { startup: 0, options: 0, register: 0, query: 0, prepare: 0, execute: 0, batch: 0, other: 0 };
  /** Socket reads that brought at least one whole frame, and the frames they brought: how well the peer batches its writes. */
  readonly io = { reads: 0, frames: 0 };
  private readonly tables = new Map<string, ResponderTable>();
  /** Answers to EXECUTE by protocol version, then prepared id (latin1). */
  private readonly prepared = new Map<number, Map<string, PreparedAnswer>>();
  private readonly queries = new Map<string, Buffer>();
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    tables: readonly ResponderTable[],
  ) {
    for (const table of tables) this.tables.set(`${table.keyspace}.${table.name}`, table);
    server.on('connection', (socket: Socket) => this.serve(socket));
  }

  static async start(options: ResponderOptions = {}): Promise<Responder> {
    const host = options.host ?? '127.0.0.1';
    const server = createServer();
    const responder = new Responder(server, [...systemTables(host, options.clusterName ?? 'responder'), ...(options.tables ?? [])]);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
    return responder;
  }

  get address(): { host: string; port: number } {
    const info = this.server.address() as AddressInfo;
    return { host: info.address, port: info.port };
  }

  get connections(): number {
    return this.sockets.size;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const framing = new ConnectionFraming(DEFAULT_MAX_BODY_LENGTH);
    socket.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = framing.read(chunk);
      } catch {
        socket.destroy();
        return;
      }
      if (frames.length === 0) return;
      this.io.reads++;
      this.io.frames += frames.length;
      // One write per read: the answers to everything that arrived together leave together…
      let out: Frame[] = [];
      for (const frame of frames) {
        if (frame.opcode !== Opcode.STARTUP) {
          out.push(this.answer(frame));
          continue;
        }
        // …but for a STARTUP's READY, after which the framing changes: compression starts with
        // the READY in v3 and v4, and in v5 segments (compressed or not) start after it.
        const { answer, compression } = this.startup(frame);
        if (answer.opcode !== Opcode.READY) {
          out.push(answer);
          continue;
        }
        if (frame.version < 5) {
          if (out.length > 0) socket.write(framing.write(out));
          framing.compress(compression);
          out = [answer];
        } else {
          out.push(answer);
          socket.write(framing.write(out));
          framing.compress(compression);
          framing.startSegments();
          out = [];
        }
      }
      if (out.length > 0) socket.write(framing.write(out));
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }

  /** READY, with the compression the STARTUP asked for, or the error for one it cannot have. */
  private startup(frame: Frame): { answer: Frame; compression: CompressionAlgorithm | undefined } {
    const { version, stream } = frame;
    this.counts.startup++;
    if (!SUPPORTED_VERSIONS.includes(version)) return { answer: this.answer(frame), compression: undefined };
    try {
      const { message } = decodeRequest(frame);
      const compression = message.type === 'STARTUP' ? startupCompression(version, message.options['COMPRESSION']) : undefined;
      return { answer: responseFrame(version, stream, { type: 'READY' }), compression };
    } catch (error) {
      return { answer: responseFrame(version, stream, { type: 'ERROR', code: ErrorCode.PROTOCOL_ERROR, message: (error as Error).message }), compression: undefined };
    }
  }

  /** The response frame for one request frame. */
  private answer(frame: Frame): Frame {
    const { version, stream } = frame;
    if (!SUPPORTED_VERSIONS.includes(version)) {
      const message = `Invalid or unsupported protocol version (${version}); supported versions are (3/v3, 4/v4, 5/v5)`;
      return responseFrame(4, stream, { type: 'ERROR', code: ErrorCode.PROTOCOL_ERROR, message });
    }
    if (frame.opcode === Opcode.EXECUTE && (frame.flags & 0x04) === 0) {
      // The hot path, without decoding: <short bytes id>[<short bytes result metadata id> (v5)]<consistency><flags>…
      this.counts.execute++;
      const body = frame.body;
      const idLength = body.readUInt16BE(0);
      const found = this.prepared.get(version)?.get(body.toString('latin1', 2, 2 + idLength));
      if (found === undefined) {
        const id = Buffer.from(body.subarray(2, 2 + idLength));
        return responseFrame(version, stream, { type: 'ERROR', code: ErrorCode.UNPREPARED, message: 'unknown prepared id', details: { kind: 'unprepared', id } });
      }
      let consistencyAt = 2 + idLength;
      if (version >= 5) consistencyAt += 2 + body.readUInt16BE(consistencyAt);
      // The flags are a byte before v5 and a big-endian int in v5: SKIP_METADATA (0x02) is in their last byte.
      const skipMetadata = (body[consistencyAt + (version >= 5 ? 5 : 2)]! & 0x02) !== 0;
      return { version, isResponse: true, flags: 0, stream, opcode: Opcode.RESULT, body: skipMetadata ? found.bare : found.full };
    }
    try {
      return this.decodeAndAnswer(frame);
    } catch (error) {
      return responseFrame(version, stream, { type: 'ERROR', code: ErrorCode.SERVER_ERROR, message: `responder: ${(error as Error).message}` });
    }
  }

  private decodeAndAnswer(frame: Frame): Frame {
    const { version, stream } = frame;
    const { message } = decodeRequest(frame);
    switch (message.type) {
      case 'OPTIONS':
        this.counts.options++;
        return responseFrame(version, stream, { type: 'SUPPORTED', options: { CQL_VERSION: ['3.4.6'], COMPRESSION: ['lz4', 'snappy'], PROTOCOL_VERSIONS: ['3/v3', '4/v4', '5/v5'] } });
      case 'STARTUP':
        return this.startup(frame).answer;
      case 'REGISTER':
        this.counts.register++;
        return responseFrame(version, stream, { type: 'READY' });
      case 'AUTH_RESPONSE':
        this.counts.other++;
        return responseFrame(version, stream, { type: 'AUTH_SUCCESS', token: null });
      case 'BATCH':
        this.counts.batch++;
        return responseFrame(version, stream, { type: 'RESULT', result: { kind: 'void' } });
      case 'PREPARE':
        this.counts.prepare++;
        return responseFrame(version, stream, this.prepare(message.query, version));
      case 'QUERY': {
        this.counts.query++;
        const key = `${version}:${message.params.skipMetadata ? 's' : 'f'}:${message.query}`;
        let body = this.queries.get(key);
        if (body === undefined) {
          body = bodyOf(version, this.query(message.query, message.params.skipMetadata));
          this.queries.set(key, body);
        }
        return { version, isResponse: true, flags: 0, stream, opcode: Opcode.RESULT, body };
      }
      case 'EXECUTE':
        // Only with a custom payload: the hot path handles the rest.
        this.counts.execute++;
        return responseFrame(version, stream, { type: 'RESULT', result: { kind: 'void' } });
    }
  }

  private prepare(query: string, version: number): Response {
    const id = createHash('md5').update(query).digest();
    // v5: the id of the result metadata, which the client sends back with each EXECUTE; it never changes here.
    const resultMetadataId = version >= 5 ? { resultMetadataId: createHash('md5').update(`${query}\0result`).digest() } : {};
    let answers = this.prepared.get(version);
    if (answers === undefined) {
      answers = new Map();
      this.prepared.set(version, answers);
    }
    const statement = parseStatement(query);
    const table = statement && this.lookup(statement.table);
    if (statement === undefined || table === undefined) {
      // Unknown shape: no bind markers, a void result.
      const result = { kind: 'prepared', id, ...resultMetadataId, variables: { pkIndexes: [], columns: [] }, resultMetadata: { columnCount: 0 } } as const;
      answers.set(id.toString('latin1'), { full: bodyOf(version, { kind: 'void' }), bare: bodyOf(version, { kind: 'void' }) });
      return { type: 'RESULT', result };
    }
    const column = (name: string): ResponderColumn => {
      const found = table.columns.find((c) => c.name === name);
      if (found === undefined) throw new Error(`${table.keyspace}.${table.name} has no column ${name}`);
      return found;
    };
    const spec = (c: ResponderColumn): ColumnSpec => ({ keyspace: table.keyspace, table: table.name, name: c.name, type: c.type });
    const bound = statement.bound.map(column);
    const pkIndexes = table.partitionKey.map((name) => bound.findIndex((c) => c.name === name)).filter((i) => i >= 0);
    const variables = { pkIndexes: pkIndexes.length === table.partitionKey.length ? pkIndexes : [], columns: bound.map(spec) };
    if (statement.kind === 'select') {
      const selected = statement.selected === '*' ? table.columns : statement.selected.map(column);
      const columns = selected.map(spec);
      const rows = sampleRows(table, selected, version);
      answers.set(id.toString('latin1'), {
        full: bodyOf(version, { kind: 'rows', metadata: { columnCount: columns.length, columns }, rows }),
        bare: bodyOf(version, { kind: 'rows', metadata: { columnCount: columns.length }, rows }),
      });
      return { type: 'RESULT', result: { kind: 'prepared', id, ...resultMetadataId, variables, resultMetadata: { columnCount: columns.length, columns } } };
    }
    const empty = bodyOf(version, { kind: 'void' });
    answers.set(id.toString('latin1'), { full: empty, bare: empty });
    return { type: 'RESULT', result: { kind: 'prepared', id, ...resultMetadataId, variables, resultMetadata: { columnCount: 0 } } };
  }

  private query(query: string, skipMetadata: boolean): ResultOf {
    const use = /^\s*use\s+"?(\w+)"?\s*;?\s*$/i.exec(query);
    if (use) return { kind: 'set_keyspace', keyspace: use[1]! };
    const statement = parseStatement(query);
    if (statement?.kind !== 'select') return { kind: 'void' };
    const table = this.lookup(statement.table);
    if (table === undefined) return { kind: 'rows', metadata: { columnCount: 0, columns: [] }, rows: [] }; // system_schema.* and the like
    const selected = statement.selected === '*' ? table.columns : statement.selected.flatMap((name) => table.columns.filter((c) => c.name === name));
    const columns = selected.map((c) => ({ keyspace: table.keyspace, table: table.name, name: c.name, type: c.type }));
    const rows = sampleRows(table, selected, 4);
    return { kind: 'rows', metadata: skipMetadata ? { columnCount: columns.length } : { columnCount: columns.length, columns }, rows };
  }

  private lookup(name: string): ResponderTable | undefined {
    const found = this.tables.get(name);
    if (found !== undefined || name.includes('.')) return found;
    for (const table of this.tables.values()) if (table.name === name) return table;
    return undefined;
  }
}

type ResultOf = Extract<Response, { type: 'RESULT' }>['result'];

interface ParsedStatement {
  readonly kind: 'select' | 'write';
  readonly table: string;
  /** Column of each bind marker, in order. */
  readonly bound: readonly string[];
  readonly selected: '*' | readonly string[];
}

const unquote = (name: string): string => name.trim().replace(/"/g, '');

/**
 * Just enough CQL for the statements a benchmark prepares: INSERT with a column list, and
 * SELECT / UPDATE / DELETE whose bind markers are all `column = ?`.
 */
export function parseStatement(query: string): ParsedStatement | undefined {
  const insert = /^\s*insert\s+into\s+([\w."]+)\s*\(([^)]*)\)\s*values\s*\(([^)]*)\)/i.exec(query);
  if (insert) {
    const columns = insert[2]!.split(',').map(unquote);
    const values = insert[3]!.split(',').map((v) => v.trim());
    const bound = columns.filter((_, i) => values[i] === '?');
    return { kind: 'write', table: unquote(insert[1]!), bound, selected: [] };
  }
  const select = /^\s*select\s+(.+?)\s+from\s+([\w."]+)(.*)$/is.exec(query);
  const markers = (text: string): string[] => [...text.matchAll(/([\w"]+)\s*=\s*\?/g)].map((m) => unquote(m[1]!));
  if (select) {
    const list = select[1]!.trim();
    return { kind: 'select', table: unquote(select[2]!), bound: markers(select[3]!), selected: list === '*' ? '*' : list.split(',').map(unquote) };
  }
  const update = /^\s*update\s+([\w."]+)\s+(.*)$/is.exec(query) ?? /^\s*delete\s+.*?\s+from\s+([\w."]+)(.*)$/is.exec(query);
  if (update) return { kind: 'write', table: unquote(update[1]!), bound: markers(update[2]!), selected: [] };
  return undefined;
}

function sampleRows(table: ResponderTable, columns: readonly ResponderColumn[], version: number): (Buffer | null)[][] {
  const row = columns.map((c) => encodeValue(c.sample, c.type, version));
  return Array.from({ length: table.rows ?? 1 }, () => row);
}

/** A RESULT body (no frame header), to be framed per request. */
function bodyOf(version: number, result: ResultOf): Buffer {
  return Buffer.from(encodeResponse(version, 0, { type: 'RESULT', result }).subarray(headerLength(version)));
}

/** A response as a frame, for the connection's framing to write. */
function responseFrame(version: number, stream: number, response: Response): Frame {
  const bytes = encodeResponse(version, stream, response);
  const header = headerLength(version);
  return { version, isResponse: true, flags: bytes.readUInt8(1), stream, opcode: bytes.readUInt8(header - 5), body: bytes.subarray(header) };
}

function uuidOf(text: string): string {
  const hex = createHash('md5').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
