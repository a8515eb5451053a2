// The listening socket as one more file event on the loop: when it is
// readable, accept4() every pending connection (non-blocking, up to a fair
// share per turn) and hand each one to the server. Two refusals live here:
// select() cannot watch descriptors ≥ FD_SETSIZE (such connections get a
// 503), and when the process is out of descriptors (EMFILE) one pending
// connection is shed so the listener does not stay readable forever.
import { openSync } from 'node:fs';
import * as sys from '../../sys/index.js';
import { errorReply, closingResponse } from '../../http/index.js';
import type { ServerContext } from '../context.js';
import { Cell } from '../scoreboard.js';
import { READABLE } from './pollers/index.js';
import type { EventLoop, FileEvent } from './loop.js';

const ACCEPTS_PER_TURN = 128; // fairness: a flood of connections must not starve the open ones

export class Acceptor implements FileEvent {
  private spareFd: number; // the reserve descriptor for EMFILE
  private warnedFdLimit = false;
  /**
   * How many accept() calls this turn. Accepting until EAGAIN costs one
   * failed accept per turn — a whole system call per connection when they
   * come one at a time. So: one per turn (the listener, level-triggered,
   * stays ready while more wait, as with nginx's multi_accept off); when it
   * is ready again in the very next turn after a batch that was used up, a
   * burst is on: the batch doubles, and falls back to one when it runs dry.
   */
  private batch = 1;
  private fullAt = -2; // the loop's turn when the last batch was used up

  constructor(
    readonly fd: number,
    private readonly loop: EventLoop,
    private readonly ctx: ServerContext,
    /** Take over a freshly accepted, non-blocking connection (its peer: sys.acceptedPeer()). */
    private readonly adopt: (fd: number) => void,
  ) {
    sys.setNonBlocking(fd, true);
    loop.watch(this, READABLE);
    this.spareFd = openSpare();
  }

  processEvent(): void {
    const loop = this.loop;
    const fdLimit = loop.poller.fdLimit;
    if (this.fullAt !== loop.turn - 1) this.batch = 1;
    for (let i = 0; i < this.batch; i++) {
      let fd: number;
      try {
        fd = sys.acceptWithPeer(this.fd, true);
      } catch (e) {
        if (e instanceof sys.SysError && (e.code === 'EMFILE' || e.code === 'ENFILE')) return this.shedOne(e);
        throw e;
      }
      if (fd < 0) {
        this.batch = 1; // the backlog is empty
        this.fullAt = -2;
        return;
      }
      if (fd >= fdLimit) this.refuse(fd);
      else this.adopt(fd);
    }
    if (this.fullAt === loop.turn - 1 && this.batch < ACCEPTS_PER_TURN) this.batch *= 2;
    this.fullAt = loop.turn;
  }

  /**
   * Stop accepting (graceful shutdown), and stop listening: new clients are
   * refused at once rather than queued in a backlog nobody serves (see
   * stopListening in serve.ts; this covers a worker's own SO_REUSEPORT socket,
   * which also leaves the port's group, so the kernel stops sending it clients).
   */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.loop.unwatch(this);
    try {
      sys.shutdown(this.fd, 'read');
    } catch {
      /* not listening any more */
    }
  }
  private stopped = false;

  close(): void {
    this.stop();
    if (this.spareFd >= 0) sys.close(this.spareFd);
    this.spareFd = -1;
  }

  /** select() cannot watch fd ≥ FD_SETSIZE: answer 503 and close, say why once. */
  private refuse(fd: number): void {
    const poller = this.loop.poller;
    if (!this.warnedFdLimit) {
      this.warnedFdLimit = true;
      this.ctx.notice(`poller ${poller.name} cannot watch descriptors ≥ ${poller.fdLimit}; refusing such connections with 503 (use --poller epoll)`);
    }
    const bytes = closingResponse(errorReply(503, `too many connections for the ${poller.name} poller`));
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
    if (this.spareFd < 0) return;
    sys.close(this.spareFd);
    this.spareFd = -1;
    try {
      const fd = sys.accept(this.fd, true);
      if (fd >= 0) sys.close(fd);
    } catch {
      /* still out */
    }
    this.spareFd = openSpare();
  }
}

function openSpare(): number {
  try {
    return openSync('/dev/null', 'r');
  } catch {
    return -1;
  }
}
