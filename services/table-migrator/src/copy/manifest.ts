import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { TableState } from '@cutover/migration-state';
import { splitRing } from '../plan/token-ring.js';
import type { Staging } from './unload.js';

/** What a table's copy round staged: every chunk, its token range, rows and checksum. */
export interface Manifest {
  readonly migrationId: string;
  readonly table: string;
  readonly round: number;
  readonly rows: number;
  readonly bytes: number;
  readonly chunks: readonly {
    readonly chunk: number;
    readonly rangeStart: string;
    readonly rangeEnd: string;
    readonly key: string;
    readonly rows: number;
    /** Of the staged file. */
    readonly bytes: number;
    readonly sha256: string;
  }[];
}

/** The manifest of a table's current round, once every chunk of it is staged; undefined before. */
export function tableManifest(migrationId: string, table: TableState): Manifest | undefined {
  const copy = table.copy;
  if (copy === undefined || copy.round !== table.remigrations || copy.chunks === 0 || Object.keys(copy.unloaded).length < copy.chunks) return undefined;
  const chunks = splitRing(copy.chunks).map((range, chunk) => {
    const { s3Key: key, rows, bytes, sha256 } = copy.unloaded[chunk]!;
    return { chunk, rangeStart: range.start.toString(), rangeEnd: range.end.toString(), key, rows, bytes, sha256 };
  });
  return {
    migrationId,
    table: table.name,
    round: copy.round,
    rows: chunks.reduce((sum, c) => sum + c.rows, 0),
    bytes: chunks.reduce((sum, c) => sum + c.bytes, 0),
    chunks,
  };
}

/** Where a round's manifest is: beside its chunks. */
export function manifestKey(manifest: Pick<Manifest, 'migrationId' | 'table' | 'round'>): string {
  return `${manifest.migrationId}/${manifest.table}/r${manifest.round}/manifest.json`;
}

/** Stages the manifest; whoever writes it, it says the same, so writing it twice is harmless. */
export async function writeManifest(staging: Staging, manifest: Manifest): Promise<string> {
  const key = manifestKey(manifest);
  await staging.s3.send(new PutObjectCommand({ Bucket: staging.bucket, Key: key, Body: `${JSON.stringify(manifest, null, 2)}\n`, ContentType: 'application/json' }));
  return key;
}
