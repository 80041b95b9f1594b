import type { MigrationState } from '@cutover/migration-state';

/** How often, at most, a change of the state goes out to the pages. */
const TICK_MS = 250;

/**
 * One follower of the logs for every open page: when the state changes, the snapshot is made
 * once (at most every 250 ms) and handed to each subscriber.
 */
export class StateFeed<T> {
  private readonly subscribers = new Set<(snapshot: T) => void>();
  private scheduled?: NodeJS.Timeout;
  private version = 0;

  constructor(
    source: { onChange(listener: () => void): void; readonly state: MigrationState },
    private readonly snapshot: () => T,
  ) {
    source.onChange(() => this.schedule());
  }

  /** How many snapshots have gone out: each one's SSE id. */
  get sent(): number {
    return this.version;
  }

  /** `listener` hears each snapshot from now on, until the returned function is called. */
  subscribe(listener: (snapshot: T) => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  private schedule(): void {
    if (this.scheduled !== undefined || this.subscribers.size === 0) return;
    this.scheduled = setTimeout(() => {
      this.scheduled = undefined;
      this.version++;
      const snapshot = this.snapshot();
      for (const subscriber of this.subscribers) subscriber(snapshot);
    }, TICK_MS);
  }

  close(): void {
    clearTimeout(this.scheduled);
    this.subscribers.clear();
  }
}
