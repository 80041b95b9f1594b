/** Murmur3Partitioner's ring: tokens are signed 64-bit; no key ever gets the minimum. */
export const MIN_TOKEN = -(2n ** 63n);
export const MAX_TOKEN = 2n ** 63n - 1n;

/** A token range, `start` exclusive and `end` inclusive, as CQL's `token(k) > ? AND token(k) <= ?` reads it. */
export interface TokenRange {
  readonly start: bigint;
  readonly end: bigint;
}

/** The whole ring in `count` contiguous ranges of (nearly) equal width, in token order. */
export function splitRing(count: number): TokenRange[] {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`a ring splits into a whole number of ranges, at least 1, not ${count}`);
  const width = (MAX_TOKEN - MIN_TOKEN) / BigInt(count);
  return Array.from({ length: count }, (_, i) => ({
    start: MIN_TOKEN + width * BigInt(i),
    end: i === count - 1 ? MAX_TOKEN : MIN_TOKEN + width * BigInt(i + 1),
  }));
}
