/**
 * Write timestamps in microseconds since the epoch that never repeat and never go backwards,
 * even when the wall clock does: both clusters get the same value for one mutation, and later
 * mutations through this proxy always win over earlier ones.
 */
export class MicrosecondClock {
  private last = 0n;

  constructor(private readonly wallMicros: () => bigint = defaultWallMicros) {}

  next(): bigint {
    const now = this.wallMicros();
    this.last = now > this.last ? now : this.last + 1n;
    return this.last;
  }
}

function defaultWallMicros(): bigint {
  return BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1000));
}
