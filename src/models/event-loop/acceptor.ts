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

  constructor(
    readonly fd: number,
    private readonly loop: EventLoop,
    private readonly ctx: ServerContext,
    /** Take over a freshly accepted, non-blocking connection. */
    private readonly adopt: (fd: number) => void,
  ) {
    sys.setNonBlocking(fd, true);
    loop.watch(this, READABLE);
    this.spareFd = openSpare();
  }

  processEvent(): void {
    const fdLimit = this.loop.poller.fdLimit;
    for (let i = 0; i < ACCEPTS_PER_TURN; i++) {
      let fd: number;
      try {
        fd = sys.accept(this.fd, true);
      } catch (e) {
        if (e instanceof sys.SysError && (e.code === 'EMFILE' || e.code === 'ENFILE')) return this.shedOne(e);
        throw e;
      }
      if (fd < 0) return; // the backlog is empty
      if (fd >= fdLimit) this.refuse(fd);
      else this.adopt(fd);
    }
  }

  /** Stop accepting (graceful shutdown): new clients wait in the backlog until the socket is closed. */
  stop(): void {
    this.loop.unwatch(this);
  }

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
