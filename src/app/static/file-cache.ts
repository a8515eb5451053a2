// A brief cache of what the file system said about a path: realpath and the
// root check, stat, per-file data built from them (headers, ETag, …), and
// for small files an open descriptor. A hot file then costs one Map lookup
// instead of realpath + stat + open + close per request; metadataTtlMs
// bounds how stale the answer may be (like nginx's open_file_cache).
//
// Descriptor lifetime. A cached fd is handed out with closeAfter:false and
// a model may still be sending from it (sendfile) after handle() returned;
// nothing tells us when it is done. So a descriptor is never closed when its
// entry goes away: it is "retired" and closed after a grace period far longer
// than sending a cached (≤ 1 MiB) file takes within the send timeout.
// While the inode stays the same, a refresh keeps the descriptor. Caps on
// cached and retired descriptors keep a crawl over many files from
// exhausting the fd table: beyond them, requests get their own descriptor.
//
// realpathSync, statSync and openSync block the calling thread, in the event
// loop too: a hit costs none of them, and a miss asks the kernel, which
// answers from its dentry and inode caches nearly always (see index.ts for
// why the static app does its fs work synchronously).
import fs from 'node:fs';
import { isInside } from './resolve.js';

export type EntryKind = 'file' | 'dir' | 'missing' | 'error';

export class Entry<D> {
  kind: EntryKind = 'missing';
  /** HTTP status for kind 'error' (403 no permission, 503 out of descriptors, 500 other). */
  status = 404;
  /** Real path (symlinks resolved); '' unless file or dir. */
  real = '';
  size = 0;
  /** Modification time in whole milliseconds. */
  mtimeMs = 0;
  dev = 0;
  ino = 0;
  /** Cached descriptor or -1. */
  fd = -1;
  /** Per-file data from the describe callback (files only). */
  data: D | null = null;
  expires = 0;
  /** In the map: only live entries may own a descriptor. */
  live = false;

  constructor(readonly rel: string) {}
}

export interface FileCacheOptions<D> {
  /** Real path of the document root. */
  readonly root: string;
  readonly ttlMs: number;
  readonly followSymlinks: boolean;
  /** Builds the per-file data; called when a file is first seen or has changed. */
  readonly describe: (entry: Entry<D>) => D;
}

const MAX_ENTRIES = 4096;
/** Only files up to this size keep a descriptor (their sends are short). */
const FD_CACHE_MAX_BYTES = 1024 * 1024;
const MAX_CACHED_FDS = 1024;
const MAX_RETIRED_FDS = 1024;
const RETIRE_GRACE_MS = 60_000;
/** Entries unused this long after expiry are dropped by the sweep. */
const IDLE_DROP_MS = 5_000;
const SWEEP_EVERY_MS = 1_000;
// O_NONBLOCK: if a race swaps in a FIFO, open() must not hang the process.
const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

export class FileCache<D> {
  private readonly map = new Map<string, Entry<D>>();
  private readonly root: string;
  private readonly rootPrefix: string;
  private readonly retired: { fd: number; closeAt: number }[] = [];
  private cachedFds = 0;
  private nextSweep = 0;
  private closed = false;

  constructor(private readonly opts: FileCacheOptions<D>) {
    this.root = opts.root;
    this.rootPrefix = opts.root === '/' ? '/' : opts.root + '/';
  }

  /** The entry for a decoded, normalised path ("/" or "/a/b"). */
  lookup(rel: string, now: number): Entry<D> {
    let entry = this.map.get(rel);
    if (entry !== undefined && now < entry.expires) return entry;
    this.maintain(now);
    if (entry === undefined) entry = new Entry<D>(rel);
    this.probe(entry);
    if (this.opts.ttlMs > 0) {
      // Errors such as EMFILE are not remembered: the next request retries.
      entry.expires = entry.kind === 'error' && entry.status !== 403 ? now : now + this.opts.ttlMs;
      if (!entry.live) {
        entry.live = true;
        this.map.set(rel, entry);
        if (this.map.size > MAX_ENTRIES) this.evictOldest(entry, now);
      }
    }
    return entry;
  }

  /**
   * A descriptor to send the file from that the cache keeps open, or -1
   * when the caller must open its own (and let the model close it).
   * `anySize` is for replies that are never sent (HEAD).
   */
  cachedFd(entry: Entry<D>, anySize: boolean): number {
    if (entry.fd >= 0) return anySize || entry.size <= FD_CACHE_MAX_BYTES ? entry.fd : -1;
    if (this.closed || !entry.live || (!anySize && entry.size > FD_CACHE_MAX_BYTES)) return -1;
    if (this.cachedFds >= MAX_CACHED_FDS || this.retired.length >= MAX_RETIRED_FDS) return -1;
    entry.fd = openFile(entry.real);
    this.cachedFds++;
    return entry.fd;
  }

  /** Close every descriptor now: the server is shutting down. */
  close(): void {
    this.closed = true; // late requests still work, with their own descriptors
    for (const entry of this.map.values()) {
      if (entry.fd >= 0) closeQuietly(entry.fd);
      entry.fd = -1;
      entry.live = false;
    }
    this.map.clear();
    for (const r of this.retired) closeQuietly(r.fd);
    this.retired.length = 0;
    this.cachedFds = 0;
  }

  /** Ask the file system again and update `entry` in place. */
  private probe(entry: Entry<D>): void {
    const rel = entry.rel;
    const abs = rel === '/' ? this.root : this.root === '/' ? rel : this.root + rel;
    let real: string;
    let st: fs.Stats;
    try {
      real = fs.realpathSync.native(abs);
      if (!this.opts.followSymlinks && !isInside(real, this.root, this.rootPrefix)) {
        return this.become(entry, 'missing', 404); // a symlink out of the root does not exist for us
      }
      st = fs.statSync(real);
    } catch (err) {
      const status = statusForError(err);
      return this.become(entry, status === 404 ? 'missing' : 'error', status);
    }
    if (st.isDirectory()) {
      this.become(entry, 'dir', 200);
      entry.real = real;
      return;
    }
    // Sockets, FIFOs and devices are never served: opening a FIFO blocks.
    if (!st.isFile()) return this.become(entry, 'missing', 404);

    const mtimeMs = Math.floor(st.mtimeMs);
    const sameInode = entry.kind === 'file' && entry.real === real && entry.dev === st.dev && entry.ino === st.ino;
    if (!sameInode) this.become(entry, 'file', 200);
    const changed = !sameInode || entry.size !== st.size || entry.mtimeMs !== mtimeMs;
    entry.real = real;
    entry.dev = st.dev;
    entry.ino = st.ino;
    entry.size = st.size;
    entry.mtimeMs = mtimeMs;
    if (changed || entry.data === null) entry.data = this.opts.describe(entry);
  }

  private become(entry: Entry<D>, kind: EntryKind, status: number): void {
    this.retire(entry, Date.now());
    entry.kind = kind;
    entry.status = status;
    entry.real = '';
    entry.size = 0;
    entry.mtimeMs = 0;
    entry.dev = 0;
    entry.ino = 0;
    entry.data = null;
  }

  private retire(entry: Entry<D>, now: number): void {
    if (entry.fd < 0) return;
    this.retired.push({ fd: entry.fd, closeAt: now + RETIRE_GRACE_MS });
    entry.fd = -1;
    this.cachedFds--;
  }

  private evictOldest(keep: Entry<D>, now: number): void {
    for (const [rel, entry] of this.map) {
      if (entry === keep) continue;
      this.drop(rel, entry, now);
      return;
    }
  }

  private drop(rel: string, entry: Entry<D>, now: number): void {
    this.map.delete(rel);
    entry.live = false;
    this.retire(entry, now);
  }

  /** Close retired descriptors whose grace is over; drop long-unused entries. */
  private maintain(now: number): void {
    const retired = this.retired;
    let n = 0;
    while (n < retired.length && retired[n]!.closeAt <= now) closeQuietly(retired[n++]!.fd);
    if (n > 0) retired.splice(0, n);
    if (now < this.nextSweep) return;
    this.nextSweep = now + SWEEP_EVERY_MS;
    for (const [rel, entry] of this.map) {
      if (now > entry.expires + IDLE_DROP_MS) this.drop(rel, entry, now);
    }
  }
}

function openFile(real: string): number {
  return fs.openSync(real, OPEN_FLAGS);
}

/** Open a descriptor that the model closes after sending. */
export function openForSend(real: string): number {
  return openFile(real);
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Already closed: nothing left to release.
  }
}

/** Map a file-system error to the HTTP status it means for the client. */
export function statusForError(err: unknown): number {
  switch ((err as NodeJS.ErrnoException | null)?.code) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'ELOOP':
    case 'ENAMETOOLONG':
      return 404;
    case 'EACCES':
    case 'EPERM':
      return 403;
    case 'EMFILE':
    case 'ENFILE':
      return 503;
    default:
      return 500;
  }
}
