import cliProgress from 'cli-progress';

/**
 * Named progress bars on stderr, one line each (redrawn on a terminal, every 2 s otherwise),
 * and the rate of each since it was first shown: a resumed piece of work counts this run's
 * progress only.
 */
export class ProgressBars {
  private readonly bars: cliProgress.MultiBar;
  private readonly shown = new Map<string, cliProgress.SingleBar>();
  /** What each bar's rate counts had when first shown. */
  private readonly before = new Map<string, number>();
  private readonly started = Date.now();

  /** `format`: cli-progress's, with `{bar}`, `{value}`, `{total}` and the payload's names. */
  constructor(format: string) {
    this.bars = new cliProgress.MultiBar({ format, noTTYOutput: true, notTTYSchedule: 2000, stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
  }

  /** Per second since `name` was first shown, of `count`. */
  rate(name: string, count: number): number {
    if (!this.before.has(name)) this.before.set(name, count);
    return (count - this.before.get(name)!) / Math.max((Date.now() - this.started) / 1000, 0.001);
  }

  /** Shows (or moves) the bar `name` at `value` of `total`. */
  update(name: string, value: number, total: number, payload: object): void {
    let bar = this.shown.get(name);
    if (bar === undefined) {
      bar = this.bars.create(total, 0, payload);
      this.shown.set(name, bar);
    }
    bar.setTotal(total);
    bar.update(value, payload);
  }

  stop(): void {
    this.bars.stop();
  }
}
