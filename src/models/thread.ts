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
import type { ServerContext } from './context.js';
import type { Listener } from './listener.js';
import type { Handoff } from './handoff.js';
import { StartError } from './config.js';
import { dispatch } from './dispatch.js';
import { spawnThread, threadLimits, threadFailure } from './spawn.js';
import { serveConnection } from './blocking-connection.js';
import { ConnGuard, closeLeftover, keepWaking } from './thread-wake.js';
import { Cell, WorkerState } from './scoreboard.js';

export async function run(ctx: ServerContext, listener: Listener): Promise<void> {
  let limits;
  try {
    limits = threadLimits();
  } catch (e) {
    throw new StartError((e as Error).message);
  }
  const { scoreboard } = ctx;
  const guard = ConnGuard.create(scoreboard.slots);
  await dispatch(ctx, listener, {
    cap: ctx.config.maxThreads,
    closesFd: false, // one process, one descriptor table: the thread closes it
    start(fd, slot) {
      const row = scoreboard.row(slot);
      // Ours to close until the thread has taken it — and if the thread dies
      // with it. Written before the thread exists, so it can never be written
      // after the thread has closed it.
      row[Cell.ConnFd] = fd;
      row[Cell.State] = WorkerState.Starting;
      let thread;
      try {
        thread = spawnThread({ config: ctx.config, slot, scoreboard: scoreboard.handle, listenFd: -1, connFd: fd, stop: ctx.stopBuffer }, guard.buffer, limits);
      } catch (e) {
        row[Cell.ConnFd] = -1; // dispatch closes it
        throw e;
      }
      const id = thread.threadId;
      let failure: Error | null = null;
      let stopWaking: (() => void) | null = null;
      thread.on('error', (e) => (failure = e));
      const exited = new Promise<void>((resolve) =>
        thread.on('exit', (code) => {
          stopWaking?.();
          const left = closeLeftover(scoreboard, slot);
          row[Cell.State] = WorkerState.Stopped;
          if (failure !== null || code !== 0) {
            // Only this connection is lost: say so in one line, go on.
            const why = failure !== null ? threadFailure(failure) : `exit code ${code}`;
            ctx.notice(`thread ${id} (connection in slot ${slot}) ended with ${why}${left >= 0 ? '; its connection was closed' : ''}`);
          }
          resolve();
        }),
      );
      return {
        exited,
        // Finish the request in flight; a thread waiting for one is woken (it sees the client "close").
        stop: () => (stopWaking ??= keepWaking(scoreboard, guard, slot)),
        kill: () => void thread.terminate(),
      };
    },
  });
}

/** In the thread: serve the one connection, then end. */
export async function worker(ctx: ServerContext, handoff: Handoff): Promise<void> {
  ctx.started();
  await serveConnection(handoff.connFd, ctx);
}
