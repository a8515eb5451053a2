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
import type { Timed, TimeoutList } from './timeouts.js';

const ACCEPTS_PER_TURN = 128; // fairness: a flood of connections must not starve the open ones
const OUT_OF_FDS_PAUSE_MS = 100; // no spare descriptor to shed with: stop watching the listener this long
const NOTICE_EVERY_MS = 1000; // say "out of descriptors" at most this often

export class Acceptor implements FileEvent, Timed {
  private spareFd: number; // the reserve descriptor for EMFILE
  private warnedFdLimit = false;
  private shed = 0; // connections shed so far
  private noticedAt = -Infinity;
  private readonly pauses: TimeoutList;
  deadline = 0;
  timerPrev: Timed | null = null;
  timerNext: Timed | null = null;
  timerList: TimeoutList | null = null;
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
    this.pauses = loop.timeouts('accept pause', OUT_OF_FDS_PAUSE_MS);
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
    this.pauses.cancel(this);
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
   * connection and close it at once (the client sees a reset, not a hang),
   * then take the spare back. When there is no spare to free (another part
   * of the process took it), stop watching the listener for a moment:
   * the backlog holds the clients meanwhile.
   */
  private shedOne(e: Error): void {
    this.spareFd = this.spareFd >= 0 ? this.spareFd : openSpare();
    if (this.spareFd >= 0) {
      sys.close(this.spareFd);
      try {
        const fd = sys.accept(this.fd, true);
        if (fd >= 0) {
          sys.close(fd);
          this.shed++;
        }
      } catch {
        /* still out */
      }
      this.spareFd = openSpare();
    }
    if (this.spareFd < 0) {
      this.loop.watch(this, 0);
      this.pauses.schedule(this, this.loop.now);
    }
    const now = this.loop.now;
    if (now - this.noticedAt >= NOTICE_EVERY_MS) {
      this.noticedAt = now;
      const what = this.spareFd < 0 ? `pausing accept() for ${OUT_OF_FDS_PAUSE_MS} ms` : 'shedding connections';
      this.ctx.notice(`${e.message}: ${what} (${this.shed} shed so far)`);
    }
  }

  /** The pause is over: watch the listener again. */
  onTimeout(): void {
    if (!this.stopped) this.loop.watch(this, READABLE);
  }
}

function openSpare(): number {
  try {
    return openSync('/dev/null', 'r');
  } catch {
    return -1;
  }
}
