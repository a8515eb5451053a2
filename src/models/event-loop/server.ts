// An HTTP server on one event loop: the acceptor and the connections are its
// file events, its timeouts are lists on the loop, and once per turn it looks
// whether it has been asked to stop (graceful shutdown: stop accepting, close
// idle connections, let in-flight ones finish for up to --shutdown-timeout).
import * as sys from '../../sys/index.js';
import type { ServerContext } from '../context.js';
import { Cell, WorkerState } from '../scoreboard.js';
import { Connection, type ConnectionHost } from './connection.js';
import { Acceptor } from './acceptor.js';
import { READABLE, WRITABLE } from './pollers/index.js';
import type { EventLoop, FileEvent } from './loop.js';

const LINGER_MS = 1000;
/** Closed connections kept for the next clients (objects only: their descriptors are closed). */
const SPARE_CONNECTIONS = 64;
/**
 * After an eager read found nothing (clients that connect first and send
 * later: a browser's spare connection, a light load), this many new
 * connections wait for the poller instead, before the next try: a miss costs
 * a recv() that returns EAGAIN, a hit saves an epoll_ctl and a wake-up.
 */
const EAGER_PAUSE = 16;

export class LoopServer implements ConnectionHost {
  readonly recvBuffer = Buffer.allocUnsafe(64 * 1024);
  readonly timeouts;
  private readonly conns: (Connection | undefined)[] = [];
  private readonly spare: Connection[] = [];
  private eagerPause = 0; // connections left before the next eager read (see EAGER_PAUSE)
  private open = 0;
  private readonly acceptor: Acceptor;
  private stopDeadline = Infinity;
  /** With a status page: the sequence number in this worker's record of the wait that begins the current turn. */
  turnSeq = 0;

  constructor(
    readonly ctx: ServerContext,
    readonly loop: EventLoop,
    listenFd: number,
  ) {
    const t = ctx.timeouts;
    this.timeouts = {
      header: loop.timeouts('header', t.headerMs),
      idle: loop.timeouts('idle', t.idleMs),
      send: loop.timeouts('send', t.sendMs),
      linger: loop.timeouts('linger', LINGER_MS),
      handler: loop.timeouts('handler', t.handlerMs),
    };
    this.acceptor = new Acceptor(listenFd, loop, ctx, (fd) => this.adopt(fd));
    loop.onBeforeSleep(() => this.beforeSleep());
  }

  async run(): Promise<void> {
    const row = this.ctx.row;
    row[Cell.State] = WorkerState.Accepting;
    this.ctx.started();
    await this.loop.run();
    for (const c of this.conns) c?.close();
    this.acceptor.close();
    this.loop.close();
    row[Cell.State] = WorkerState.Stopped;
  }

  private adopt(fd: number): void {
    const { ctx, loop } = this;
    // TCP_NODELAY came with the listener (listener.ts); the address with accept4.
    const conn = this.spare.pop()?.reopen(fd) ?? new Connection(fd, this);
    const peer = sys.acceptedPeer();
    conn.http.remoteAddress = peer.address;
    conn.http.remotePort = peer.port;
    this.conns[fd] = conn;
    this.open++;
    ctx.row[Cell.Connections]++;
    ctx.row[Cell.Open]++;
    ctx.row[Cell.OpenReading]++; // (the connection moves itself between the states from here on)
    this.timeouts.header.schedule(conn, loop.now);
    // (It may be answered and closed, and kept as a spare, before start() returns.)
    if (this.eagerPause > 0) {
      this.eagerPause--;
      conn.start(false);
    } else if (!conn.start(true)) this.eagerPause = EAGER_PAUSE;
  }

  /** stdout is full (a slow reader of the log): let the loop tell us when it is writable again. */
  private waitForStdout(): void {
    if (this.stdoutWatch !== null) return;
    const log = this.ctx.log;
    const watch: FileEvent = {
      fd: log.descriptor,
      processEvent: () => {
        if (!log.flush()) return;
        this.loop.unwatch(watch);
        this.stdoutWatch = null;
      },
    };
    this.stdoutWatch = watch;
    this.loop.watch(watch, WRITABLE);
  }
  private stdoutWatch: FileEvent | null = null;

  closed(conn: Connection): void {
    this.loop.forget(conn); // close() takes it out of the poller's set
    sys.close(conn.fd);
    this.conns[conn.fd] = undefined;
    this.open--;
    this.ctx.row[Cell.Open]--;
    if (conn.recyclable && this.spare.length < SPARE_CONNECTIONS) this.spare.push(conn);
  }

  private beforeSleep(): void {
    const { ctx, loop } = this;
    if (ctx.status !== null) this.turnSeq = ctx.status.seq; // the poller's wait comes next
    if (!ctx.log.flush()) this.waitForStdout();
    if (!ctx.stopping) return;
    if (this.stopDeadline === Infinity) {
      // Graceful shutdown begins: accept nothing new, close what is idle; the rest may finish.
      this.stopDeadline = loop.now + ctx.timeouts.shutdownMs;
      this.acceptor.stop();
      for (const c of this.conns) if (c !== undefined && c.idle) c.close();
    }
    if (this.open === 0) loop.stop();
    else if (loop.now >= this.stopDeadline) {
      ctx.notice(`shutdown timeout (${ctx.timeouts.shutdownMs} ms) reached: cutting ${this.open} connection(s) still in flight`);
      loop.stop();
    }
  }
}
