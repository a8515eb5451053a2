// The lecture's first design, "a process-per-connection HTTP server, with a
// master process": the master listens on the well-known port, the kernel
// delivers each new connection through accept(), and every connection is
// served by its own new OS process — keep-alive included, with the same
// blocking connection code as the iterative server — which then exits.
//
// The lecture's master "forked a new process to handle each HTTP
// connection". fork() is not possible from Node (V8 keeps its heap out of a
// forked child, which crashes on its first heap access), so each connection
// gets a *fresh* Node process, started with the connected socket as its
// fd 3 (see spawn.ts). That start-up — tens of milliseconds of loading
// Node, our modules and the app, per connection — is this model's real
// price: the lecture's "context-switching and interprocess communication
// overheads", made visible by the lab.
import type { ServerContext } from './context.js';
import type { Listener } from './listener.js';
import type { Handoff } from './handoff.js';
import { dispatch } from './dispatch.js';
import { spawnProcess } from './spawn.js';
import { serveConnection } from './blocking-connection.js';

export async function run(ctx: ServerContext, listener: Listener): Promise<void> {
  await dispatch(ctx, listener, {
    cap: ctx.config.maxChildren,
    closesFd: true, // the child has its own copy of the connection
    start(fd, slot) {
      const child = spawnProcess({ config: ctx.config, slot, scoreboard: ctx.scoreboard.handle, listenFd: -1, connFd: fd }, { ipc: false });
      const exited = new Promise<void>((resolve) => {
        child.on('exit', (code, signal) => {
          // A crash loses only this connection: say so in one line and go on.
          if (code !== 0 && !ctx.stopping) ctx.notice(`child ${child.pid} (connection in slot ${slot}) ended with ${signal ?? `exit code ${code}`}`);
          resolve();
        });
        child.on('error', (e) => {
          ctx.notice(`child for slot ${slot} could not run: ${e.message}`);
          resolve();
        });
      });
      return { exited, stop: () => child.kill('SIGTERM'), kill: () => child.kill('SIGKILL') };
    },
  });
}

/** In the child: serve the one connection, then exit. */
export async function worker(ctx: ServerContext, handoff: Handoff): Promise<void> {
  ctx.started();
  await serveConnection(handoff.connFd, ctx);
}
