// The iterative server — the lecture's "single process, single thread, no
// event loop":
//
//   fd = socket(); bind(fd); listen(fd);
//   for (;;) { conn = accept(fd); serve(conn); close(conn); }
//
// "A single threaded server can only deal with one client at a time": the
// next client waits in the kernel's listen backlog until the current one is
// finished. Simple, and unacceptable for a web server under load — which the
// lab shows. serve() opened the socket; the loop is the shared accept loop.
import type { ServerContext } from './context.js';
import type { Listener } from './listener.js';
import { acceptLoop } from './accept-loop.js';

export async function run(ctx: ServerContext, listener: Listener): Promise<void> {
  await acceptLoop(ctx, listener.fd);
}
