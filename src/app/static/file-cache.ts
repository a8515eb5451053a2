// A cache of what the file system said about a path: realpath and the root
// check, stat, per-file data built from them (headers, ETag, …), and for
// small files an open descriptor.
//
// Freshness. Every lookup asks the file system one cheap question — a
// stat() of the path — and compares inode, size, mtime and ctime with what
// it knows: the request after a change (an edit in place, a truncation, a
// deletion, a rename over the file) sees the change, and a hot file costs one
// stat instead of realpath + stat + open + close. Only when something differs
// does the entry get probed again (realpath, root and dotfile checks, stat)
// and its per-file data rebuilt. `trustMs` > 0 skips even the stat for that
// long, like nginx's open_file_cache_valid: faster, but stale for up to
// trustMs after a change.
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
// loop too. The kernel answers them from its dentry and inode caches nearly
// always, in about a microsecond (see index.ts for why the static app does
// its fs work synchronously).
import fs from 'node:fs';
import * as sys from '../../sys/index.js';
import { isHiddenReal, isInside } from './resolve.js';

const st = new Float64Array(sys.Stat.COUNT); // statPath's answer, reused (handle() is not re-entrant)

export type EntryKind = 'file' | 'dir' | 'missing' | 'error';

export class Entry<D> {
  kind: EntryKind = 'missing';
  /** HTTP status for kind 'error' (403 no permission, 503 out of descriptors, 500 other). */
  status = 404;
  /** Real path (symlinks resolved); '' unless file or dir. */
  real = '';
  size = 0;
  /** Modification time in whole milliseconds (what validators show). */
  mtimeMs = 0;
  // Identity of what the path led to, as stat() gives it: the change check.
  // Set for files and directories, and for paths that lead to something we
  // do not serve (a FIFO, a dotfile behind a symlink…); 0 when nothing is there.
  dev = 0;
  ino = 0;
  statMtimeMs = 0;
  statCtimeMs = 0;
  /** Cached descriptor or -1. */
  fd = -1;
  /** Per-file data from the describe callback (files only). */
  data: D | null = null;
  /** Trusted without a stat until then (only with trustMs > 0). */
  expires = 0;
  lastUsed = 0;
  /** In the map: only live entries may own a descriptor. */
  live = false;

  constructor(readonly rel: string) {}
}

export interface FileCacheOptions<D> {
  /** Real path of the document root. */
  readonly root: string;
  /** Trust an entry this long without asking the file system; 0: one stat per lookup. */
  readonly trustMs: number;
  readonly followSymlinks: boolean;
  /** Serve paths that resolve to a dotfile (through a symlink too). */
  readonly dotfiles: boolean;
  /** Builds the per-file data; called when a file is first seen or has changed. */
  readonly describe: (entry: Entry<D>) => D;
}

const MAX_ENTRIES = 4096;
/** Only files up to this size keep a descriptor (their sends are short). */
const FD_CACHE_MAX_BYTES = 1024 * 1024;
const MAX_CACHED_FDS = 1024;
const MAX_RETIRED_FDS = 1024;
const RETIRE_GRACE_MS = 60_000;
/** Entries unused this long are dropped by the sweep. */
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

  /** The entry for a decoded, normalised path ("/" or "/a/b"), as the file system has it now. */
  lookup(rel: string, now: number): Entry<D> {
    let entry = this.map.get(rel);
    if (entry !== undefined) {
      entry.lastUsed = now;
      if (now < entry.expires) return entry;
      this.maintain(now);
      if (this.unchanged(entry)) {
        entry.expires = this.trust(entry, now);
        return entry;
      }
    } else {
      this.maintain(now);
      entry = new Entry<D>(rel);
      entry.lastUsed = now;
    }
    this.probe(entry);
    entry.expires = this.trust(entry, now);
    if (!entry.live && !this.closed) {
      entry.live = true;
      this.map.set(rel, entry);
      if (this.map.size > MAX_ENTRIES) this.evictOldest(entry, now);
    }
    return entry;
  }

  /** Until when `entry` may be used without a stat. Errors (EMFILE…) are never trusted: the next request retries. */
  private trust(entry: Entry<D>, now: number): number {
    return this.opts.trustMs > 0 && entry.kind !== 'error' ? now + this.opts.trustMs : 0;
  }

  /** One stat of the path: does it still lead to what `entry` knows, unchanged? */
  private unchanged(entry: Entry<D>): boolean {
    if (entry.kind === 'error') return false;
    // sys's stat: the same numbers as fs.statSync's, without building a Stats object (~1 µs less per request).
    let there: boolean;
    try {
      there = sys.statPath(this.pathOf(entry.rel), st);
    } catch {
      return false; // EACCES, ELOOP…: ask again properly
    }
    if (!there) return entry.kind === 'missing' && entry.ino === 0; // (ENOTDIR, "a/b" where a is a file, included)
    return (
      st[sys.Stat.Ino] === entry.ino &&
      st[sys.Stat.Dev] === entry.dev &&
      st[sys.Stat.Size] === entry.size &&
      st[sys.Stat.MtimeMs] === entry.statMtimeMs &&
      st[sys.Stat.CtimeMs] === entry.statCtimeMs
    );
  }

  private pathOf(rel: string): string {
    return rel === '/' ? this.root : this.root === '/' ? rel : this.root + rel;
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
    let real: string;
    let st: fs.Stats;
    try {
      real = fs.realpathSync.native(this.pathOf(entry.rel));
      st = fs.statSync(real);
    } catch (err) {
      const status = statusForError(err);
      return this.become(entry, status === 404 ? 'missing' : 'error', status);
    }
    // What we do not serve does not exist for us: a symlink out of the root,
    // a path that resolves to a dotfile (a link to .git), and sockets, FIFOs
    // and devices (opening a FIFO blocks). Its identity is kept, so the next
    // lookup knows it unchanged with one stat.
    const outside = !isInside(real, this.root, this.rootPrefix);
    if ((outside && !this.opts.followSymlinks) || (!this.opts.dotfiles && isHiddenReal(real, this.root, this.rootPrefix)) || !(st.isFile() || st.isDirectory())) {
      this.become(entry, 'missing', 404);
      return this.remember(entry, st);
    }
    if (st.isDirectory()) {
      this.become(entry, 'dir', 200);
      entry.real = real;
      return this.remember(entry, st);
    }

    const mtimeMs = Math.floor(st.mtimeMs);
    const sameInode = entry.kind === 'file' && entry.real === real && entry.dev === st.dev && entry.ino === st.ino;
    if (!sameInode) this.become(entry, 'file', 200);
    const changed = !sameInode || entry.size !== st.size || entry.mtimeMs !== mtimeMs || entry.statCtimeMs !== st.ctimeMs;
    entry.real = real;
    entry.mtimeMs = mtimeMs;
    this.remember(entry, st);
    if (changed || entry.data === null) entry.data = this.opts.describe(entry);
  }

  private remember(entry: Entry<D>, st: fs.Stats): void {
    entry.dev = st.dev;
    entry.ino = st.ino;
    entry.size = st.size;
    entry.statMtimeMs = st.mtimeMs;
    entry.statCtimeMs = st.ctimeMs;
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
    entry.statMtimeMs = 0;
    entry.statCtimeMs = 0;
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
      if (now > entry.lastUsed + IDLE_DROP_MS) this.drop(rel, entry, now);
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
