// The pre-forked pool (Apache's prefork MPM, UNP ch. 30): the master opens
// the listening socket and starts N worker processes up front; each inherits
// the socket and blocks in accept() on it, serving one connection at a time
// with the same accept loop as the iterative server. The kernel hands each
// new connection to one of the blocked workers. Nobody pays a process
// start per connection — the price of the process-per-connection server —
// but N bounds how many clients are served at once. The master only
// supervises: a worker that dies is replaced, and with --max-requests N a
// worker retires after N connections (Apache's MaxConnectionsPerChild).
//
// How many: a worker is held by one connection for as long as its client
// keeps it open — up to --idle-timeout between requests — whether it sends
// anything or not. A browser opens up to 6 connections to one server, so
// with fewer workers than that a single visitor's page waits for the idle
// timeout of its own connections. Hence 8 by default: one browser and some
// room. Each worker is ~60 MiB RSS, of which ~17 MiB is its own (the rest is
// Node's code, shared by every node process): 8 cost ~140 MiB. CPU is not
// what bounds the number: workers mostly wait.
import type { ServerContext } from './context.js';
import type { Listener } from './listener.js';
import type { Handoff } from './handoff.js';
import { acceptLoop } from './accept-loop.js';

export async function run(ctx: ServerContext, listener: Listener): Promise<void> {
  const { ProcessPool } = await import('./supervisor.js'); // the master's part (a worker never needs it)
  await new ProcessPool(ctx, { size: ctx.config.workers, listenFd: listener.fd }).run();
}

export async function worker(ctx: ServerContext, handoff: Handoff): Promise<void> {
  await acceptLoop(ctx, handoff.listenFd, { maxConnections: ctx.config.maxRequests });
}
