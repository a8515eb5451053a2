// The lecture's "single-process multi-threaded server": "each connection is
// assigned to a unique thread". The main thread listens and accepts; each
// connection is handed to its own OS thread (a worker_threads Worker, with a
// V8 isolate of its own) that serves it with blocking system calls and then
// ends. "The thread that handles the connection is blocked until there is
// some data to read, or the data is fully written" — so threads waiting for
// slow or idle clients are "just waiting … a waste of resources": each one
// costs its start-up (a new isolate that loads our modules and the app) and
// several MB of memory, which bench/threads.mjs measures.
//
// The main thread never blocks: Node's loop watches the listening socket
// (dispatch.ts), so signals, accepting and the threads' exits are handled as
// they come. --max-threads bounds how many threads run at once; past it the
// kernel's listen backlog holds new clients until a thread ends.
//
// One descriptor table for all threads: a thread closes its own connection;
// one that dies leaves it to the main thread (thread-wake.ts).
import type { Worker, ResourceLimits } from 'node:worker_threads';
import type { ServerContext } from './context.js';
import type { Listener } from './listener.js';
import type { Handoff } from './handoff.js';
import { StartError } from './config.js';
import { dispatch, holdStartSlot, STARTING_AT_ONCE } from './dispatch.js';
import { spawnThread, threadLimits, threadFailure } from './spawn.js';
import { serveConnection } from './blocking-connection.js';
import { ConnGuard, closeLeftover, cutOff, keepWaking } from './thread-wake.js';
import { Cell, WorkerState } from './scoreboard.js';
import { yieldToNode } from './yield.js';
import { freeDescriptors } from './descriptors.js';

// Threads start a few at a time (STARTING_AT_ONCE, as the process model's children: see
// dispatch.ts). With 300 starting together, the first client waited 16 s and the last 49 s.

/**
 * Descriptors a thread's start may hold at once: its module loader reads our
 * modules (and the app's) in parallel, ~25 files. A start that meets EMFILE
 * fails, and Node leaves the files it had opened open for good: so a thread
 * starts only when this many are free for each start under way.
 */
const START_DESCRIPTORS = 40;

export async function run(ctx: ServerContext, listener: Listener): Promise<void> {
  let limits: ResourceLimits | undefined;
  try {
    limits = threadLimits();
  } catch (e) {
    throw new StartError((e as Error).message);
  }
  const { scoreboard } = ctx;
  const guard = ConnGuard.create(scoreboard.slots);
  const waiting: (() => void)[] = []; // accepted connections whose thread is not started yet, oldest first
  let starting = 0;
  const startMore = () => {
    while (starting < STARTING_AT_ONCE && waiting.length > 0) waiting.shift()!();
  };

  await dispatch(ctx, listener, {
    cap: ctx.config.maxThreads,
    closesFd: false, // one process, one descriptor table: the thread closes it
    roomFor() {
      const free = freeDescriptors();
      const starts = starting + waiting.length + 1;
      const need = START_DESCRIPTORS * starts + 1; // (+1: the connection's own)
      return free >= need ? null : `${free} descriptors free, ${starts} thread start(s) would need ${need} (too many open files)`;
    },
    start(fd, slot, peer) {
      const row = scoreboard.row(slot);
      // Ours to close until the thread has taken it — and if the thread dies
      // with it. Written before the thread exists, so it can never be written
      // after the thread has closed it.
      row[Cell.ConnFd] = fd;
      row[Cell.State] = WorkerState.Starting;
      // Its own stop flag, raised once it serves (see keepWaking).
      const stopFlag = new Int32Array(new SharedArrayBuffer(4));
      let thread: Worker | null = null;
      let stopping = false;
      let stopWaking: (() => void) | null = null;
      let done!: () => void;
      const exited = new Promise<void>((resolve) => (done = resolve));

      /** The connection is over: whatever the thread left open is closed (or, never started, its descriptor). */
      const ended = (why: string | null) => {
        stopWaking?.();
        const left = closeLeftover(scoreboard, slot);
        row[Cell.State] = WorkerState.Stopped;
        // Only this connection is lost: say so in one line, go on.
        if (why !== null) ctx.notice(`${why}${left >= 0 ? '; its connection was closed' : ''}`);
        done();
      };

      const launch = () => {
        starting++;
        const startedUp = holdStartSlot(() => {
          starting--;
          startMore();
        });
        const handoff = { config: ctx.config, slot, scoreboard: scoreboard.handle, listenFd: -1, connFd: fd, peer, stop: stopFlag.buffer as SharedArrayBuffer, bodyMemory: ctx.bodyBudget.memory as SharedArrayBuffer };
        let t: Worker;
        try {
          t = spawnThread(handoff, guard.buffer, limits);
        } catch (e) {
          startedUp();
          ended(`could not start a thread for the connection in slot ${slot}: ${(e as Error).message}`);
          return;
        }
        thread = t;
        const id = t.threadId;
        let failure: Error | null = null;
        t.on('message', (m: { type?: string }) => m?.type === 'ready' && startedUp());
        t.on('error', (e) => (failure = e));
        t.on('exit', (code) => {
          startedUp();
          const why = failure !== null ? threadFailure(failure) : code !== 0 ? `exit code ${code}` : null;
          ended(why === null ? null : `thread ${id} (connection in slot ${slot}) ended with ${why}`);
        });
        if (stopping) stopWaking = keepWaking(scoreboard, guard, slot, stopFlag);
      };

      if (starting < STARTING_AT_ONCE) launch();
      else waiting.push(launch);
      return {
        exited,
        // Finish the request in flight (or the one a starting thread will
        // find: threads still waiting to start are started); a thread waiting
        // for one is woken (it sees the client "close").
        stop: () => {
          stopping = true;
          if (thread !== null) stopWaking ??= keepWaking(scoreboard, guard, slot, stopFlag);
        },
        kill: () => {
          const t = thread;
          if (t !== null) return cutOff(scoreboard, guard, slot, () => t.terminate());
          const i = waiting.indexOf(launch);
          if (i >= 0) waiting.splice(i, 1);
          ended(null);
        },
      };
    },
  });
}

/** In the thread: serve the one connection, then end. */
export async function worker(ctx: ServerContext, handoff: Handoff): Promise<void> {
  ctx.started();
  // "ready" goes to the main thread from a promise callback (worker-thread.ts), and serveConnection
  // blocks in recv() before it ever awaits: for a client that sends nothing (or a byte at a time) the
  // message would wait for the header timeout, and meanwhile this thread would count as starting —
  // a few such clients held every start slot, and the next clients' threads were not started at all.
  await yieldToNode();
  await serveConnection(handoff.connFd, ctx, { peer: handoff.peer });
}
