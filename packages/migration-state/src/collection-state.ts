import type { DocumentDifference } from './commands.js';
import type { CollectionFact } from './events.js';

export interface CollectionState {
  readonly name: string;
  readonly paused: boolean;
  readonly priority: number;
  /** Where it was listed when the migration started: the tie-break between equal priorities. */
  readonly position: number;
  /** Where it goes on target (keyspace.table), when the migration said (`--into`); otherwise its own names, adjusted to CQL's rules. */
  readonly into?: string;
  /** Whether target is truncated before the current round is read (its re-migration asked for it). */
  readonly truncate?: boolean;
  /** The last verification of the current round. */
  readonly verified?: LastCollectionVerification;
  /**
   * The current snapshot round: a new one begins when the change stream is lost (its history
   * rolled off), and the collection is read again whole.
   */
  readonly round: number;
  /** Why each earlier round ended, oldest first. */
  readonly lost: readonly string[];
  /** The current round, once a reader has planned it. */
  readonly copy?: CollectionCopy;
}

/** What the last verification of a collection found. */
export interface LastCollectionVerification {
  readonly startedAt: number;
  readonly recordedAt: number;
  readonly documents: number;
  readonly differences: number;
  readonly differingDocuments: readonly { readonly id: string; readonly kind: DocumentDifference }[];
}

/** A round's plan, as its CollectionPlanned says: target, the change stream's start, the ranges, the estimate and the error budget. */
export type CollectionPlan = Omit<Extract<CollectionFact, { type: 'CollectionPlanned' }>, 'type' | 'collection'>;

/** How far a snapshot round of a collection has got, from the document migrator's facts. */
export interface CollectionCopy extends CollectionPlan {
  /** Who planned the round, and when (ms since the epoch). */
  readonly planner: { readonly issuer: string; readonly at: number };
  /** By range: documents and BSON bytes read from MongoDB and put on the documents topic. */
  readonly read: Readonly<Record<number, { readonly documents: number; readonly bytes: number }>>;
  /** Where the change stream is: its resume token, the time of the last change on the documents topic, and when that was recorded (ms). */
  readonly changes?: { readonly resumeToken: string; readonly through: number; readonly at: number; readonly count: number };
  readonly loaded: LoadedDocuments;
  /** Documents deleted on target after the snapshot because MongoDB no longer had them (rounds after the first, not truncated). */
  readonly swept?: number;
}

/** What the loaders wrote to target, summed over the round. */
export interface LoadedDocuments {
  /** Versions written (a document read by the snapshot and changed since counts each time), and deletes. */
  readonly documents: number;
  readonly deletes: number;
  /** The bad documents' `_id`s, each once however often it was read. */
  readonly badDocumentIds: readonly string[];
  readonly badDocumentsFiles: readonly string[];
  /** The newest change written (µs on the write-time scale; 0: none yet). */
  readonly latestChange: number;
  /** By documents-topic partition: the last offset counted, so that events loaded twice are counted once. */
  readonly through: Readonly<Record<number, number>>;
}

const NOTHING_LOADED: LoadedDocuments = { documents: 0, deletes: 0, badDocumentIds: [], badDocumentsFiles: [], latestChange: 0, through: {} };

export function newCollection(name: string, position: number, into?: string): CollectionState {
  return { name, paused: false, priority: 0, position, round: 0, lost: [], ...(into === undefined ? {} : { into }) };
}

/** Collections in the order their snapshots are read: by priority, then as they were listed. */
export function collectionOrder(collections: Readonly<Record<string, CollectionState>>): CollectionState[] {
  return Object.values(collections).sort((a, b) => a.priority - b.priority || a.position - b.position);
}

/**
 * Whether a round's snapshot leaves behind documents target held from an earlier round that
 * MongoDB no longer has (deleted while no change stream was read): every round after the first
 * that did not truncate target. They are swept once the snapshot is read.
 */
export function needsSweep(collection: CollectionState): boolean {
  return collection.round > 0 && collection.truncate !== true;
}

/** A new snapshot round: what was read, loaded and verified of the last says nothing of it. */
export function nextRound(collection: CollectionState, truncate: boolean): CollectionState {
  const { copy: _copy, verified: _verified, truncate: _truncate, ...rest } = collection;
  return { ...rest, round: collection.round + 1, ...(truncate ? { truncate } : {}) };
}

/** A document migrator's fact about the current round of a collection; one about another round or an unknown collection changes nothing. */
export function withCollectionFact(collection: CollectionState, fact: CollectionFact, envelope: { readonly issuer: string; readonly at: number }): CollectionState {
  if (fact.round !== collection.round) return collection;
  const copy = collection.copy;
  switch (fact.type) {
    case 'CollectionPlanned': {
      // The first claim of a round is the round's; a reader taking over resumes it, plan unchanged.
      if (copy !== undefined) return collection;
      const { type: _type, collection: _name, ...plan } = fact;
      return { ...collection, copy: { ...plan, planner: { issuer: envelope.issuer, at: envelope.at }, read: {}, loaded: NOTHING_LOADED } };
    }
    case 'ChangeStreamLost':
      return { ...nextRound(collection, false), lost: [...collection.lost, fact.reason] };
  }
  if (copy === undefined) return collection;
  switch (fact.type) {
    case 'RangeRead':
      return { ...collection, copy: { ...copy, read: { ...copy.read, [fact.range]: { documents: fact.documents, bytes: fact.bytes } } } };
    case 'CollectionSwept':
      return { ...collection, copy: { ...copy, swept: fact.deleted } };
    case 'ChangesRead': {
      // Checkpoints of two readers (one taking over) may interleave: the furthest counts.
      if (copy.changes !== undefined && copy.changes.through > fact.through) return collection;
      const count = (copy.changes?.count ?? 0) + fact.changes;
      return { ...collection, copy: { ...copy, changes: { resumeToken: fact.resumeToken, through: fact.through, at: envelope.at, count } } };
    }
    case 'DocumentsLoaded': {
      const loaded = copy.loaded;
      if ((loaded.through[fact.partition] ?? -1) >= fact.toOffset) return collection; // loaded again after a loader died before committing
      return {
        ...collection,
        copy: {
          ...copy,
          loaded: {
            documents: loaded.documents + fact.documents,
            deletes: loaded.deletes + fact.deletes,
            badDocumentIds: [...new Set([...loaded.badDocumentIds, ...fact.badDocumentIds])],
            badDocumentsFiles: fact.badDocumentsKey === null ? loaded.badDocumentsFiles : [...loaded.badDocumentsFiles, fact.badDocumentsKey],
            latestChange: Math.max(loaded.latestChange, fact.latestChange),
            through: { ...loaded.through, [fact.partition]: fact.toOffset },
          },
        },
      };
    }
  }
}
