import { needsSweep, type CollectionCopy, type CollectionState } from './collection-state.js';

/** Where a collection's migration stands, for progress bars, `cutover state` and metrics. */
export interface CollectionProgress {
  readonly collection: string;
  readonly round: number;
  /**
   * waiting: no reader has planned the round; snapshot: ranges are being read (and, in a round
   * after the first, what MongoDB no longer has swept off target); following: every range is
   * read, changes go on; failed: more bad documents than the round's budget (`failure`).
   */
  readonly phase: 'waiting' | 'snapshot' | 'following' | 'failed';
  readonly target?: string;
  readonly ranges: number;
  readonly rangesRead: number;
  readonly documentsRead: number;
  readonly bytesRead: number;
  readonly estimatedDocuments: number;
  readonly estimatedBytes: number;
  readonly changesRead: number;
  /** Document versions written and deletes applied on target, snapshot and changes together (a document read again after a reader died counts again). */
  readonly documentsLoaded: number;
  readonly deletesLoaded: number;
  readonly badDocuments: number;
  readonly badDocumentsFiles: readonly string[];
  /** How far target is behind the change stream: from the newest change loaded to the newest read, in seconds. */
  readonly changeLagSeconds: number;
  readonly failure?: string;
}

export function collectionProgress(collection: CollectionState): CollectionProgress {
  const copy = collection.copy;
  const read = Object.values(copy?.read ?? {});
  const loaded = copy?.loaded;
  const failure = copy === undefined ? undefined : overBudget(copy);
  const ranges = copy?.ranges.length ?? 0;
  const through = copy?.changes?.through ?? 0;
  return {
    collection: collection.name,
    round: collection.round,
    phase: copy === undefined ? 'waiting' : failure !== undefined ? 'failed' : read.length < ranges || (needsSweep(collection) && copy.swept === undefined) ? 'snapshot' : 'following',
    ...(copy === undefined ? {} : { target: copy.target }),
    ranges,
    rangesRead: read.length,
    documentsRead: read.reduce((sum, r) => sum + r.documents, 0),
    bytesRead: read.reduce((sum, r) => sum + r.bytes, 0),
    estimatedDocuments: copy?.estimatedDocuments ?? 0,
    estimatedBytes: copy?.estimatedBytes ?? 0,
    changesRead: copy?.changes?.count ?? 0,
    documentsLoaded: loaded?.documents ?? 0,
    deletesLoaded: loaded?.deletes ?? 0,
    badDocuments: loaded?.badDocumentIds.length ?? 0,
    badDocumentsFiles: loaded?.badDocumentsFiles ?? [],
    changeLagSeconds: copy === undefined ? 0 : Math.max(0, through - Math.max(copy.loaded.latestChange, copy.startAt)) / 1e6,
    ...(failure === undefined ? {} : { failure }),
  };
}

/** Why the round is over its error budget, if it is (counted as a table copy's bad rows are). */
function overBudget(copy: CollectionCopy): string | undefined {
  const { documents } = copy.loaded;
  const badDocuments = copy.loaded.badDocumentIds.length;
  if (copy.maxBadDocuments !== null && badDocuments > copy.maxBadDocuments) return `${badDocuments} bad documents, over the budget of ${copy.maxBadDocuments}`;
  const percent = (100 * badDocuments) / Math.max(1, badDocuments + documents);
  if (copy.maxBadDocumentsPercent !== null && percent > copy.maxBadDocumentsPercent) {
    return `${badDocuments} bad documents of ${badDocuments + documents} (${percent.toFixed(2)}%), over the budget of ${copy.maxBadDocumentsPercent}%`;
  }
  return undefined;
}
