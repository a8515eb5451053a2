// A master's hold on the connections its threads serve. Threads share one
// descriptor table with the master, and two things follow from that:
//
// 1. Waking. A thread blocked in a system call sees neither signals (the
//    process gets them) nor the stop flag until its call returns. To stop, the
//    master shuts down the descriptors they wait on: recv() on a connection
//    shut down for reading returns 0 at once, as if the client had closed.
//    Only connections waiting between requests (keep-alive, or a first request
//    that never came) are woken; one mid-request is left to finish. A thread
//    may read the stop flag just before it is set and then go back to recv():
//    so a stopping master looks again, every WAKE_AGAIN_MS, until the thread
//    is gone.
//
// 2. Leftovers. A thread that dies mid-connection (out of memory, exit() in a
//    handler, terminate()) leaves its descriptor open in our one process; no
//    one else will close it. The scoreboard's ConnFd cell says which one.
//
// The danger in both is a descriptor *number*: once a thread has closed its
// connection, the kernel hands the same number to the next open(), accept()
// or socket() in any thread. So the number is the master's to touch only
// while the cell holds it, and the cell is cleared *before* close():
//  - closing a leftover happens after the thread's 'exit' (its last write is
//    visible, it can close nothing more): a number is never closed twice;
//  - shutting one down happens while the master holds the slot's lock word,
//    which the thread also takes to clear the cell (releaseConnFd): either
//    the master shuts down the thread's own, still open connection, or it
//    finds the cell cleared — never a number reused meanwhile.
// The lock is held for a few loads and one shutdown() by the master, one
// store by a thread; nobody sleeps holding it.
import * as sys from '../sys/index.js';
import type { ServerContext } from './context.js';
import { Cell, WorkerState, type Scoreboard } from './scoreboard.js';

const WAKE_AGAIN_MS = 50;
/** A master that cannot take a lock at once skips the slot until its next look (it must not spin on a thread). */
const MASTER_TRIES = 1000;

/** One lock word per scoreboard slot, in memory shared by the master and its threads. */
export class ConnGuard {
  private readonly words: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
  }

  static create(slots: number): ConnGuard {
    return new ConnGuard(new SharedArrayBuffer(4 * slots));
  }

  /** Take the slot's lock, trying at most `tries` times; true if taken. */
  tryLock(slot: number, tries: number): boolean {
    for (let i = 0; i < tries; i++) if (Atomics.compareExchange(this.words, slot, 0, 1) === 0) return true;
    return false;
  }

  /** Take it, however long the holder takes (a thread waiting on the master: microseconds). */
  lock(slot: number): void {
    while (Atomics.compareExchange(this.words, slot, 0, 1) !== 0);
  }

  unlock(slot: number): void {
    Atomics.store(this.words, slot, 0);
  }
}

/** In a worker thread: the master's guard (null in a process or the main thread, where nobody else touches our descriptors). */
let threadGuard: ConnGuard | null = null;

/** Called once by a worker thread's entry with the master's guard memory. */
export function installGuard(buffer: SharedArrayBuffer | undefined): void {
  threadGuard = buffer === undefined ? null : new ConnGuard(buffer);
}

/** The connection is about to be closed: clear the ConnFd cell first (see above). Every blocking model calls it. */
export function releaseConnFd(ctx: ServerContext): void {
  const guard = threadGuard;
  if (guard === null) {
    ctx.row[Cell.ConnFd] = -1;
    return;
  }
  guard.lock(ctx.slot);
  ctx.row[Cell.ConnFd] = -1;
  guard.unlock(ctx.slot);
}

/** If the thread in `slot` is waiting for a request, shut its connection down for reading (it wakes, sees EOF, ends the connection). */
export function wakeIfIdle(scoreboard: Scoreboard, guard: ConnGuard, slot: number): boolean {
  if (!guard.tryLock(slot, MASTER_TRIES)) return false;
  try {
    const row = scoreboard.row(slot);
    const fd = row[Cell.ConnFd];
    if (fd < 0 || row[Cell.State] !== WorkerState.KeepAlive) return false;
    try {
      sys.shutdown(fd, 'read');
    } catch {
      /* the client is gone already: the thread's recv() returns anyway */
    }
    return true;
  } finally {
    guard.unlock(slot);
  }
}

/**
 * End the thread in `slot` now (the grace period is over): terminate() stops
 * its JavaScript, but not a system call it is blocked in — recv() would sit
 * out its timeout, send() its send timeout, and the process could not exit
 * before. So its connection is shut down both ways first: those calls return
 * at once, and the thread is terminated as it comes back.
 */
export function cutOff(scoreboard: Scoreboard, guard: ConnGuard, slot: number, terminate: () => unknown): void {
  if (guard.tryLock(slot, MASTER_TRIES)) {
    try {
      const fd = scoreboard.row(slot)[Cell.ConnFd];
      if (fd >= 0) {
        try {
          sys.shutdown(fd, 'both');
        } catch {
          /* gone already */
        }
      }
    } finally {
      guard.unlock(slot);
    }
  }
  void terminate();
}

/**
 * The master is stopping: wake the thread in `slot` whenever it waits for a
 * request, now and every WAKE_AGAIN_MS, until the returned function is
 * called (when the thread has exited).
 *
 * `stopFlag`: a thread of its own for one connection (the thread model) is
 * told to stop through a flag of its own, and only once it has begun to
 * serve: a thread still starting when the master stops then serves the
 * request its client has already sent (a shutdown socket still yields the
 * bytes received before), instead of closing on it unanswered.
 */
export function keepWaking(scoreboard: Scoreboard, guard: ConnGuard, slot: number, stopFlag?: Int32Array): () => void {
  const row = scoreboard.row(slot);
  const look = () => {
    if (stopFlag !== undefined) {
      if (row[Cell.State] === WorkerState.Starting) return;
      Atomics.store(stopFlag, 0, 1);
    }
    wakeIfIdle(scoreboard, guard, slot);
  };
  look();
  const timer = setInterval(look, WAKE_AGAIN_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * After the thread in `slot` has exited: close the connection it left open,
 * if any (it died mid-connection, or before it took the descriptor it was
 * handed). Returns the descriptor closed, or -1.
 */
export function closeLeftover(scoreboard: Scoreboard, slot: number): number {
  const row = scoreboard.row(slot);
  const fd = row[Cell.ConnFd];
  if (fd < 0) return -1;
  row[Cell.ConnFd] = -1;
  if (row[Cell.Open] > 0) row[Cell.Open]--;
  try {
    sys.close(fd);
  } catch {
    /* cannot happen while the cell held it; say nothing more */
  }
  return fd;
}
