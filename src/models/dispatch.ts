// The master of a per-connection model: "the server listens on a well-known
// port; when a new connection request arrives, the system delivers the
// connection to the server application via the accept() system call" — and
// the master hands it to a new worker of its own (a process, a thread).
//
// The master must stay responsive while its workers run: reap them, handle
// signals, keep accepting. So it never blocks: the listening socket is
// non-blocking and Node's own loop watches it (a uv_poll on the descriptor),
// calling back when a connection is waiting. At the cap it stops watching:
// new clients wait in the kernel's listen backlog, and are accepted as soon
// as a worker ends.
import { availableParallelism } from 'node:os';
import * as sys from '../sys/index.js';
import type { ServerContext } from './context.js';
import type { Listener } from './listener.js';
import { Cell, WorkerState } from './scoreboard.js';
import { Note } from './status.js';

/** One worker serving one connection. */
export interface ConnectionWorker {
  /** Settles when the worker is gone (whatever happened to it). */
  readonly exited: Promise<void>;
  /** Ask it to finish its in-flight request and end. */
  stop(): void;
  /** End it now (after the grace period). */
  kill(): void;
  /** Settles once it serves (a process or thread that starts first): see `startingAtOnce`. */
  readonly ready?: Promise<void>;
}

export interface DispatchOptions {
  /** Most workers at once. */
  cap: number;
  /**
   * Most workers whose `ready` has not settled yet. A start is ~0.1–0.2 s of
   * CPU; more at once only share the cores, and nobody is answered until
   * they are all up (50 new processes at once: first answer after 4.9 s).
   * Started a few at a time, in the order they came, the first client waits
   * one start and the rest wait in the backlog, no later in total.
   */
  startingAtOnce?: number;
  /** Start a worker for connection `fd` in scoreboard `slot`. It owns a copy of fd or fd itself: see `closesFd`. */
  start(fd: number, slot: number, peer: { address: string; port: number }): ConnectionWorker;
  /** The master closes its descriptor right after start() (a child process has its own copy); threads share one. */
  closesFd: boolean;
  /**
   * May one more worker start now? If not, new clients wait in the backlog
   * and we look again shortly (threads: a start needs descriptors of its own).
   * Returns null when it may, else why not.
   */
  roomFor?: () => string | null;
  /** Called once when stopping, before waiting for the workers. */
  onStop?: () => void;
}

/** After the shutdown timeout, workers get this long to cut what is in flight and exit before they are killed. */
const KILL_AFTER_MS = 2_000;
const OUT_OF_FDS_PAUSE_MS = 100;
/** Starts at once for the models that start a worker per connection (see DispatchOptions.startingAtOnce). */
export const STARTING_AT_ONCE = Math.max(2, 2 * availableParallelism());
/** A worker that takes longer than this to start (an app whose loading hangs) no longer holds up the others. */
const START_SLOT_MS = 5_000;

/**
 * A start slot, held until the returned function is called (the worker is
 * up, or gone) or START_SLOT_MS pass, whichever comes first; `release` runs
 * once. Shared by the dispatcher (process) and the thread model's own queue.
 */
export function holdStartSlot(release: () => void): () => void {
  let held = true;
  const up = () => {
    if (!held) return;
    held = false;
    clearTimeout(timer);
    release();
  };
  const timer = setTimeout(up, START_SLOT_MS);
  return up;
}
const SHORTAGE = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM']);

export async function dispatch(ctx: ServerContext, listener: Listener, o: DispatchOptions): Promise<void> {
  const free = Array.from({ length: o.cap }, (_, i) => o.cap - i); // slots 1..cap; 0 is the master's
  const running = new Set<ConnectionWorker>();
  const row = ctx.row;
  let warnedAt = 0;
  let watching = false;
  let starting = 0;
  const maxStarting = o.startingAtOnce ?? Infinity;

  const watch = (on: boolean) => {
    if (on === watching) return;
    watching = on;
    if (on) poll.start(true, false);
    else poll.stop();
  };

  const acceptAll = () => {
    while (free.length > 0 && starting < maxStarting && !ctx.stopping) {
      const traceFrom = ctx.status?.seq ?? 0; // (with a status page: the master's part of this connection begins here)
      const noRoom = o.roomFor?.() ?? null;
      if (noRoom !== null) return pause(`${noRoom}: new clients wait in the backlog`);
      let fd: number;
      try {
        fd = sys.acceptWithPeer(listener.fd); // non-blocking listener: WOULD_BLOCK when none is waiting
      } catch (e) {
        // Out of descriptors or kernel memory (EMFILE, ENFILE, ENOBUFS, ENOMEM), or anything else
        // accept() may say: never take the master down for it.
        const why = e instanceof sys.SysError && SHORTAGE.has(e.code) ? 'waiting for resources to free up' : 'trying again shortly';
        return pause(`${e instanceof Error ? e.message : String(e)}: ${why}`);
      }
      if (fd < 0) return;
      // (Counted as a connection by the worker that serves it, in its own row: rows add up.)
      const slot = free.pop()!;
      let w: ConnectionWorker;
      try {
        w = o.start(fd, slot, sys.acceptedPeer());
      } catch (e) {
        ctx.notice(`could not start a worker for a connection: ${e instanceof Error ? e.message : String(e)}`);
        sys.close(fd);
        free.push(slot);
        continue;
      }
      ctx.status?.note(Note.WorkerStarted, slot);
      if (o.closesFd) sys.close(fd);
      ctx.status?.handedOff(slot, traceFrom);
      running.add(w);
      if (w.ready !== undefined) {
        starting++;
        const up = holdStartSlot(() => {
          starting--;
          if (!ctx.stopping) watch(free.length > 0);
        });
        void Promise.race([w.ready, w.exited]).then(up);
      }
      void w.exited.then(() => {
        running.delete(w);
        free.push(slot);
        if (!ctx.stopping) watch(true);
      });
    }
    if (free.length === 0 || starting >= maxStarting) watch(false); // at the cap (or enough starting): the backlog holds new clients
  };

  /** Leave the client in the backlog, stop watching for a moment (level-triggered: watching would spin), look again shortly. */
  const pause = (why: string) => {
    if (Date.now() - warnedAt > 1000) ctx.notice(why);
    warnedAt = Date.now();
    watch(false);
    setTimeout(() => watch(!ctx.stopping && free.length > 0), OUT_OF_FDS_PAUSE_MS);
  };

  // uv_poll_init makes the listening socket non-blocking.
  const poll = new sys.UvPoll(listener.fd, (status) => {
    if (status < 0) ctx.notice(`watching the listening socket failed (${sys.errnoName(-status)})`);
    else acceptAll();
  });
  row[Cell.State] = WorkerState.Accepting;
  watch(true);
  ctx.started();
  await ctx.whenStopping();

  // Stop: accept nothing new; workers finish what they are doing.
  watch(false);
  poll.close();
  o.onStop?.();
  for (const w of running) w.stop();
  const killer = setTimeout(() => running.forEach((w) => w.kill()), ctx.timeouts.shutdownMs + KILL_AFTER_MS);
  while (running.size > 0) await Promise.race([...running].map((w) => w.exited));
  clearTimeout(killer);
  row[Cell.State] = WorkerState.Stopped;
}
