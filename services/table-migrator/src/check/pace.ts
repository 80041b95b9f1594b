import { setTimeout as delay } from 'node:timers/promises';

/**
 * At most `perSecond` units a second, shared by all who take from it: each `take` waits its
 * turn, so the average over any stretch of time stays under the rate. 0: no limit.
 */
export class Pace {
  private next = 0;

  constructor(private readonly perSecond: number) {}

  async take(units: number): Promise<void> {
    if (this.perSecond <= 0 || units <= 0) return;
    const now = performance.now();
    const start = Math.max(now, this.next);
    this.next = start + (units * 1000) / this.perSecond;
    if (start > now) await delay(start - now);
  }
}
