import type { Config } from '@cutover/config';
import { compareCollection, migrateDocuments } from '@cutover/document-migrator';
import { collectionProgress } from '@cutover/migration-state';
import { Binary, Decimal128, Double, Int32, Long, ObjectId, UUID, type Document } from 'mongodb';
import { commandLogger } from '../command-logger.js';
import { documentOptions, openDocuments } from './document-setup.js';

const DATABASE = 'cutover_demo_docs';
/** The demo's collection: the migration starts with it. */
export const DOCUMENT_COLLECTION = `${DATABASE}.orders`;
const DOCUMENTS = 20_000;

export interface DocumentMigrationReport {
  readonly documents: number;
  readonly seconds: number;
  /** Inserts, updates, replaces and deletes the application made in MongoDB meanwhile. */
  readonly changes: number;
  /** Documents on MongoDB and on target at the end, and those that differ. */
  readonly mongoDocuments: number;
  readonly targetDocuments: number;
  readonly differences: number;
  readonly target: string;
}

/** A document of every BSON type the Data API mapping takes, its `_id` of one of five types. */
function documentOf(i: number): Document {
  const ids = [() => new ObjectId(), () => `order-${i}`, () => new Int32(i), () => new UUID(), () => Long.fromNumber(1e12 + i)];
  return {
    _id: ids[i % ids.length]!(),
    customer: { name: `Customer ${i % 500}`, address: { city: ['Lyon', 'Porto', 'Oslo'][i % 3], zip: String(10_000 + (i % 9000)) }, vip: i % 10 === 0 },
    lines: [{ sku: `SKU-${i % 97}`, quantity: new Int32(1 + (i % 4)), price: new Decimal128(`${i % 500}.99`) }, { sku: 'GIFT', quantity: new Int32(1), price: new Decimal128('0.00') }],
    total: new Double((i % 500) + 0.99),
    placed: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
    events: Long.fromNumber(i * 3),
    receipt: new Binary(Buffer.from(`receipt ${i}`)),
    tracking: new UUID(),
    tags: i % 2 === 0 ? ['gift', 'express'] : [],
    note: i % 7 === 0 ? null : `order ${i}`,
  };
}

/**
 * The MongoDB path: a collection of 20,000 documents copied to target (snapshot by `_id` ranges,
 * then the change stream, through Kafka) while an application inserts, updates, replaces and
 * deletes; then every document compared on both sides and the verification recorded.
 */
export async function documentMigration(config: Config, prefix: string, say: (line: string) => void): Promise<DocumentMigrationReport> {
  const documents = await openDocuments(config, prefix, commandLogger(config, 'demo').logger);
  const { mongo, target, control } = documents.ctx;
  try {
    say(`creating ${DOCUMENT_COLLECTION} in MongoDB: ${DOCUMENTS} documents of every BSON type the Data API takes`);
    await mongo.db(DATABASE).dropDatabase();
    await target.execute(`DROP KEYSPACE IF EXISTS ${DATABASE}`);
    const orders = mongo.db(DATABASE).collection('orders');
    for (let from = 0; from < DOCUMENTS; from += 1000) await orders.insertMany(Array.from({ length: 1000 }, (_, k) => documentOf(from + k)));
    // The migration (started with the tables) has the collection waiting: its reader plans it now.

    const stop = new AbortController();
    let changes = 0;
    const application = (async () => {
      for (let i = DOCUMENTS; !stop.signal.aborted; i++) {
        await orders.insertOne(documentOf(i));
        await orders.updateOne({ 'customer.name': `Customer ${i % 500}`, note: `order ${i - DOCUMENTS}` }, { $set: { status: 'shipped' }, $inc: { events: 1 } });
        const { _id: _replacedId, ...replacement } = documentOf(i - DOCUMENTS + 1);
        await orders.replaceOne({ note: `order ${i - DOCUMENTS + 1}` }, { ...replacement, replaced: true });
        if (i % 2 === 0) await orders.deleteOne({ note: `order ${i - DOCUMENTS + 2}` });
        changes += i % 2 === 0 ? 4 : 3;
      }
    })();
    say('the application changes the collection in MongoDB; meanwhile cutover migrate documents copies it');
    const started = performance.now();
    const options = documentOptions(config, prefix);
    // Copied while the application writes; once it stops, until target has caught up with every change.
    const copied = migrateDocuments(documents.ctx, { ...options, workerId: 'demo-documents', untilSynced: true, onProgress: (progress) => void (progress[0]?.phase === 'following' && stop.abort()) });
    await application;
    await copied;
    const seconds = (performance.now() - started) / 1000;

    say('comparing every document on MongoDB and target');
    const state = (await control.history()).state.collections[DOCUMENT_COLLECTION]!;
    const table = collectionProgress(state).target!;
    const comparison = await compareCollection(mongo, target, DOCUMENT_COLLECTION, table, { looks: 3, apartMs: 1000 });
    await control.issue(
      { type: 'RecordCollectionVerification', collection: DOCUMENT_COLLECTION, round: state.round, startedAt: Date.now(), documents: comparison.documents, targetDocuments: comparison.targetDocuments, badDocuments: comparison.badDocuments, differences: comparison.differences.length, differingDocuments: comparison.differences.slice(0, 1000) },
      { migrationId: prefix.slice(0, -1), issuer: 'demo', reason: 'the demo' },
    );
    return { documents: DOCUMENTS, seconds, changes, mongoDocuments: comparison.documents, targetDocuments: comparison.targetDocuments, differences: comparison.differences.length, target: table };
  } finally {
    await documents.close();
  }
}
