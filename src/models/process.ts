// The lecture's first design, "a process-per-connection HTTP server, with a
// master process": the master listens on the well-known port, the kernel
// delivers each new connection through accept(), and every connection is
// served by its own new OS process — keep-alive included, with the same
// blocking connection code as the iterative server — which then exits.
//
// The lecture's master "forked a new process to handle each HTTP
// connection". fork() is not possible from Node: V8 maps its heap with
// MADV_DONTFORK, so a forked copy of the master would crash on its first
// heap access. So each connection gets a *fresh* Node process, started with
// the connected socket as its fd 3 (see spawn.ts), which loads our code and
// the app before it can read the request. That start-up, per connection, is
// this model's real price: the lecture's "context-switching and
// interprocess communication overheads", made visible (bench/first-byte.mjs).
//
// The master stays responsive while its children run (dispatch.ts: Node's
// loop watches the listening socket, reaps children, handles signals). At
// --max-children (default 64) it stops accepting and the kernel's backlog
// holds new clients. A child is ~60 MiB RSS, ~17 MiB of it its own (the rest
// is Node's code, shared by every node process): 64 children cost ~1.1 GiB,
// and a start-up of ~0.15–0.2 s of CPU each. A child that crashes loses only
// its own connection: the master says so in one line and goes on.
import type { ServerContext } from './context.js';
import type { Listener } from './listener.js';
import { describeExit, type Handoff } from './handoff.js';
import { serveConnection } from './blocking-connection.js';
import { Cell, forgetConnections } from './scoreboard.js';
import * as sys from '../sys/index.js';

/** How often the master looks whether a starting child is up (and, while stopping, can take a SIGTERM yet). */
const STARTING_CHECK_MS = 10;

export async function run(ctx: ServerContext, listener: Listener): Promise<void> {
  // The master's own parts, imported here: a child, which loads this module for worker(), never needs them.
  const [{ dispatch, STARTING_AT_ONCE }, { spawnProcess }] = await Promise.all([import('./dispatch.js'), import('./spawn.js')]);
  await dispatch(ctx, listener, {
    cap: ctx.config.maxChildren,
    startingAtOnce: STARTING_AT_ONCE,
    closesFd: true, // the child has its own copy of the connection
    start(fd, slot, peer) {
      const child = spawnProcess({ config: ctx.config, slot, scoreboard: ctx.scoreboard.handle, listenFd: -1, connFd: fd, peer }, { ipc: false });
      const exited = new Promise<void>((resolve) => {
        child.on('exit', (code, signal) => {
          forgetConnections(ctx.scoreboard.row(slot)); // (a killed child could not)
          // A child stopped by our own SIGTERM while it was still starting is no news.
          const ours = ctx.stopping && signal === 'SIGTERM';
          if ((code !== 0 || signal !== null) && !ours) {
            ctx.notice(`child ${child.pid} (slot ${slot}) ${describeExit(code, signal)}: its connection is lost`);
          }
          resolve();
        });
        child.on('error', (e) => {
          ctx.notice(`could not start a child for a connection (slot ${slot}): ${e.message}`);
          resolve();
        });
      });
      // SIGTERM means "finish, then exit" only once the child has said what it means (its entry's
      // first act); before that, during Node's own start-up, it would kill the child and the
      // connection with it. The child writes its pid into its scoreboard row later still: wait for that.
      let gone = false;
      void exited.then(() => (gone = true));
      const row = ctx.scoreboard.row(slot);
      const stop = () => {
        if (gone) return;
        if (row[Cell.Pid] === child.pid || ctx.scoreboard.handle.kind !== 'memfd') child.kill('SIGTERM');
        else setTimeout(stop, STARTING_CHECK_MS);
      };
      // Up once it has written its pid into its row (with the memfd scoreboard; else: not counted as starting).
      const ready =
        ctx.scoreboard.handle.kind !== 'memfd'
          ? undefined
          : new Promise<void>((resolve) => {
              const look = () => (gone || row[Cell.Pid] === child.pid ? resolve() : setTimeout(look, STARTING_CHECK_MS));
              look();
            });
      return { exited, stop, kill: () => child.kill('SIGKILL'), ready };
    },
  });
}

/** In the child: serve the one connection (every request on it), then return: the process exits. */
export async function worker(ctx: ServerContext, handoff: Handoff): Promise<void> {
  ctx.started();
  await serveConnection(handoff.connFd, stopsBetweenRequests(ctx, handoff.connFd), { peer: handoff.peer });
}

/**
 * A stop makes the connection code close a connection that is between
 * requests. For this child that includes the moment before its first one:
 * a stop that came while it was starting would close, unanswered, a
 * connection whose request the client sent long ago (it was accepted, it is
 * in flight). So, as seen from the connection code, the stop waits while a
 * request is already there to be read: what has arrived is answered, a
 * connection with nothing to say is closed.
 */
function stopsBetweenRequests(ctx: ServerContext, fd: number): ServerContext {
  const pending = new sys.PollSet(1);
  const requestWaiting = () => {
    pending.set(0, fd, sys.platform.POLLIN);
    return sys.poll(pending, 1, 0) > 0;
  };
  return Object.create(ctx, { stopping: { get: () => ctx.stopping && !requestWaiting() } }) as ServerContext;
}
