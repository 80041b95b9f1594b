import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { appendFile, open, readdir, readFile, rm, stat, symlink, writeFile, type FileHandle } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ProxyError } from '../src/errors.ts';
import { Journal, JournalCorrupt, type JournalEntry, type JournalOptions, type Position } from '../src/publishing/journal.ts';
import { legacySpoolEntries } from '../src/publishing/legacy-spool.ts';

const HEADER_BYTES = 16;
const tempDir = (): string => mkdtempSync(join(tmpdir(), 'cutover-journal-'));

function openJournal(dir: string, options: Partial<JournalOptions> = {}): Promise<Journal> {
  return Journal.open({ dir, owner: 'proxy-0', fsync: 'never', maxBytes: 1024 ** 3, ...options });
}

/** A payload of `size` bytes that says which it is. */
function payload(n: number, size = 100): Buffer {
  const bytes = Buffer.alloc(size, n % 251);
  bytes.writeUInt32BE(n, 0);
  return bytes;
}

const numbers = (entries: readonly JournalEntry[]): number[] => entries.map((e) => e.bytes.readUInt32BE(0));
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** Everything after `after`, read `maxBytes` at a time. */
async function readAll(journal: Journal, after?: Position, maxBytes = 1024 ** 2): Promise<{ entries: JournalEntry[]; reads: number[] }> {
  const entries: JournalEntry[] = [];
  const reads: number[] = [];
  let position = after;
  for (;;) {
    const { entries: some, end } = await journal.read(position, maxBytes);
    if (some.length === 0) return { entries, reads };
    entries.push(...some);
    reads.push(some.length);
    position = end;
  }
}

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.seg')).sort();
}

/** Counts calls to a method of every FileHandle (the real one still runs). */
async function spyOnFiles(method: 'writev' | 'datasync' | 'read'): Promise<{ readonly calls: number; restore(): void }> {
  const handle = await open(tmpdir(), 'r');
  const prototype = Object.getPrototypeOf(handle) as Record<typeof method, (this: FileHandle, ...args: unknown[]) => unknown>;
  await handle.close();
  const original = prototype[method];
  let calls = 0;
  prototype[method] = function (this: FileHandle, ...args: unknown[]) {
    calls++;
    return original.apply(this, args);
  };
  return {
    get calls() {
      return calls;
    },
    restore: () => void (prototype[method] = original),
  };
}

describe('Journal', () => {
  it('reads back what was appended, in order, and after `published` only what is left, also after reopening', async () => {
    const dir = tempDir();
    let journal = await openJournal(dir);
    assert.equal(journal.oldestUnpublishedAt, undefined);
    const before = Date.now();
    await journal.append([payload(0), payload(1)]);
    await journal.append([payload(2)]);
    assert.equal(journal.unpublishedEntries, 3);
    assert.equal(journal.unpublishedBytes, 3 * (HEADER_BYTES + 100));
    assert.ok(journal.oldestUnpublishedAt! >= before && journal.oldestUnpublishedAt! <= Date.now());
    const { entries, end } = await journal.read(undefined, 1024);
    assert.deepEqual(numbers(entries), [0, 1, 2]);
    assert.deepEqual(entries[2]!.bytes, payload(2));
    assert.deepEqual(end, journal.writtenEnd);
    assert.deepEqual((await journal.read(end, 1024)).entries, [], 'nothing after the end');

    await journal.published(end);
    assert.equal(journal.unpublishedEntries, 0);
    assert.equal(journal.unpublishedBytes, 0);
    assert.equal(journal.oldestUnpublishedAt, undefined);
    assert.deepEqual((await journal.read(undefined, 1024)).entries, [], 'reads resume after the checkpoint');
    await journal.append([payload(3)]);
    await journal.close();

    journal = await openJournal(dir);
    assert.equal(journal.unpublishedEntries, 1);
    assert.equal(journal.unpublishedBytes, HEADER_BYTES + 100);
    assert.deepEqual(journal.repairs, []);
    await journal.append([payload(4)]);
    assert.deepEqual(numbers((await readAll(journal)).entries), [3, 4]);
    await journal.close();
  });

  it('with a commit interval, appends spread over it go out in one write and one sync', async () => {
    const writes = await spyOnFiles('writev');
    const syncs = await spyOnFiles('datasync');
    try {
      const journal = await openJournal(tempDir(), { fsync: 'always', commitIntervalMs: 200 });
      await journal.append([payload(0)]); // the first write starts at once
      const started = performance.now();
      const appended: Promise<void>[] = [];
      for (let n = 1; n <= 5; n++) {
        appended.push(journal.append([payload(n)]));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await Promise.all(appended);
      assert.ok(performance.now() - started >= 150, 'the next write waited for the interval');
      assert.equal(writes.calls, 2, 'five appends 10 ms apart share the second write');
      assert.equal(syncs.calls, 2);
      assert.deepEqual(numbers((await readAll(journal)).entries), range(0, 6));
      await journal.close();
    } finally {
      writes.restore();
      syncs.restore();
    }
  });

  it('group-commits: the appends of one turn, and those made while a write is under way, go out in one write and one sync each', async (t) => {
    const writes = await spyOnFiles('writev');
    const syncs = await spyOnFiles('datasync');
    try {
      const journal = await openJournal(tempDir(), { fsync: 'always' });
      const resolved: number[] = [];
      let started = performance.now();
      await Promise.all(range(0, 200).map((n) => journal.append([payload(n)]).then(() => resolved.push(n))));
      t.diagnostic(`200 appends in one group, written and fdatasync'd in ${(performance.now() - started).toFixed(2)} ms`);
      assert.deepEqual(resolved, range(0, 200), 'resolved in call order');
      assert.equal(writes.calls, 1);
      assert.equal(syncs.calls, 1);

      started = performance.now();
      const first = journal.append([payload(200)]).then(() => resolved.push(200));
      // The write of the first one is now under way (it starts a microtask later and waits on the disk).
      for (let i = 0; i < 3; i++) await Promise.resolve();
      const rest = range(201, 251).map((n) => journal.append([payload(n)]).then(() => resolved.push(n)));
      await Promise.all([first, ...rest]);
      t.diagnostic(`a write and a group waiting behind it, each fdatasync'd: ${(performance.now() - started).toFixed(2)} ms`);
      assert.equal(writes.calls, 3, 'the 50 appends made meanwhile share one write');
      assert.equal(syncs.calls, 3);
      assert.deepEqual(resolved, range(0, 251));
      assert.deepEqual(numbers((await readAll(journal)).entries), range(0, 251), 'on disk in call order');
      await journal.close();
    } finally {
      writes.restore();
      syncs.restore();
    }
  });

  for (const { damage, harm } of [
    { damage: 'an entry cut short', harm: (path: string) => appendFile(path, Buffer.concat([header(100), Buffer.alloc(50, 7)])) },
    { damage: 'a tail of zeros', harm: (path: string) => appendFile(path, Buffer.alloc(4096)) },
    { damage: 'a last entry whose checksum fails', harm: flipLastByte },
  ]) {
    it(`cuts a torn tail (${damage}) at open, so what is appended after it is not lost`, async () => {
      const dir = tempDir();
      let journal = await openJournal(dir);
      for (let n = 0; n < 5; n++) await journal.append([payload(n)]);
      await journal.close();
      const [segment] = await segmentFiles(dir);
      await harm(join(dir, segment!));

      journal = await openJournal(dir);
      assert.match(journal.repairs.join('\n'), /^cut \d+ bytes off the end of .*\.seg/);
      const survivors = damage.includes('checksum') ? 4 : 5;
      assert.equal(journal.unpublishedEntries, survivors);
      await journal.append([payload(10)]);
      await journal.append([payload(11)]);
      await journal.close();

      journal = await openJournal(dir);
      assert.deepEqual(journal.repairs, [], 'nothing left to cut');
      assert.deepEqual(numbers((await readAll(journal)).entries), [...range(0, survivors), 10, 11]);
      await journal.close();
    });
  }

  it('rolls segments, reads across them in pieces of at most maxBytes, deletes those published, and resumes at the checkpoint', async () => {
    const dir = tempDir();
    const entryBytes = HEADER_BYTES + 100;
    let journal = await openJournal(dir, { segmentBytes: 1000, cacheBytes: 0 });
    for (let n = 0; n < 100; n++) await journal.append([payload(n)]);
    const files = await segmentFiles(dir);
    assert.equal(files.length, 12, '9 entries of 116 bytes pass 1000 bytes');
    assert.equal(files[1], `${'9'.padStart(20, '0')}.seg`, 'named after their first entry');

    const inTwos = await readAll(journal, undefined, 250);
    assert.deepEqual(numbers(inTwos.entries), range(0, 100));
    assert.deepEqual(inTwos.reads, Array<number>(50).fill(2), 'at most 250 bytes of payload a read');
    assert.deepEqual(numbers((await readAll(journal, undefined, 1)).entries), range(0, 100), 'at least one entry a read');
    const { end: middle } = await journal.read(undefined, 50 * 100);
    assert.equal(middle.index, 50);

    await journal.published(middle);
    const left = await segmentFiles(dir);
    assert.deepEqual(left, files.slice(5), 'the segments of entries 0 to 44 are gone; entry 50 is in the one from 45');
    assert.equal(journal.unpublishedEntries, 50);
    assert.equal(journal.unpublishedBytes, 50 * entryBytes);
    const oldest = journal.oldestUnpublishedAt;
    await journal.close();

    journal = await openJournal(dir, { segmentBytes: 1000 });
    assert.equal(journal.unpublishedEntries, 50);
    assert.equal(journal.unpublishedBytes, 50 * entryBytes);
    assert.equal(journal.oldestUnpublishedAt, oldest);
    await journal.append([payload(100)]);
    assert.deepEqual(numbers((await readAll(journal, undefined, 300)).entries), range(50, 101));
    await assert.rejects(journal.read({ segment: 0, offset: 0, index: 0 }, 100), /published and deleted/);
    await journal.close();
  });

  it('serves the latest entries from memory and older ones from disk, alike', async () => {
    const journal = await openJournal(tempDir(), { segmentBytes: 1000, cacheBytes: 500 });
    for (let n = 0; n < 20; n++) await journal.append([payload(n)]);
    const reads = await spyOnFiles('read');
    try {
      const { entries, end } = await journal.read(undefined, 1000);
      assert.ok(reads.calls > 0, 'entry 0 left the cache: read from disk');
      assert.deepEqual(numbers(entries), range(0, 10));
      const fromDisk = await readAll(journal, end, 250);
      const { end: after14 } = await journal.read(undefined, 15 * 100);
      assert.equal(after14.index, 15);
      const before = reads.calls;
      const latest = await journal.read(after14, 1000);
      assert.equal(reads.calls, before, 'the last 5 entries (500 bytes) come from memory');
      assert.deepEqual(numbers(latest.entries), range(15, 20));
      assert.deepEqual(latest.end, journal.writtenEnd);
      assert.deepEqual(numbers(fromDisk.entries), range(10, 20));
    } finally {
      reads.restore();
    }
    await journal.close();
  });

  it('opens a large journal fast, reading only its last segment', async (t) => {
    const dir = tempDir();
    const size = 64 * 1024;
    const count = 3200; // 200 MiB
    let journal = await openJournal(dir, { segmentBytes: 4 * 1024 ** 2, cacheBytes: 0 });
    for (let n = 0; n < count; n += 32) await journal.append(range(n, n + 32).map((i) => payload(i, size)));
    await journal.close();
    const files = await segmentFiles(dir);
    const onDisk = (await Promise.all(files.map(async (f) => (await stat(join(dir, f))).size))).reduce((a, b) => a + b);

    const memory = (): number => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const memoryBefore = memory();
    const started = performance.now();
    journal = await openJournal(dir, { segmentBytes: 4 * 1024 ** 2 });
    const openMs = performance.now() - started;
    const grew = memory() - memoryBefore;
    t.diagnostic(`opened ${files.length} segments, ${(onDisk / 1024 ** 2).toFixed(0)} MiB, in ${openMs.toFixed(1)} ms; memory grew by ${(grew / 1024 ** 2).toFixed(1)} MiB`);
    assert.ok(openMs < 1000, `opened in ${openMs} ms`);
    assert.ok(grew < 32 * 1024 ** 2, `memory grew by ${grew} bytes`);
    assert.equal(journal.unpublishedBytes, onDisk);
    assert.equal(journal.unpublishedEntries, count);
    const { entries } = await journal.read(undefined, 1);
    assert.deepEqual(entries[0]!.bytes, payload(0, size));
    await journal.close();
    await rm(dir, { recursive: true });
  });

  it('refuses appends past maxBytes with JOURNAL_FULL, counting those being written, until publishing makes room', async () => {
    const entryBytes = HEADER_BYTES + 100;
    const journal = await openJournal(tempDir(), { maxBytes: 8 * entryBytes + 10 });
    const settled = await Promise.allSettled(range(0, 9).map((n) => journal.append([payload(n)])));
    assert.deepEqual(
      settled.map((s) => s.status),
      [...Array<string>(8).fill('fulfilled'), 'rejected'],
    );
    const refused = (settled[8] as PromiseRejectedResult).reason as ProxyError;
    assert.ok(refused instanceof ProxyError);
    assert.equal(refused.code, 'JOURNAL_FULL');
    assert.match(refused.message, /proxy-0 .* holds 928 bytes not yet in Kafka; 116 more would pass its maximum of 938 \(PROXY_SPOOL_MAX_BYTES\)/);
    assert.equal(journal.canTake(100), false);
    assert.equal(journal.canTake(0), false);
    assert.equal(journal.unpublishedEntries, 8, 'the refused append wrote nothing');

    const { end } = await journal.read(undefined, 100);
    await journal.published(end);
    assert.equal(journal.canTake(100), true);
    await assert.rejects(journal.append([payload(20), payload(21)]), { code: 'JOURNAL_FULL' }, 'all of an append or none of it');
    await journal.append([payload(8)]);
    assert.deepEqual(numbers((await readAll(journal)).entries), range(1, 9));
    await journal.close();
  });

  it('is locked to one process: a second open is refused with SPOOL_LOCKED naming the holder; a stale lock is taken over', async () => {
    const dir = tempDir();
    const journal = await openJournal(dir);
    await assert.rejects(openJournal(dir, { owner: 'proxy-1' }), (error: ProxyError) => {
      assert.equal(error.code, 'SPOOL_LOCKED');
      assert.match(error.message, /in use by proxy proxy-0 \(this process\).*give each proxy its own PROXY_ID or PROXY_SPOOL_DIR/);
      return true;
    });
    await journal.close();
    await assert.rejects(readFile(join(dir, 'LOCK')), { code: 'ENOENT' }, 'close removes the lock');

    const other = spawn('sleep', ['30']);
    try {
      await writeFile(join(dir, 'LOCK'), JSON.stringify({ owner: 'proxy-7', pid: other.pid, host: hostname() }));
      await assert.rejects(openJournal(dir), (error: ProxyError) => {
        assert.equal(error.code, 'SPOOL_LOCKED');
        assert.match(error.message, new RegExp(`in use by proxy proxy-7 \\(pid ${other.pid} on `));
        return true;
      });
    } finally {
      other.kill();
    }

    const gone = spawnSync('true').pid;
    await writeFile(join(dir, 'LOCK'), JSON.stringify({ owner: 'proxy-9', pid: gone, host: hostname() }));
    const recovered = await openJournal(dir);
    assert.equal(recovered.recoveredStaleLock, true);
    assert.match(recovered.repairs[0]!, new RegExp(`took over the journal lock .* of proxy proxy-9 \\(pid ${gone} on .*no longer running`));
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'LOCK'), 'utf8')), { owner: 'proxy-0', pid: process.pid, host: hostname() });
    await recovered.close();
  });

  for (const fsync of ['always', 'never'] as const) {
    it(`works with fsync '${fsync}' (${fsync === 'always' ? 'one fdatasync per write' : 'no fdatasync'})`, async () => {
      const dir = tempDir();
      const syncs = await spyOnFiles('datasync');
      try {
        const journal = await openJournal(dir, { fsync });
        await journal.append([payload(0), payload(1)]);
        await journal.append([payload(2)]);
        assert.equal(syncs.calls, fsync === 'always' ? 2 : 0);
        await journal.close();
      } finally {
        syncs.restore();
      }
      const journal = await openJournal(dir, { fsync });
      assert.deepEqual(numbers((await readAll(journal)).entries), [0, 1, 2]);
      await journal.close();
    });
  }

  it('waits on close for the appends under way', async () => {
    const dir = tempDir();
    const journal = await openJournal(dir, { fsync: 'always' });
    let written = false;
    const appended = journal.append([payload(0)]).then(() => (written = true));
    await journal.close();
    assert.equal(written, true);
    await appended;
    await assert.rejects(journal.append([payload(1)]), /closed/);
    const reopened = await openJournal(dir);
    assert.deepEqual(numbers((await readAll(reopened)).entries), [0]);
    await reopened.close();
  });

  it('reads up to the damage in an earlier segment, then names it and where reading goes on', async () => {
    const dir = tempDir();
    let journal = await openJournal(dir, { segmentBytes: 1000 });
    for (let n = 0; n < 30; n++) await journal.append([payload(n)]);
    await journal.close();
    const [first] = await segmentFiles(dir);
    await flipLastByte(join(dir, first!));
    journal = await openJournal(dir);
    // The entries before the damage are read; then the damage is named, with where reading can go on.
    const before = await journal.read(undefined, 1024 ** 2);
    assert.ok(before.entries.length > 0);
    const damaged = await journal.read(before.end, 1024 ** 2).then(() => undefined, (error: unknown) => error);
    assert.ok(damaged instanceof JournalCorrupt, String(damaged));
    assert.match(damaged.message, /journal segment .*00000000000000000000\.seg is corrupt at byte 928: an entry whose checksum does not match/);
    assert.equal(damaged.lost, 1, 'the damaged entry is the segment\'s last');
    await journal.published(damaged.skipTo);
    const rest = await journal.read(undefined, 1024 ** 2);
    assert.equal(numbers(rest.entries)[0], before.entries.length + 1, 'reading goes on after the damaged segment');
    await journal.close();
  });

  it('refuses appends when the disk is full (ENOSPC), writing nothing, until publishing deletes a segment', async () => {
    const dir = tempDir();
    let journal = await openJournal(dir);
    await journal.append([payload(0), payload(1)]);
    await journal.close();
    // The next segment is /dev/full, where every write fails with ENOSPC.
    await symlink('/dev/full', join(dir, `${'2'.padStart(20, '0')}.seg`));
    journal = await openJournal(dir);
    await assert.rejects(journal.append([payload(2)]), (error: ProxyError) => {
      assert.equal(error.code, 'JOURNAL_FULL');
      assert.equal((error.cause as NodeJS.ErrnoException).code, 'ENOSPC');
      return true;
    });
    assert.equal(journal.canTake(1), false);
    await assert.rejects(journal.append([payload(3)]), { code: 'JOURNAL_FULL' });
    const { entries, end } = await journal.read(undefined, 1024);
    assert.deepEqual(numbers(entries), [0, 1], 'the failed appends left nothing');
    assert.equal(journal.unpublishedEntries, 2);
    await journal.published(end);
    assert.deepEqual(await segmentFiles(dir), [`${'2'.padStart(20, '0')}.seg`]);
    assert.equal(journal.canTake(1), true, 'deleting a segment freed space');
    await journal.close();
  });

  it('reads the spool file of an older proxy, without its torn last record', async () => {
    const dir = tempDir();
    const record = (topic: string, key: Buffer | null, value: Buffer): Buffer => {
      const name = Buffer.from(topic);
      const lengths = Buffer.alloc(10);
      lengths.writeUInt16BE(name.length, 0);
      lengths.writeInt32BE(key === null ? -1 : key.length, 2);
      return Buffer.concat([lengths.subarray(0, 2), name, lengths.subarray(2, 6), key ?? Buffer.alloc(0), u32(value.length), value]);
    };
    const torn = record('cutover.mutations', null, Buffer.from('cut short')).subarray(0, 25);
    await writeFile(join(dir, 'proxy-0.spool'), Buffer.concat([record('cutover.mutations', Buffer.from('k1'), Buffer.from('v1')), record('cutover.heals', null, Buffer.from('v2')), torn]));
    assert.deepEqual(await legacySpoolEntries(join(dir, 'proxy-0.spool')), [
      { topic: 'cutover.mutations', key: Buffer.from('k1'), value: Buffer.from('v1') },
      { topic: 'cutover.heals', key: null, value: Buffer.from('v2') },
    ]);
    assert.deepEqual(await legacySpoolEntries(join(dir, 'missing.spool')), []);
  });
});

function u32(n: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(n);
  return bytes;
}

/** The header of an entry of `length` bytes (its checksum is not checked before the payload is complete). */
function header(length: number): Buffer {
  const bytes = Buffer.alloc(HEADER_BYTES);
  bytes.writeUInt32BE(length, 4);
  return bytes;
}

async function flipLastByte(path: string): Promise<void> {
  const file = await open(path, 'r+');
  try {
    const { size } = await file.stat();
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, size - 1);
    byte[0] = byte[0]! ^ 0xff;
    await file.write(byte, 0, 1, size - 1);
  } finally {
    await file.close();
  }
}
