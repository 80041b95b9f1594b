/** How far back a rate looks. */
const WINDOW_MS = 30_000;

/**
 * Rates of counts that grow (rows loaded, documents read), each from its samples of the last
 * 30 seconds: what a progress bar's rate and ETA need, with nothing but the state's counts.
 */
export class RateMeter {
  private readonly samples = new Map<string, { at: number; count: number }[]>();

  /** Records `count` of `name` at `at` (ms), and returns its rate per second (0 until two samples are apart). */
  sample(name: string, count: number, at: number): number {
    const list = this.samples.get(name) ?? [];
    this.samples.set(name, list);
    // A count that went down began again (a re-migration): its old samples say nothing of now.
    if (list.length > 0 && list[list.length - 1]!.count > count) list.length = 0;
    if (list.length === 0 || list[list.length - 1]!.at < at) list.push({ at, count });
    while (list.length > 2 && list[1]!.at <= at - WINDOW_MS) list.shift();
    const first = list[0]!;
    const seconds = (at - first.at) / 1000;
    return seconds <= 0 ? 0 : (count - first.count) / seconds;
  }
}

/** Seconds until `done` reaches `total` at `rate` a second; undefined when it cannot be told. */
export function etaSeconds(done: number, total: number, rate: number): number | undefined {
  if (done >= total) return 0;
  return rate > 0 ? Math.ceil((total - done) / rate) : undefined;
}
