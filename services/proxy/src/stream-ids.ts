/**
 * Stream ids of one cluster connection. The proxy multiplexes its own requests over each
 * cluster connection, so it hands out its own ids instead of reusing the client's; an id goes
 * back to the pool only when the cluster has answered it (a timed-out request keeps its id until
 * the late answer arrives, so that answer cannot be mistaken for another request's).
 */
export class StreamIdPool {
  private readonly free: number[];

  constructor(size = 32768) {
    // Popped from the end: low ids first, which keeps frames easy to read in captures.
    this.free = Array.from({ length: size }, (_, i) => size - 1 - i);
  }

  /** An id, or undefined when every id is in flight. */
  acquire(): number | undefined {
    return this.free.pop();
  }

  release(id: number): void {
    this.free.push(id);
  }

  get available(): number {
    return this.free.length;
  }
}
