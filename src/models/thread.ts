// The lecture's "single-process multi-threaded server": "each connection is
// assigned to a unique thread". The main thread listens and accepts; each
// connection is handed to its own OS thread (a worker_threads Worker, with a
// V8 isolate of its own) that serves it with blocking system calls and then
// ends. "The thread that handles the connection is blocked until there is
// some data to read, or the data is fully written" — so threads waiting for
// slow or idle clients are "just waiting … a waste of resources": each one
// costs its start-up and several MB of memory, which the lab measures.
import type { ServerContext } from './context.js';
import type { Listener } from './listener.js';
import type { Handoff } from './handoff.js';
import { dispatch } from './dispatch.js';
import { spawnThread } from './spawn.js';
import { serveConnection } from './blocking-connection.js';
import { closeLeftover, wakeIdleConnections } from './thread-wake.js';
import { Cell } from './scoreboard.js';

export async function run(ctx: ServerContext, listener: Listener): Promise<void> {
  await dispatch(ctx, listener, {
    cap: ctx.config.maxThreads,
    closesFd: false, // one process, one descriptor table: the thread closes it
    onStop: () => wakeIdleConnections(ctx.scoreboard),
    start(fd, slot, peer) {
      const thread = spawnThread({ config: ctx.config, slot, scoreboard: ctx.scoreboard.handle, listenFd: -1, connFd: fd, peer, stop: ctx.stopBuffer, bodyMemory: ctx.bodyBudget.memory as SharedArrayBuffer });
      // Until the thread has taken the descriptor, it is ours to close if the thread dies.
      ctx.scoreboard.row(slot)[Cell.ConnFd] = fd;
      thread.on('error', (e) => ctx.notice(`thread ${thread.threadId} (slot ${slot}) failed: ${e.stack ?? e.message}`));
      const exited = new Promise<void>((resolve) =>
        thread.on('exit', () => {
          closeLeftover(ctx.scoreboard, slot); // died with the connection open (e.g. out of memory)
          resolve();
        }),
      );
      return { exited, stop: () => {}, kill: () => void thread.terminate() };
    },
  });
}

/** In the thread: serve the one connection, then end. */
export async function worker(ctx: ServerContext, handoff: Handoff): Promise<void> {
  ctx.started();
  await serveConnection(handoff.connFd, ctx, { peer: handoff.peer });
}
