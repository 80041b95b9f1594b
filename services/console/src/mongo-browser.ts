import type { MongoClient } from 'mongodb';

export interface CollectionSummary {
  readonly name: string;
  readonly documents: number;
  /** Bytes of its documents (BSON), when MongoDB tells. */
  readonly bytes: number | null;
}

export interface DatabaseSummary {
  readonly name: string;
  readonly bytes: number | null;
  readonly collections: readonly CollectionSummary[];
}

/** A MongoDB connection string as a page may show it: no user, no password, no options (they may hold secrets). */
export function redactedUri(uri: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/)(?:([^@/?]*)@)?([^/?]*)/.exec(uri);
  if (match === null) return '(not a MongoDB address)';
  return `${match[1]}${match[2] === undefined ? '' : '[redacted]@'}${match[3]}`;
}

/** MongoDB's own databases: not the application's. */
const SYSTEM = new Set(['admin', 'config', 'local']);

/** What the start page offers: each of MongoDB's databases, its collections with their counts and sizes. */
export async function mongoDatabases(mongo: MongoClient): Promise<DatabaseSummary[]> {
  const { databases } = await mongo.db('admin').admin().listDatabases({ nameOnly: false });
  const wanted = databases.filter((d) => !SYSTEM.has(d.name)).sort((a, b) => a.name.localeCompare(b.name));
  return Promise.all(
    wanted.map(async (database) => {
      const db = mongo.db(database.name);
      const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((name) => !name.startsWith('system.'));
      const collections = await Promise.all(
        names.sort().map(async (name): Promise<CollectionSummary> => {
          const collection = db.collection(name);
          const documents = await collection.estimatedDocumentCount();
          // collStats is gone from MongoDB 8 and absent from some stand-ins: the size is a nicety.
          const bytes = await collection
            .aggregate<{ storageStats?: { size?: number } }>([{ $collStats: { storageStats: {} } }])
            .toArray()
            .then(([stats]) => stats?.storageStats?.size ?? null)
            .catch(() => null);
          return { name, documents, bytes };
        }),
      );
      return { name: database.name, bytes: typeof database.sizeOnDisk === 'number' ? database.sizeOnDisk : null, collections };
    }),
  );
}
