// The event loop — the lecture's "single-process, single-threaded server with
// an event loop": one infinite loop asks the kernel which sockets are ready
// (epoll / poll / select) and handles each event without ever blocking.
//
// How it lives inside Node. Node has an event loop of its own (libuv), which
// runs timers, promises, fs and fetch for the handlers. We keep our loop the
// one that waits — that is the point of the model — and make Node's loop one
// more descriptor in our set: libuv's backend descriptor (its own epoll fd)
// is readable whenever Node has I/O or a signal to process. Each turn waits on
//
//     our sockets + Node's backend fd,  for at most our next timeout
//
// and when Node has work we yield one turn to it (setImmediate), then wait
// again. The same scheme serves all three pollers (epoll, poll and select can
// all watch an epoll fd) and the process sleeps in the kernel when idle.
// Node's *timers* are not descriptors, and libuv cannot tell us their next
// deadline from where we run (uv_backend_timeout() answers 0 inside a
// setImmediate callback), so the wait is capped: 2 ms while a handler's
// promise is pending (its timers fire at most that late), 100 ms otherwise
// (ten cheap wake-ups a second when idle). The alternative for epoll alone —
// a uv_poll on our epoll fd (sys/uv.ts), so Node's loop waits and calls us —
// would make Node the loop and ours a callback, the opposite of the model.
import { openSync } from 'node:fs';
import * as sys from '../../sys/index.js';
import type { ServerContext } from '../context.js';
import { Cell, WorkerState } from '../scoreboard.js';
import { yieldToNode } from '../yield.js';
import { Connection } from './connection.js';
import { TimeoutList } from './timeouts.js';
import { READABLE, type Poller } from './pollers/index.js';
import { errorReply, closingResponse } from '../../http/index.js';

const ACCEPTS_PER_TURN = 128; // fairness: a flood of connections must not starve the open ones
const SHUTDOWN_GRACE_MS = 10_000;
const ASYNC_WAIT_CAP_MS = 2;
const IDLE_WAIT_CAP_MS = 100;

export class Reactor {
  readonly recvBuffer = Buffer.allocUnsafe(64 * 1024);
  readonly headerTimeouts: TimeoutList;
  readonly idleTimeouts: TimeoutList;
  readonly sendTimeouts: TimeoutList;
  readonly lingerTimeouts = new TimeoutList('linger', 1000);
  /** Date.now() of this turn (one clock read per turn, not per event). */
  now = Date.now();
  /** Application promises and streams in flight: while > 0, Node gets a turn every turn. */
  pendingAsync = 0;
  private readonly conns: (Connection | undefined)[] = [];
  private open = 0;
  private readonly uvFd: number;
  private spareFd = -1; // the reserve descriptor for EMFILE
  private warnedFdLimit = false;
  private listening = true;

  constructor(
    readonly ctx: ServerContext,
    readonly poller: Poller,
    private readonly listenFd: number,
  ) {
    this.headerTimeouts = new TimeoutList('header', ctx.timeouts.headerMs);
    this.idleTimeouts = new TimeoutList('idle', ctx.timeouts.idleMs);
    this.sendTimeouts = new TimeoutList('send', ctx.timeouts.sendMs);
    sys.setNonBlocking(listenFd, true);
    poller.add(listenFd, READABLE);
    this.uvFd = sys.uvBackendFd();
    poller.add(this.uvFd, READABLE);
    this.spareFd = openSpare();
  }

  async run(): Promise<void> {
    const { poller, ctx } = this;
    const row = ctx.row;
    let stopDeadline = Infinity;
    for (;;) {
      this.now = Date.now();
      if (ctx.stopping) {
        if (this.listening) stopDeadline = this.stopListening();
        if (this.open === 0 || this.now > stopDeadline) break;
      }
      this.expireTimers();

      // How long may we sleep? Until our next timeout or Node's next timer.
      let timeout = Math.min(this.headerTimeouts.next, this.idleTimeouts.next, this.sendTimeouts.next, this.lingerTimeouts.next);
      timeout = timeout === Infinity ? -1 : Math.max(0, timeout - this.now);
      const cap = this.pendingAsync > 0 ? ASYNC_WAIT_CAP_MS : IDLE_WAIT_CAP_MS;
      if (timeout < 0 || timeout > cap) timeout = cap;

      ctx.log.flush();
      row[Cell.State] = WorkerState.Accepting;
      const n = poller.wait(timeout);
      this.now = Date.now();
      let nodeHasWork = n === 0; // the cap ran out: maybe one of Node's timers is due
      for (let i = 0; i < n; i++) {
        const fd = poller.readyFd(i);
        if (fd === this.listenFd) this.acceptAll();
        else if (fd === this.uvFd) nodeHasWork = true;
        else this.conns[fd]?.ready(poller.readyMask(i));
      }
      if (nodeHasWork || this.pendingAsync > 0) await yieldToNode();
    }
    for (const c of this.conns) c?.close();
    poller.close();
    if (this.spareFd >= 0) sys.close(this.spareFd);
    row[Cell.State] = WorkerState.Stopped;
  }

  private expireTimers(): void {
    const now = this.now;
    this.headerTimeouts.expire(now);
    this.idleTimeouts.expire(now);
    this.sendTimeouts.expire(now);
    this.lingerTimeouts.expire(now);
  }

  private acceptAll(): void {
    const { ctx, poller } = this;
    for (let i = 0; i < ACCEPTS_PER_TURN; i++) {
      let fd: number;
      try {
        fd = sys.accept(this.listenFd, true);
      } catch (e) {
        if (e instanceof sys.SysError && (e.code === 'EMFILE' || e.code === 'ENFILE')) return this.shedOne(e);
        throw e;
      }
      if (fd < 0) return; // the backlog is empty
      if (fd >= poller.fdLimit) {
        this.refuse(fd);
        continue;
      }
      sys.setNoDelay(fd, true);
      const conn = new Connection(fd, this);
      try {
        const peer = sys.remoteAddress(fd);
        conn.http.remoteAddress = peer.address;
        conn.http.remotePort = peer.port;
      } catch {
        sys.close(fd); // already gone
        continue;
      }
      this.conns[fd] = conn;
      this.open++;
      ctx.row[Cell.Connections]++;
      ctx.row[Cell.ActiveConnections]++;
      poller.add(fd, READABLE);
      this.headerTimeouts.schedule(conn, this.now);
    }
  }

  /** select() cannot watch fd ≥ FD_SETSIZE: answer 503 and close, say why once. */
  private refuse(fd: number): void {
    if (!this.warnedFdLimit) {
      this.warnedFdLimit = true;
      this.ctx.notice(`poller ${this.poller.name} cannot watch descriptors ≥ ${this.poller.fdLimit}; refusing such connections with 503 (use --poller epoll)`);
    }
    const bytes = closingResponse(errorReply(503, `too many connections for the ${this.poller.name} poller`));
    try {
      sys.send(fd, bytes, 0, bytes.length); // best effort: the socket buffer is empty, it fits
    } catch {
      /* gone */
    }
    sys.close(fd);
    this.ctx.row[Cell.Errors]++;
  }

  /**
   * Out of descriptors: the pending connection would make the listener
   * readable forever (a busy loop). Free the spare descriptor, accept the
   * connection and close it at once, then take the spare back.
   */
  private shedOne(e: Error): void {
    this.ctx.notice(`${e.message}: shedding a connection`);
    if (this.spareFd >= 0) {
      sys.close(this.spareFd);
      this.spareFd = -1;
      try {
        const fd = sys.accept(this.listenFd, true);
        if (fd >= 0) sys.close(fd);
      } catch {
        /* still out */
      }
      this.spareFd = openSpare();
    }
  }

  /** Graceful shutdown: stop accepting, close idle connections; in-flight ones finish. */
  private stopListening(): number {
    this.listening = false;
    this.poller.remove(this.listenFd);
    for (const c of this.conns) if (c !== undefined && c.idle) c.close();
    return this.now + SHUTDOWN_GRACE_MS;
  }

  /** A connection closed: drop it from the poller and the table. */
  forget(conn: Connection): void {
    try {
      this.poller.remove(conn.fd);
    } catch {
      /* never added */
    }
    sys.close(conn.fd);
    this.conns[conn.fd] = undefined;
    this.open--;
    this.ctx.row[Cell.ActiveConnections]--;
  }
}

function openSpare(): number {
  try {
    return openSync('/dev/null', 'r');
  } catch {
    return -1;
  }
}
