import type { Config } from '@cutover/config';
import type { ControlPlane } from '@cutover/control-plane';
import { compareCollection } from '@cutover/document-migrator';
import { MAX_RECORDED_ROWS, collectionProgress, type MigrationState } from '@cutover/migration-state';
import { cassandraClient, mongoClient } from '@cutover/stack';
import type { Output } from '../output.js';
import { defaultIssuer } from './control.js';

/** How often a differing document is looked at again, and how long apart: the loaders catch up meanwhile. */
const LOOKS = 3;
const APART_MS = 1000;

/**
 * `cutover verify database.collection`: every document of each collection compared with its
 * table on target, once its snapshot is read; the result recorded in the migration (the commit
 * gate waits for it). Returns how many collections differ or could not be compared.
 */
export async function verifyCollections(names: readonly string[], state: MigrationState, config: Config, plane: ControlPlane, json: boolean, io: Output): Promise<number> {
  const mongo = mongoClient(config);
  const target = cassandraClient(config.target);
  let failed = 0;
  try {
    for (const name of names) {
      const collection = state.collections[name]!;
      const progress = collectionProgress(collection);
      if (progress.phase !== 'following' || progress.target === undefined) {
        io.err(`${name}: cannot be verified yet: its snapshot is ${progress.phase === 'failed' ? `failed (${progress.failure ?? ''})` : 'not read yet'} (cutover migrate documents)`);
        failed++;
        continue;
      }
      const startedAt = Date.now();
      const comparison = await compareCollection(mongo, target, name, progress.target, { looks: LOOKS, apartMs: APART_MS });
      const { documents, targetDocuments, badDocuments, differences } = comparison;
      if (differences.length > 0) failed++;
      if (json) io.out(JSON.stringify({ collection: name, target: progress.target, documents, targetDocuments, badDocuments, matches: differences.length === 0, differences }));
      else {
        io.out(`${name} → ${progress.target}: ${documents} documents compared (${targetDocuments} on target${badDocuments > 0 ? `, ${badDocuments} bad documents left out` : ''}): ${differences.length === 0 ? 'agrees' : `${differences.length} differ`}`);
        for (const d of differences) io.out(`  ${d.kind}: _id ${d.id}`);
      }
      const [verdict] = await plane.issue(
        { type: 'RecordCollectionVerification', collection: name, round: collection.round, startedAt, documents, targetDocuments, badDocuments, differences: differences.length, differingDocuments: differences.slice(0, MAX_RECORDED_ROWS) },
        { migrationId: state.migrationId!, issuer: defaultIssuer(), reason: 'cutover verify' },
      );
      if (verdict?.event.type === 'CommandRejected') io.err(`${name}: not recorded in the migration: ${verdict.event.rejection}`);
    }
    return failed;
  } finally {
    await Promise.all([mongo.close(), target.shutdown()]);
  }
}
