// The iterative server — the lecture's "single process, single thread, no
// event loop":
//
//   fd = socket(); bind(fd); listen(fd);
//   for (;;) { conn = accept(fd); serve(conn); close(conn); }
//
// One connection at a time, in order of arrival; the next client waits in
// the kernel's listen backlog until the current one is finished. Simple,
// and unacceptable for a web server under load — which the lab shows.
import * as sys from '../sys/index.js';
import type { ServerContext } from './context.js';
import { Cell, WorkerState } from './scoreboard.js';
import { serveConnection } from './blocking-connection.js';
import { yieldToNode } from './yield.js';

/** accept() gives up after this long so Node gets a turn (timers, signals). */
const ACCEPT_WAKEUP_MS = 1000;

export async function runIterative(ctx: ServerContext, listenFd: number): Promise<void> {
  sys.setRecvTimeout(listenFd, ACCEPT_WAKEUP_MS); // SO_RCVTIMEO bounds a blocking accept() too
  const row = ctx.row;
  while (!ctx.stopping) {
    row[Cell.State] = WorkerState.Accepting;
    ctx.log.flush();
    let fd: number;
    try {
      fd = sys.accept(listenFd); // blocks: the whole process sleeps here
    } catch (e) {
      if (e instanceof sys.SysError && (e.code === 'EMFILE' || e.code === 'ENFILE')) {
        // Out of descriptors: the pending connection stays in the backlog; wait rather than spin.
        ctx.notice(e.message);
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      throw e;
    }
    if (fd < 0) {
      await yieldToNode(); // timeout or signal
      continue;
    }
    await serveConnection(fd, ctx);
  }
  row[Cell.State] = WorkerState.Stopped;
}
