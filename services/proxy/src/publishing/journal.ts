import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import { ProxyError } from '../errors.js';
import { DirectoryLock } from './directory-lock.js';

export type FsyncPolicy = 'always' | 'never';

export interface JournalOptions {
  /** This proxy's own directory (PROXY_SPOOL_DIR/PROXY_ID); created if missing. */
  readonly dir: string;
  /** The proxy id, written in the lock file and named in errors. */
  readonly owner: string;
  /** always: an append resolves once fdatasync'd; never: once written (the page cache). */
  readonly fsync: FsyncPolicy;
  /** Unpublished bytes on disk (entries and their headers) past which appends are refused (PROXY_SPOOL_MAX_BYTES). */
  readonly maxBytes: number;
  /** A new segment file is started once the current one reaches this size; default 64 MiB. */
  readonly segmentBytes?: number;
  /** Recently written entries kept in memory, so the publisher reads them without the disk; default 32 MiB. */
  readonly cacheBytes?: number;
  /**
   * Writes (each with its fdatasync under 'always') start at most this often, so that a
   * steady stream of appends makes few large writes rather than many small ones: an fdatasync
   * costs the same CPU for one entry as for a thousand. An append waits at most this much
   * longer. Default 0: a write starts as soon as the previous one is done.
   */
  readonly commitIntervalMs?: number;
}

/**
 * A place in the journal: after `index` entries (counted from the journal's creation), at byte
 * `offset` of the segment file whose first entry is number `segment`. Compare positions by `index`.
 */
export interface Position {
  readonly segment: number;
  readonly offset: number;
  readonly index: number;
}

/**
 * A segment damaged after it was written (the disk, or a hand): the entries from the damage to
 * the segment's end cannot be read. `skipTo` is where reading can go on, `lost` how many
 * entries are left behind.
 */
export class JournalCorrupt extends ProxyError {
  constructor(
    message: string,
    readonly skipTo: Position,
    readonly lost: number,
  ) {
    super('JOURNAL_CORRUPT', message);
  }
}

export interface JournalEntry {
  readonly bytes: Buffer;
  /** When it was appended (ms since the epoch). */
  readonly appendedAt: number;
}

/**
 * Every entry on disk is a 16-byte header and the payload: CRC-32 (u32) of everything after it,
 * payload length (u32), appendedAt ms (u64), payload. The checksum covers the length and the
 * time too, so a tail of zeros (what a file extended but never written reads as after a
 * machine crash) is not taken for an empty entry.
 */
const HEADER_BYTES = 16;
const MAX_PAYLOAD_BYTES = 0xffffffff;
/** Segment files are named after the index of their first entry, zero-padded so they sort. */
const SEGMENT_NAME = /^(\d{20})\.seg$/;
const CHECKPOINT = 'published';
/**
 * The checkpoint file is rewritten at most this often (and when segments go, and on close): a
 * busy proxy does not pay a file rewrite per batch, and a crash re-publishes at most this much
 * (consumers dedupe by event id).
 */
const CHECKPOINT_EVERY_MS = 1000;
/** Disk reads go in pieces of at most this much, whatever the size of a segment. */
const READ_PIECE_BYTES = 4 * 1024 * 1024;
const MIN_READ_PIECE_BYTES = 64 * 1024;


interface Segment {
  /** The index of its first entry, and its name. */
  readonly base: number;
  /** Bytes of complete entries: what was written without error (and synced, under fsync 'always'). */
  size: number;
}

interface Append {
  readonly entries: readonly Buffer[];
  readonly at: number;
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

interface Cached extends JournalEntry {
  readonly segment: number;
  /** Its end offset in the segment. */
  readonly end: number;
}

interface Parsed extends JournalEntry {
  readonly end: number;
}

/**
 * The proxy's journal: an append-only log of opaque entries in segment files on local disk.
 * Every mutation is appended here before (or while) it reaches Kafka; a publisher reads the
 * entries in order, publishes them and says so with `published`, and segments wholly published
 * are deleted. When Kafka is away the journal just grows, up to `maxBytes`.
 *
 * Appends are group-committed: whatever is appended while a write is under way goes out in the
 * next single write (and one fdatasync under 'always'), in call order. All I/O is asynchronous.
 */
export class Journal {
  /** Appends not yet being written; the next write takes them all. */
  private queue: Append[] = [];
  /** Bytes of the appends queued or being written. */
  private queuedBytes = 0;
  /** The write loop, while it runs. */
  private writer: Promise<void> | undefined;
  /** `published` calls run one at a time (they share the checkpoint's temp file). */
  private publishing: Promise<void> = Promise.resolve();
  /** The latest written entries, oldest first from `cacheHead`; their indexes end at `end.index`. */
  private cache: Cached[] = [];
  private cacheHead = 0;
  private cachedBytes = 0;
  /** Bytes of written, unpublished entries. */
  private unpublished: number;
  /** appendedAt of the oldest unpublished entry, when there is one. */
  private oldestAt: number | undefined;
  /** Set when the disk refused a write (ENOSPC, EDQUOT); cleared when `published` frees space. */
  private diskFull = false;
  /** A failed write may have left bytes past the last good entry: cut them before writing again. */
  private dirtyTail = false;
  private closed = false;
  /** When the last write started. */
  private writtenAt = 0;
  /** When the checkpoint file was last written, and whether it is behind the checkpoint. */
  private savedAt = 0;
  private saved = true;

  private constructor(
    private readonly options: Required<JournalOptions>,
    private readonly lock: DirectoryLock,
    /** The active (last) segment, open for writing. */
    private file: FileHandle,
    private readonly segments: Segment[],
    private end: Position,
    private checkpoint: Position,
    /** What opening had to repair, in sentences for the log (a stale lock, a torn tail, an unusable checkpoint). */
    readonly repairs: readonly string[],
  ) {
    this.unpublished = this.bytesAfter(checkpoint);
  }

  /** True when the lock of a proxy that is no longer running was taken over. */
  get recoveredStaleLock(): boolean {
    return this.lock.tookOver !== undefined;
  }

  /**
   * Opens (or creates) the journal in `options.dir`: takes its lock, cuts a torn tail off the
   * last segment, and resumes after the checkpoint. Only the last segment is read; the earlier
   * ones were complete when the next one was started.
   */
  static async open(options: JournalOptions): Promise<Journal> {
    const dir = resolve(options.dir);
    const settings = { ...options, dir, segmentBytes: options.segmentBytes ?? 64 * 1024 * 1024, cacheBytes: options.cacheBytes ?? 32 * 1024 * 1024, commitIntervalMs: options.commitIntervalMs ?? 0 };
    if (!(settings.maxBytes > 0 && settings.segmentBytes > 0 && settings.cacheBytes >= 0)) {
      throw new RangeError(`journal sizes must be positive (maxBytes ${settings.maxBytes}, segmentBytes ${settings.segmentBytes})`);
    }
    await mkdir(dir, { recursive: true });
    const lock = await DirectoryLock.take(dir, options.owner);
    try {
      return await Journal.load(settings, lock);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  private static async load(options: Required<JournalOptions>, lock: DirectoryLock): Promise<Journal> {
    const { dir } = options;
    const repairs = lock.tookOver === undefined ? [] : [lock.tookOver];
    await rm(join(dir, `${CHECKPOINT}.tmp`), { force: true });
    const bases = (await readdir(dir)).flatMap((name) => SEGMENT_NAME.exec(name)?.[1] ?? []).map(Number).sort((a, b) => a - b);
    const segments: Segment[] = await Promise.all(bases.map(async (base) => ({ base, size: (await stat(segmentPath(dir, base))).size })));
    const saved = await readCheckpoint(dir);
    if (saved === 'unreadable') repairs.push(`the checkpoint in ${dir} was unreadable: publishing resumes at the oldest segment, so some entries may be published twice`);
    let file: FileHandle;
    if (segments.length === 0) {
      const base = typeof saved === 'object' ? saved.index : 0;
      file = await open(segmentPath(dir, base), 'wx');
      segments.push({ base, size: 0 });
      if (options.fsync === 'always') await syncDirectory(dir);
    } else {
      file = await open(segmentPath(dir, segments.at(-1)!.base), 'r+');
    }
    try {
      const last = segments.at(-1)!;
      const tail = await scan(file, last.size);
      if (tail.end < last.size) {
        // Whatever follows the first bad entry was never acknowledged; appending after it would hide what comes next.
        await file.truncate(tail.end);
        if (options.fsync === 'always') await file.datasync();
        repairs.push(`cut ${last.size - tail.end} bytes off the end of ${segmentPath(dir, last.base)} (${tail.damage}): an append interrupted by a crash, never acknowledged`);
        last.size = tail.end;
      }
      const end = { segment: last.base, offset: last.size, index: last.base + tail.entries };
      const checkpoint = usableCheckpoint(saved, segments, end, repairs, dir);
      const journal = new Journal(options, lock, file, segments, end, checkpoint, repairs);
      await journal.updateOldest();
      return journal;
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  get maxBytes(): number {
    return this.options.maxBytes;
  }

  /** Bytes (entries and their headers) written to disk and not yet published. */
  get unpublishedBytes(): number {
    return this.unpublished;
  }

  /** Entries written to disk and not yet published (appends still being written are not counted). */
  get unpublishedEntries(): number {
    return this.end.index - this.checkpoint.index;
  }

  get oldestUnpublishedAt(): number | undefined {
    return this.oldestAt;
  }

  /** The position after the last entry written to disk. */
  get writtenEnd(): Position {
    return this.end;
  }

  /**
   * Whether an entry of `bytes` more (payload) would be taken now: false when it would pass
   * `maxBytes` with what is unpublished and being written, or while the disk is refusing writes.
   */
  canTake(bytes: number): boolean {
    return !this.diskFull && this.unpublished + this.queuedBytes + HEADER_BYTES + bytes <= this.options.maxBytes;
  }

  /**
   * Appends entries, in order after every earlier call. Resolves once they are written (and
   * synced under fsync 'always'); rejects, writing none of them, with ProxyError JOURNAL_FULL
   * when they would pass `maxBytes` or the disk is full, or with the I/O error that failed
   * their write. The journal keeps the buffers (its cache hands them to `read`): do not change them.
   */
  append(entries: readonly Buffer[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`the journal of proxy ${this.options.owner} in ${this.options.dir} is closed`));
    let bytes = 0;
    for (const entry of entries) {
      if (entry.length > MAX_PAYLOAD_BYTES) return Promise.reject(new RangeError(`a journal entry is at most ${MAX_PAYLOAD_BYTES} bytes, not ${entry.length}`));
      bytes += HEADER_BYTES + entry.length;
    }
    const refusal = this.refusal(bytes);
    if (refusal !== undefined) return Promise.reject(refusal);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ entries, at: Date.now(), bytes, resolve, reject });
      this.queuedBytes += bytes;
      this.writer ??= this.writeQueued();
    });
  }

  /**
   * Written entries after `after` (by default after the checkpoint), in order, with at most
   * `maxBytes` of payload but always at least one when there is one; `end` is the position
   * after the last one returned (`after` itself when none).
   */
  async read(after: Position | undefined, maxBytes: number): Promise<{ entries: JournalEntry[]; end: Position }> {
    const from = after ?? this.checkpoint;
    if (from.index > this.end.index) throw new RangeError(`journal position ${describe(from)} is past the end of what was written (${describe(this.end)})`);
    if (from.index === this.end.index) return { entries: [], end: from };
    return this.readCached(from, maxBytes) ?? (await this.readDisk(from, maxBytes));
  }

  /**
   * Records that everything up to `upTo` (a position `read` returned) is in Kafka, and deletes
   * the segments wholly before it. The checkpoint file is replaced atomically but not synced:
   * after a machine crash a few entries may be published again, never fewer.
   */
  published(upTo: Position): Promise<void> {
    const done = this.publishing.then(() => this.publish(upTo));
    this.publishing = done.catch(() => undefined);
    return done;
  }

  /** Waits for the appends under way, closes the files and removes the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer;
    await this.publishing;
    if (!this.saved) await this.saveCheckpoint();
    await this.file.close();
    await this.lock.release();
  }

  private refusal(bytes: number): ProxyError | undefined {
    const { owner, dir, maxBytes } = this.options;
    if (this.diskFull) {
      return new ProxyError('JOURNAL_FULL', `the disk of the journal of proxy ${owner} (${dir}) is full: appends are refused until publishing to Kafka frees space`);
    }
    const waiting = this.unpublished + this.queuedBytes;
    if (waiting + bytes > maxBytes) {
      return new ProxyError(
        'JOURNAL_FULL',
        `the journal of proxy ${owner} (${dir}) holds ${waiting} bytes not yet in Kafka; ${bytes} more would pass its maximum of ${maxBytes} (PROXY_SPOOL_MAX_BYTES)`,
      );
    }
    return undefined;
  }

  /** The write loop: one write (and one sync) per group of appends queued meanwhile. */
  private async writeQueued(): Promise<void> {
    // The appends of the same turn of the event loop go in the first write too.
    await Promise.resolve();
    while (this.queue.length > 0) {
      const wait = this.writtenAt + this.options.commitIntervalMs - Date.now();
      if (wait > 0) await delay(wait);
      this.writtenAt = Date.now();
      const group = this.queue;
      this.queue = [];
      try {
        await this.write(group);
      } catch (error) {
        this.queuedBytes -= group.reduce((sum, a) => sum + a.bytes, 0);
        const failure = await this.failed(error);
        for (const append of group) append.reject(failure);
        if (this.diskFull) {
          // What was queued behind would meet the same full disk.
          for (const append of this.queue) append.reject(failure);
          this.queue = [];
          this.queuedBytes = 0;
        }
      }
    }
    this.writer = undefined;
  }

  private async write(group: readonly Append[]): Promise<void> {
    if (this.dirtyTail) {
      await this.file.truncate(this.active.size);
      this.dirtyTail = false;
    }
    if (this.active.size >= this.options.segmentBytes) await this.roll();
    const count = group.reduce((sum, a) => sum + a.entries.length, 0);
    if (count === 0) {
      for (const append of group) append.resolve();
      return;
    }
    const headers = Buffer.allocUnsafe(count * HEADER_BYTES);
    const parts: Buffer[] = [];
    let bytes = 0;
    for (const { entries, at } of group) {
      for (const payload of entries) {
        const n = parts.length / 2;
        const header = headers.subarray(n * HEADER_BYTES, (n + 1) * HEADER_BYTES);
        header.writeUInt32BE(payload.length, 4);
        header.writeBigUInt64BE(BigInt(at), 8);
        header.writeUInt32BE(crc32(payload, crc32(header.subarray(4))), 0);
        parts.push(header, payload);
        bytes += HEADER_BYTES + payload.length;
      }
    }
    const segment = this.active;
    this.dirtyTail = true;
    const { bytesWritten } = await this.file.writev(parts, segment.size);
    if (bytesWritten !== bytes) throw new Error(`short write to ${segmentPath(this.options.dir, segment.base)}: ${bytesWritten} of ${bytes} bytes`);
    if (this.options.fsync === 'always') await this.file.datasync();
    this.dirtyTail = false;

    // Written: from here on, synchronously, the entries become readable and the appends resolve.
    if (this.unpublishedEntries === 0) this.oldestAt = group.find((a) => a.entries.length > 0)?.at;
    let offset = segment.size;
    for (const { entries, at } of group) {
      for (const payload of entries) {
        offset += HEADER_BYTES + payload.length;
        this.cache.push({ bytes: payload, appendedAt: at, segment: segment.base, end: offset });
        this.cachedBytes += payload.length;
      }
    }
    segment.size = offset;
    this.end = { segment: segment.base, offset, index: this.end.index + count };
    this.unpublished += bytes;
    this.queuedBytes -= bytes;
    this.trimCache();
    for (const append of group) append.resolve();
  }

  /** After a failed write: cut what it may have left, and tell a full disk apart from other errors. */
  private async failed(error: unknown): Promise<unknown> {
    if (this.dirtyTail) {
      try {
        await this.file.truncate(this.active.size);
        this.dirtyTail = false;
      } catch {
        // Tried again before the next write, which does not start until it succeeds.
      }
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOSPC' && code !== 'EDQUOT') return error;
    this.diskFull = true;
    const full = new ProxyError('JOURNAL_FULL', `the disk refused a write to the journal of proxy ${this.options.owner} (${this.options.dir}): ${code}; appends are refused until publishing to Kafka frees space`);
    full.cause = error;
    return full;
  }

  /** Starts a new segment. The one it ends is synced first, whatever the policy: segments before the last are never torn. */
  private async roll(): Promise<void> {
    await this.file.datasync();
    const base = this.end.index;
    const file = await open(segmentPath(this.options.dir, base), 'wx');
    const previous = this.file;
    this.file = file;
    this.segments.push({ base, size: 0 });
    this.end = { segment: base, offset: 0, index: base };
    this.dirtyTail = false;
    await previous.close().catch(() => undefined);
    if (this.options.fsync === 'always') await syncDirectory(this.options.dir);
  }

  private get active(): Segment {
    return this.segments.at(-1)!;
  }

  private async publish(upTo: Position): Promise<void> {
    if (upTo.index <= this.checkpoint.index) return;
    const segment = this.segments.find((s) => s.base === upTo.segment);
    if (upTo.index > this.end.index || segment === undefined || upTo.offset > segment.size) {
      throw new RangeError(`journal position ${describe(upTo)} is not one this journal wrote (written up to ${describe(this.end)})`);
    }
    this.checkpoint = this.normalize(upTo);
    if (this.diskFull && this.unpublishedEntries === 0 && this.writer === undefined && this.active.size > 0) {
      // Everything is published but the disk is full: only a fresh segment lets the active one go.
      try {
        await this.roll();
        this.checkpoint = this.end;
      } catch {
        // The disk stays refused; the next `published` tries again.
      }
    }
    // Deleting a wholly published segment before the checkpoint names a later one is safe: a
    // checkpoint in a deleted segment resumes at the oldest remaining one. So space is freed
    // first, which also makes room for the checkpoint file on a full disk.
    let freed = false;
    while (this.segments.length > 1 && this.segments[0]!.base < this.checkpoint.segment) {
      await rm(segmentPath(this.options.dir, this.segments[0]!.base), { force: true });
      this.segments.shift();
      freed = true;
    }
    if (freed) this.diskFull = false;
    this.unpublished = this.bytesAfter(this.checkpoint);
    this.trimCache();
    await this.updateOldest();
    this.saved = false;
    if (freed || Date.now() - this.savedAt >= CHECKPOINT_EVERY_MS) await this.saveCheckpoint();
  }

  private async saveCheckpoint(): Promise<void> {
    const temp = join(this.options.dir, `${CHECKPOINT}.tmp`);
    await writeFile(temp, `${JSON.stringify(this.checkpoint)}\n`);
    await rename(temp, join(this.options.dir, CHECKPOINT));
    this.savedAt = Date.now();
    this.saved = true;
  }

  /** The same place, but at the start of the next segment when it is at the end of one: then nothing before it is needed. */
  private normalize(position: Position): Position {
    const at = this.segments.findIndex((s) => s.base === position.segment);
    const next = this.segments[at + 1];
    return next !== undefined && position.offset >= this.segments[at]!.size ? { segment: next.base, offset: 0, index: position.index } : position;
  }

  /** Bytes on disk from `position` to the end. */
  private bytesAfter(position: Position): number {
    let bytes = -position.offset;
    for (const s of this.segments) if (s.base >= position.segment) bytes += s.size;
    return bytes;
  }

  /** The index of the oldest cached entry (the cache holds the entries up to the end). */
  private get cacheStart(): number {
    return this.end.index - (this.cache.length - this.cacheHead);
  }

  /** Drops the cached entries already published, and the oldest past `cacheBytes`. */
  private trimCache(): void {
    let index = this.cacheStart;
    while (this.cacheHead < this.cache.length && (index < this.checkpoint.index || this.cachedBytes > this.options.cacheBytes)) {
      this.cachedBytes -= this.cache[this.cacheHead]!.bytes.length;
      this.cacheHead++;
      index++;
    }
    if (this.cacheHead > 1024 && this.cacheHead * 2 > this.cache.length) {
      this.cache = this.cache.slice(this.cacheHead);
      this.cacheHead = 0;
    }
  }

  private readCached(from: Position, maxBytes: number): { entries: JournalEntry[]; end: Position } | undefined {
    const first = this.cacheStart;
    if (from.index < first) return undefined;
    const entries: JournalEntry[] = [];
    let bytes = 0;
    let end = from;
    for (let i = this.cacheHead + (from.index - first); i < this.cache.length; i++) {
      const cached = this.cache[i]!;
      if (entries.length > 0 && bytes + cached.bytes.length > maxBytes) break;
      entries.push({ bytes: cached.bytes, appendedAt: cached.appendedAt });
      bytes += cached.bytes.length;
      end = { segment: cached.segment, offset: cached.end, index: end.index + 1 };
    }
    return { entries, end };
  }

  private async readDisk(from: Position, maxBytes: number): Promise<{ entries: JournalEntry[]; end: Position }> {
    let segment = this.segments.find((s) => s.base === from.segment);
    if (segment === undefined) {
      throw new RangeError(`journal position ${describe(from)} is in a segment that ${from.segment < this.segments[0]!.base ? 'was published and deleted' : 'does not exist'}`);
    }
    const entries: JournalEntry[] = [];
    let bytes = 0;
    let end = from;
    let offset = from.offset;
    const enough = (): boolean => entries.length > 0 && bytes >= maxBytes;
    // Segments are found by name, not by place in the list: `published` may delete some meanwhile.
    for (; segment !== undefined && !enough(); segment = this.segmentAfter(segment.base), offset = 0) {
      if (offset >= segment.size) continue;
      const path = segmentPath(this.options.dir, segment.base);
      const file = await open(path, 'r');
      try {
        while (offset < segment.size && !enough()) {
          const want = Math.min(READ_PIECE_BYTES, Math.max(MIN_READ_PIECE_BYTES, maxBytes - bytes + HEADER_BYTES));
          const piece = await readEntries(file, offset, segment.size, want);
          for (const entry of piece.entries) {
            if (entries.length > 0 && bytes + entry.bytes.length > maxBytes) return { entries, end };
            entries.push({ bytes: entry.bytes, appendedAt: entry.appendedAt });
            bytes += entry.bytes.length;
            end = { segment: segment.base, offset: entry.end, index: end.index + 1 };
          }
          if (piece.damage !== undefined) {
            // What came before the damage goes out first; the next read meets the damage itself.
            if (entries.length > 0) return { entries, end };
            const message = `journal segment ${path} is corrupt at byte ${piece.end}: ${piece.damage}`;
            const next = this.segmentAfter(segment.base);
            if (next === undefined) throw new Error(message);
            throw new JournalCorrupt(message, { segment: next.base, offset: 0, index: next.base }, next.base - end.index);
          }
          offset = piece.end;
        }
      } finally {
        await file.close();
      }
    }
    return { entries, end };
  }

  private segmentAfter(base: number): Segment | undefined {
    return this.segments.find((s) => s.base > base);
  }

  /** Finds when the oldest unpublished entry was appended: in the cache, or in the header on disk. */
  private async updateOldest(): Promise<void> {
    const checkpoint = this.checkpoint;
    const first = this.cacheStart;
    if (checkpoint.index >= this.end.index) this.oldestAt = undefined;
    else if (checkpoint.index >= first) this.oldestAt = this.cache[this.cacheHead + checkpoint.index - first]!.appendedAt;
    else {
      const file = await open(segmentPath(this.options.dir, checkpoint.segment), 'r');
      try {
        const at = Number((await readAt(file, checkpoint.offset, HEADER_BYTES)).readBigUInt64BE(8));
        // Entries written meanwhile came after this one, so it is still the oldest, unless the checkpoint moved.
        if (this.checkpoint === checkpoint) this.oldestAt = at;
      } finally {
        await file.close();
      }
    }
  }
}

function segmentPath(dir: string, base: number): string {
  return join(dir, `${String(base).padStart(20, '0')}.seg`);
}

function describe(position: Position): string {
  return `entry ${position.index} (segment ${position.segment}, byte ${position.offset})`;
}

/**
 * Complete entries from byte `from` of a segment, up to `limit` (its good size): about `want`
 * bytes of them, but at least one whole entry however large. Stops at the first damaged entry.
 */
async function readEntries(file: FileHandle, from: number, limit: number, want: number): Promise<{ entries: Parsed[]; end: number; damage?: string }> {
  let buffer = await readAt(file, from, Math.min(limit - from, want));
  const entries: Parsed[] = [];
  let at = 0;
  while (from + at < limit) {
    if (from + at + HEADER_BYTES > limit) return { entries, end: from + at, damage: 'an incomplete entry header' };
    if (at + HEADER_BYTES > buffer.length) break;
    const size = HEADER_BYTES + buffer.readUInt32BE(at + 4);
    if (from + at + size > limit) return { entries, end: from + at, damage: `an entry of ${size} bytes that runs past the end` };
    if (at + size > buffer.length) {
      if (entries.length > 0) break;
      buffer = await readAt(file, from, size);
    }
    if (crc32(buffer.subarray(at + 4, at + size)) !== buffer.readUInt32BE(at)) return { entries, end: from + at, damage: 'an entry whose checksum does not match' };
    entries.push({ bytes: buffer.subarray(at + HEADER_BYTES, at + size), appendedAt: Number(buffer.readBigUInt64BE(at + 8)), end: from + at + size });
    at += size;
  }
  return { entries, end: from + at };
}

/** Counts the good entries of the last segment, piece by piece, and finds where they end. */
async function scan(file: FileHandle, size: number): Promise<{ entries: number; end: number; damage?: string }> {
  let entries = 0;
  let end = 0;
  while (end < size) {
    const piece = await readEntries(file, end, size, READ_PIECE_BYTES);
    entries += piece.entries.length;
    end = piece.end;
    if (piece.damage !== undefined) return { entries, end, damage: piece.damage };
  }
  return { entries, end };
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await file.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) throw new Error(`a journal segment ended at byte ${position + filled}, before the ${length} bytes expected from byte ${position}`);
    filled += bytesRead;
  }
  return buffer;
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readCheckpoint(dir: string): Promise<Position | 'unreadable' | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, CHECKPOINT), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const { segment, offset, index } = JSON.parse(text) as Partial<Record<keyof Position, unknown>>;
    const valid = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
    return valid(segment) && valid(offset) && valid(index) && index >= segment ? { segment, offset, index } : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/**
 * Where publishing resumes. A checkpoint never claims more than was published, so when it
 * cannot be used as it is the journal resumes earlier (some entries are published again).
 */
function usableCheckpoint(saved: Position | 'unreadable' | undefined, segments: readonly Segment[], end: Position, repairs: string[], dir: string): Position {
  const first = segments[0]!;
  const start = { segment: first.base, offset: 0, index: first.base };
  if (typeof saved !== 'object') return start;
  if (saved.index >= end.index) {
    if (saved.index > end.index) repairs.push(`the checkpoint in ${dir} is past the end of the journal (entries written without fsync were lost in a crash): nothing is left to publish`);
    return end;
  }
  // Its segment was deleted (after the checkpoint moved on, which a crash may have undone).
  if (saved.index <= first.base) return start;
  const at = segments.findIndex((s) => s.base === saved.segment);
  const segment = segments[at];
  if (segment === undefined || saved.offset > segment.size) {
    repairs.push(`the checkpoint in ${dir} names ${describe(saved)}, which is not in the journal: publishing resumes at the oldest segment, so some entries may be published twice`);
    return start;
  }
  const next = segments[at + 1];
  return next !== undefined && saved.offset === segment.size ? { segment: next.base, offset: 0, index: saved.index } : saved;
}
