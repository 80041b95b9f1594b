/**
 * Hands records from a kafkajs consumer (which pushes) to an async iterator (which pulls),
 * holding at most about `highWaterBytes` of values: a slow reader slows the consumer down.
 */
export class RecordQueue<T extends { readonly value: Buffer }> {
  private readonly items: T[] = [];
  private bytes = 0;
  private closed = false;
  private failure: { error: unknown } | undefined;
  private readonly readers = new Set<() => void>();
  private readonly writers = new Set<() => void>();

  constructor(private readonly highWaterBytes: number) {}

  /** Resolves once the queue has room again (or is closed). */
  async push(item: T): Promise<void> {
    if (this.closed) return;
    this.items.push(item);
    this.bytes += item.value.length;
    this.wake(this.readers);
    while (this.bytes > this.highWaterBytes && !this.closed) await new Promise<void>((resolve) => this.writers.add(resolve));
  }

  /** No more records: readers get what is left, then the end (or `error`, if given). */
  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    if (error !== undefined) this.failure = { error };
    this.wake(this.readers);
    this.wake(this.writers);
  }

  /** The next record, or undefined at the end or once `signal` aborts. */
  async shift(signal?: AbortSignal): Promise<T | undefined> {
    for (;;) {
      if (signal?.aborted === true) return undefined;
      const item = this.items.shift();
      if (item !== undefined) {
        this.bytes -= item.value.length;
        if (this.bytes <= this.highWaterBytes) this.wake(this.writers);
        return item;
      }
      if (this.failure !== undefined) throw this.failure.error;
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal?.removeEventListener('abort', done);
          this.readers.delete(done);
          resolve();
        };
        this.readers.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  private wake(waiting: Set<() => void>): void {
    const all = [...waiting];
    waiting.clear();
    for (const resolve of all) resolve();
  }
}
