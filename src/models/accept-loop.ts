// The blocking accept loop, the heart of the iterative server and of every
// pool worker (a prefork process, a threadpool thread) — unchanged in each:
//
//   for (;;) { conn = accept(listenFd); serve(conn); close(conn); }
//
// One connection at a time; the next client waits in the kernel's listen
// backlog (or, in a pool, is taken by another worker blocked in the same
// accept() on the same socket — the kernel wakes one of them).
import * as sys from '../sys/index.js';
import type { ServerContext } from './context.js';
import { Cell, WorkerState } from './scoreboard.js';
import { serveConnection } from './blocking-connection.js';
import { yieldToNode } from './yield.js';

/** accept() gives up after this long so Node gets a turn (timers, signals): SO_RCVTIMEO bounds a blocking accept() too. */
const ACCEPT_WAKEUP_MS = 1000;
const OUT_OF_FDS_PAUSE_MS = 100;

export interface AcceptLoopOptions {
  /** Stop after this many connections (a pool worker recycled by --max-requests); 0 = never. */
  maxConnections?: number;
}

/** Accept and serve connections until ctx.stopping (or the listener is shut down); returns how many were served. */
export async function acceptLoop(ctx: ServerContext, listenFd: number, { maxConnections = 0 }: AcceptLoopOptions = {}): Promise<number> {
  sys.setRecvTimeout(listenFd, ACCEPT_WAKEUP_MS);
  const row = ctx.row;
  let served = 0;
  let warnedAt = 0;
  ctx.started();
  await yieldToNode(); // let whoever waited for the start run before this thread blocks
  while (!ctx.stopping && (maxConnections === 0 || served < maxConnections)) {
    row[Cell.State] = WorkerState.Accepting;
    ctx.flushLogBlocking();
    let fd: number;
    try {
      fd = sys.acceptWithPeer(listenFd); // blocks: this whole thread sleeps here
    } catch (e) {
      if (!(e instanceof sys.SysError)) throw e;
      if (e.code === 'EMFILE' || e.code === 'ENFILE') {
        // Out of descriptors: the pending connection stays in the backlog; wait rather than spin.
        if (Date.now() - warnedAt > 1000) ctx.notice(`${e.message}: waiting for descriptors to free up`);
        warnedAt = Date.now();
        await new Promise((r) => setTimeout(r, OUT_OF_FDS_PAUSE_MS));
        continue;
      }
      // shutdown() of the listener (how a master wakes its threads to stop) or a closed one.
      if (e.code === 'EINVAL' || e.code === 'EBADF') break;
      throw e;
    }
    if (fd < 0) {
      await yieldToNode(); // timeout or signal
      continue;
    }
    await serveConnection(fd, ctx, { peer: sys.acceptedPeer(), recvTimeoutMs: ACCEPT_WAKEUP_MS });
    served++;
  }
  row[Cell.State] = WorkerState.Stopped;
  return served;
}
