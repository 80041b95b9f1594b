import type { LogRecord } from './event-log.js';
import type { RefusedRecord } from './errors.js';
import type { PartitionFailure } from './refusals.js';

/** One Kafka record to send: a whole record of the caller's, or a fragment of one. */
export interface Piece {
  /** Which of the caller's records it is (or is part of). */
  readonly index: number;
  readonly partition: number;
  readonly record: LogRecord;
  /** `encodedBytes` of the record. */
  readonly bytes: number;
}

/**
 * Cuts one produce call into sends, in order within each partition. The producer puts all of a
 * send's records for one partition in one record batch, and the broker refuses a batch over its
 * limit: so a send carries at most `batchBytes` of records per partition (a piece never exceeds
 * it alone), and `sendBytes` in all (the broker's `socket.request.max.bytes` bounds a request).
 * When the broker refuses a partition's batch of several records, those records are sent again
 * one per send to find which of them it refuses.
 */
export class SendPlan {
  private readonly queues = new Map<number, Piece[]>();
  /** Per partition, records to send alone: a batch holding them was refused. */
  private readonly suspects = new Map<number, Set<number>>();
  private readonly refusals = new Map<number, RefusedRecord>();

  constructor(
    pieces: readonly Piece[],
    private readonly batchBytes: number,
    private readonly sendBytes: number,
  ) {
    for (const piece of pieces) {
      const queue = this.queues.get(piece.partition) ?? [];
      queue.push(piece);
      this.queues.set(piece.partition, queue);
    }
  }

  /** Refused records, by index. */
  get refused(): RefusedRecord[] {
    return [...this.refusals.values()].sort((a, b) => a.index - b.index);
  }

  /** Records refused before anything was sent (their partition does not exist, they cannot be split). */
  refuse(refusal: RefusedRecord): void {
    this.refusals.set(refusal.index, refusal);
  }

  /** The next send, or an empty list once everything is written or refused. */
  next(): Piece[] {
    const send: Piece[] = [];
    let total = 0;
    for (const [partition, queue] of this.queues) {
      const suspects = this.suspects.get(partition);
      const alone = suspects?.has(queue[0]!.index) === true ? queue[0]!.index : undefined;
      let bytes = 0;
      for (const piece of queue) {
        if (alone !== undefined && piece.index !== alone) break;
        if (alone === undefined && suspects?.has(piece.index) === true) break;
        if (bytes > 0 && bytes + piece.bytes > this.batchBytes) break;
        if (total > 0 && total + piece.bytes > this.sendBytes) break;
        send.push(piece);
        bytes += piece.bytes;
        total += piece.bytes;
      }
      if (total >= this.sendBytes) break;
    }
    return send;
  }

  /** The broker wrote `partition`'s pieces of `send`. */
  written(send: readonly Piece[], partition: number): void {
    const queue = this.queues.get(partition)!;
    const count = send.filter((p) => p.partition === partition).length;
    queue.splice(0, count);
    this.settle(partition);
  }

  /** The broker refused `partition`'s pieces of `send`, for good. */
  failed(send: readonly Piece[], partition: number, failure: PartitionFailure): void {
    const indexes = new Set(send.filter((p) => p.partition === partition).map((p) => p.index));
    if (indexes.size > 1) {
      this.suspects.set(partition, new Set([...(this.suspects.get(partition) ?? []), ...indexes]));
      return;
    }
    const index = [...indexes][0]!;
    this.refusals.set(index, { index, code: failure.code, reason: failure.reason });
    // Its other fragments too: a record is written whole or not at all, as far as readers see.
    this.queues.set(
      partition,
      this.queues.get(partition)!.filter((p) => p.index !== index),
    );
    this.settle(partition);
  }

  private settle(partition: number): void {
    const queue = this.queues.get(partition)!;
    if (queue.length === 0) {
      this.queues.delete(partition);
      this.suspects.delete(partition);
      return;
    }
    const suspects = this.suspects.get(partition);
    if (suspects === undefined) return;
    const left = new Set(queue.map((p) => p.index));
    for (const index of suspects) if (!left.has(index)) suspects.delete(index);
  }
}
