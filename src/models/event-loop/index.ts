// --model event-loop: one loop on the chosen poller, in this process — or,
// with --workers N, N such processes that each listen on the port with
// SO_REUSEPORT (the kernel spreads new connections over them), nginx-style.
import * as sys from '../../sys/index.js';
import type { ServerContext } from '../context.js';
import type { Listener } from '../listener.js';
import { listenOnReservedPort } from '../listener.js';
import type { Handoff } from '../handoff.js';
import { ProcessPool } from '../supervisor.js';
import { EventLoop } from './loop.js';
import { LoopServer } from './server.js';
import { createPoller } from './pollers/index.js';

export async function run(ctx: ServerContext, listener: Listener): Promise<void> {
  if (!listener.listening) {
    // The port is only reserved here: the workers listen on it, each with its own socket.
    const pool = new ProcessPool(ctx, { size: ctx.config.workers, listenFd: -1 });
    await pool.run();
    return;
  }
  await serveOn(ctx, listener.fd);
}

/** One worker of --workers N: its own SO_REUSEPORT listener, its own loop. */
export async function worker(ctx: ServerContext, _handoff: Handoff): Promise<void> {
  const fd = listenOnReservedPort(ctx.config);
  try {
    await serveOn(ctx, fd);
  } finally {
    sys.close(fd);
  }
}

async function serveOn(ctx: ServerContext, listenFd: number): Promise<void> {
  await new LoopServer(ctx, new EventLoop(createPoller(ctx.config.poller)), listenFd).run();
}
