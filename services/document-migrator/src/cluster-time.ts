/** A point on MongoDB's clock: a BSON Timestamp's seconds and its increment within the second. */
export interface ClusterTime {
  readonly t: number;
  readonly i: number;
}

/**
 * The write time of a document's version (µs, CQL's USING TIMESTAMP): MongoDB's own time for
 * it, the snapshot read's cluster time or the change event's `clusterTime`, seconds and
 * increment side by side. Versions then order on target as MongoDB ordered them, whatever order
 * they are loaded in. An increment past 999,999 (a million operations in one second) cannot be
 * placed without reordering, and is refused.
 */
export function versionTime(time: ClusterTime): bigint {
  if (!Number.isSafeInteger(time.t) || !Number.isSafeInteger(time.i) || time.i < 0 || time.i > 999_999) throw new RangeError(`cluster time ${time.t}.${time.i} has no place on the write-time scale (an increment from 0 to 999,999)`);
  return BigInt(time.t) * 1_000_000n + BigInt(time.i);
}

/** The cluster time a write time stands for: `versionTime` undone. */
export function clusterTimeOf(micros: number): ClusterTime {
  return { t: Math.floor(micros / 1e6), i: micros % 1e6 };
}
