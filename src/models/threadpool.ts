// The thread pool (in the manner of Apache's worker MPM): N threads of this
// one process, each blocking in accept() on the shared listening socket and
// serving one connection at a time with the same accept loop as the
// iterative server, connection after connection. A thread is far cheaper
// than a process to keep (one V8 isolate each, no second copy of Node), and
// the pool bounds how many clients are served at once. A thread that dies
// is replaced; on shutdown the master wakes the threads blocked in accept()
// and recv() by shutting those descriptors down.
import * as sys from '../sys/index.js';
import type { ServerContext } from './context.js';
import type { Listener } from './listener.js';
import type { Handoff } from './handoff.js';
import { ThreadPool } from './supervisor.js';
import { acceptLoop } from './accept-loop.js';
import { wakeIdleConnections } from './thread-wake.js';

export async function run(ctx: ServerContext, listener: Listener): Promise<void> {
  const onStop = () => {
    sys.shutdown(listener.fd, 'read'); // every accept() blocked on it returns (EINVAL): the loops end
    wakeIdleConnections(ctx.scoreboard);
  };
  await new ThreadPool(ctx, { size: ctx.config.workers, listenFd: listener.fd, onStop }).run();
}

export async function worker(ctx: ServerContext, handoff: Handoff): Promise<void> {
  await acceptLoop(ctx, handoff.listenFd, { maxConnections: ctx.config.maxRequests });
}
