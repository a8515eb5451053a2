// The thread pool (in the manner of Apache's worker MPM): N threads of this
// one process, each blocking in accept() on the shared listening socket and
// serving one connection at a time with the same accept loop as the
// iterative server, connection after connection. The kernel hands each new
// connection to one of the threads blocked in accept(). A thread is far
// cheaper than a process to keep (one V8 isolate each, no second copy of
// Node), nobody pays a thread start per connection — the price of the
// thread-per-connection server — but N bounds how many clients are served
// at once: the N+1st waits in the backlog until a thread is free.
//
// The main thread only supervises (supervisor.ts): a thread that dies is
// replaced, and its leftover connection closed. On shutdown it wakes the
// threads blocked in accept() by shutting the listening socket down, and
// those blocked in recv() between requests by shutting their connections
// down (thread-wake.ts); a request in flight is finished first.
import * as sys from '../sys/index.js';
import type { ServerContext } from './context.js';
import type { Listener } from './listener.js';
import type { Handoff } from './handoff.js';
import { StartError } from './config.js';
import { ThreadPool } from './supervisor.js';
import { acceptLoop } from './accept-loop.js';

export async function run(ctx: ServerContext, listener: Listener): Promise<void> {
  // Every accept() blocked on it returns (EINVAL) and the loops end; clients still in the backlog are refused.
  const onStop = () => sys.shutdown(listener.fd, 'read');
  let pool;
  try {
    pool = new ThreadPool(ctx, { size: ctx.config.workers, listenFd: listener.fd, onStop });
  } catch (e) {
    throw new StartError((e as Error).message);
  }
  await pool.run();
}

export async function worker(ctx: ServerContext, handoff: Handoff): Promise<void> {
  await acceptLoop(ctx, handoff.listenFd, { maxConnections: ctx.config.maxRequests });
}
