// One client connection inside the event loop. Every method runs to
// completion without blocking: reads take what the kernel has, writes send
// what the kernel accepts and queue the rest until the socket is writable
// again. Its life is one state at a time:
//
//   Reading ──request──▶ Handling (the app's promise) ──▶ Writing / Streaming ──▶ Reading …
//      ╰── error, timeout, Connection: close ──▶ Lingering ──▶ Closed
import * as sys from '../../sys/index.js';
import { Event, HttpConnection, Outgoing, Phase, errorReply, type Reply, type Request } from '../../http/index.js';
import type { ServerContext } from '../context.js';
import { callApp, prepare, finish, release, tooLate } from '../exchange.js';
import { Cell } from '../scoreboard.js';
import { READABLE, WRITABLE, FAILED } from './pollers/index.js';
import type { Timed, TimeoutList } from './timeouts.js';
import type { EventLoop, FileEvent } from './loop.js';
import { WriteQueue } from './write-queue.js';

/** What every connection of one server shares; the server implements it. */
export interface ConnectionHost {
  readonly loop: EventLoop;
  readonly ctx: ServerContext;
  /** One receive buffer for all: a read is parsed before the next one happens. */
  readonly recvBuffer: Buffer;
  readonly timeouts: {
    readonly header: TimeoutList;
    readonly idle: TimeoutList;
    readonly send: TimeoutList;
    readonly linger: TimeoutList;
    /** The application must answer, and a stream yield its next chunk, within this. */
    readonly handler: TimeoutList;
  };
  /** The connection is done: forget it and close its descriptor. */
  closed(conn: Connection): void;
  /** With a status page: where this turn's system calls begin in the worker's record (the wait that started it). */
  readonly turnSeq: number;
}

const enum State {
  /** Waiting for (or parsing) the next request. */
  Reading,
  /** The application is working on a request (its promise is pending). */
  Handling,
  /** A complete response is in the write queue. */
  Writing,
  /** A response body of unknown length is being pulled from its stream. */
  Streaming,
  /** We closed first: FIN sent, discarding input until the client closes (see linger()). */
  Lingering,
  Closed,
}

const STREAM_HIGH_WATER = 256 * 1024;
const PIPELINE_BUFFER_MAX = 1 << 20;

export class Connection implements FileEvent, Timed {
  // Timed
  deadline = 0;
  timerPrev: Timed | null = null;
  timerNext: Timed | null = null;
  timerList: TimeoutList | null = null;

  readonly http: HttpConnection;
  private state = State.Reading;
  private mask = READABLE; // what the poller watches for (once watched)
  private watched = false; // registered with the poller yet (see start())
  private readonly out = new Outgoing();
  private readonly queue = new WriteQueue();
  private reply: Reply | null = null;
  private replyRequest: Request | null = null;
  private startedAt = 0;
  /** Wire bytes of the current response queued so far, head included (what is sent is this minus what is still queued). */
  private sentBytes = 0;
  private drained: (() => void) | null = null; // a stream waiting for room in the queue
  /** Counts the application calls on this connection: an answer that comes after a timeout is for an old one. */
  private calls = 0;
  /** The scoreboard cell that counts this connection by its state (Cell.OpenReading…); the server counted it in at adopt(). */
  private openCell: number = Cell.OpenReading;
  /** With a status page: where the current request's system calls begin in the worker's record. */
  private traceFrom: number;

  /** Whether close() left nothing behind that still refers to this object (see reopen()). */
  private reusable = false;

  constructor(
    public fd: number,
    private readonly host: ConnectionHost,
  ) {
    this.http = new HttpConnection(host.ctx.limits, host.ctx.bodyBudget);
    this.http.keepBody = host.ctx.keepBody;
    this.traceFrom = host.turnSeq; // the turn that accepted it: its first request's calls include the accept
  }

  /**
   * A closed connection, made new for a freshly accepted descriptor: the
   * server keeps a few closed ones, so a stream of short connections does not
   * allocate (and collect) a connection, a parser and a write queue each.
   * Only for one that close() left reusable: no handler's promise or body
   * stream still holds it (a late answer is told apart by `calls`, which
   * only grows).
   */
  reopen(fd: number): this {
    if (!this.reusable) throw new Error('reopen() of a connection that is still referred to');
    this.reusable = false;
    this.fd = fd;
    this.state = State.Reading;
    this.mask = READABLE;
    this.watched = false;
    this.sentBytes = 0;
    this.startedAt = 0;
    this.replyRequest = null;
    this.openCell = Cell.OpenReading;
    this.traceFrom = this.host.turnSeq;
    this.http.reset();
    return this;
  }

  /** close() left nothing behind: reopen() may take it. */
  get recyclable(): boolean {
    return this.reusable;
  }

  /** Count this connection in another state on the scoreboard (plain stores). */
  private count(cell: number): void {
    const row = this.host.ctx.row;
    row[this.openCell]--;
    row[cell]++;
    this.openCell = cell;
  }

  /** Between requests with nothing in flight: safe to close on shutdown. */
  get idle(): boolean {
    return this.state === State.Reading && this.http.phase === Phase.Idle;
  }

  onTimeout(list: TimeoutList): void {
    const { timeouts } = this.host;
    const phase = this.http.phase;
    if (list === timeouts.header && this.state === State.Reading && (phase === Phase.Head || phase === Phase.Body)) {
      this.http.abandon(408, 'the request did not arrive in time');
      this.respond(errorReply(408, this.http.error!.message), null, true);
    } else if (list === timeouts.handler && this.state === State.Handling) {
      this.calls++; // whatever the application answers later is dropped
      this.host.loop.done();
      this.state = State.Reading; // (respond() moves on from here)
      this.http.close(); // "Connection: close": the answer that would have come is lost
      this.respond(tooLate(this.host.ctx, this.http.request), this.http.request, true);
    } else if (list === timeouts.handler && this.state === State.Streaming) {
      this.host.ctx.error(`response stream produced nothing for ${this.host.ctx.timeouts.handlerMs} ms; connection cut`);
      this.close(); // the head is out: cutting the connection is the only signal left
    } else this.close();
  }

  /**
   * A connection just accepted. Under load its request has usually arrived
   * by the time accept() returns it: with `eager`, read it at once, and join
   * the poller's set only if the connection is still open afterwards — a
   * one-request connection then costs accept, recv, send and close, and no
   * epoll_ctl (the listener's readiness stood in for the socket's). True
   * when the eager read found the client's bytes (or its end).
   */
  start(eager: boolean): boolean {
    const found = eager && this.read();
    if (!this.closed && !this.watched) {
      this.watched = true;
      this.host.loop.watch(this, this.mask);
    }
    return found;
  }

  /** The lecture's processEvent: the poller says this socket may be read and/or written. */
  processEvent(mask: number): void {
    // A hang-up while we wait for nothing (the application is working): give up on this client.
    if (mask & FAILED && this.mask === 0) return this.close();
    if (mask & WRITABLE && !this.queue.empty) this.write();
    if (mask & READABLE && !this.closed && this.mask & READABLE) this.read();
  }

  /** Receive what the kernel has and act on it. False when it had nothing yet. */
  private read(): boolean {
    const { recvBuffer: buf, ctx, loop } = this.host;
    let n: number;
    try {
      n = sys.recv(this.fd, buf, 0, buf.length);
    } catch {
      if (this.state === State.Handling || this.state === State.Streaming) this.http.request.abort('the client reset the connection');
      this.close(); // reset by peer
      return true;
    }
    if (n === sys.WOULD_BLOCK || n === sys.INTERRUPTED) return false;
    if (this.state === State.Lingering) {
      if (n === 0) this.close(); // the client finished sending: now close quietly
      return true;
    }
    if (n === 0) {
      this.http.feedEof();
      // Gone while its request is being answered: tell the application (request.signal).
      if (this.state === State.Handling || this.state === State.Streaming) {
        this.http.request.abort('the client closed the connection');
        // And stop reading: a socket at EOF stays readable, so the (level-triggered) poller
        // would report it every turn for as long as the handler works — a busy loop. A reset
        // still shows (as a hang-up); a half-closed client still gets its response.
        this.want(this.mask & ~READABLE);
      }
    } else {
      ctx.row[Cell.BytesIn] += n;
      if (this.http.phase === Phase.Idle) {
        this.startedAt = loop.now; // a request begins with its first byte
        if (this.http.requests > 0) {
          this.count(Cell.OpenReading);
          this.traceFrom = this.host.turnSeq;
        }
      }
      this.http.feed(buf, 0, n);
    }
    if (this.state === State.Reading) this.process();
    else if (this.http.buffered > PIPELINE_BUFFER_MAX) this.want(this.mask & ~READABLE); // back-pressure on pipelining
    return true;
  }

  /** Parse and answer requests, one after the other, until we need bytes or must wait. */
  process(): void {
    const { ctx, loop } = this.host;
    while (this.state === State.Reading) {
      switch (this.http.next()) {
        case Event.NeedData:
          if (this.http.phase === Phase.Idle && ctx.stopping) return this.close();
          this.armClock();
          this.want(READABLE);
          return;
        case Event.Continue:
          this.queue.push(this.http.continueResponse());
          this.flush();
          continue;
        case Event.Error: {
          const e = this.http.error!;
          return this.respond(errorReply(e.status, e.message), null, true);
        }
        case Event.Closed:
          return this.close();
        case Event.Request: {
          const req = this.http.request;
          if (this.timerList !== null) this.timerList.cancel(this);
          if (this.startedAt === 0) this.startedAt = loop.now;
          const reply = callApp(ctx, req);
          if (reply instanceof Promise) {
            // While the application works we still read: to notice a client that goes away.
            this.state = State.Handling;
            this.count(Cell.OpenHandling);
            this.host.timeouts.handler.schedule(this, loop.now);
            loop.hold();
            const call = ++this.calls;
            reply.then((rep) => {
              if (call !== this.calls || this.closed) {
                if (call === this.calls) loop.done();
                return release(rep);
              }
              loop.done();
              if (this.timerList === this.host.timeouts.handler) this.timerList.cancel(this);
              this.state = State.Reading;
              this.respond(rep, req, false);
              this.resume();
            });
            return;
          }
          this.respond(reply, req, false);
          continue; // answered at once: go on with the next pipelined request
        }
      }
    }
  }

  /** Exactly one clock runs while we wait for bytes (see http's Phase). */
  private armClock(): void {
    const { timeouts, loop } = this.host;
    const phase = this.http.phase;
    const list = phase !== Phase.Idle ? timeouts.header : this.http.requests === 0 ? timeouts.header : timeouts.idle;
    // A body may take long, but must keep moving: its clock restarts each time we
    // wait for more of it, and when it begins (as in the blocking models), so a
    // client that waited for our 100 Continue is not charged for its head's time.
    if (this.timerList !== list || phase === Phase.Body) list.schedule(this, loop.now);
  }

  /** Back in Reading after a response finished outside process(): go on with the next request. */
  private resume(): void {
    if (this.state === State.Reading) this.process();
  }

  /** Encode and start sending one response; `fatal` closes (lingering) after it. */
  private respond(reply: Reply, req: Request | null, fatal: boolean): void {
    const out = this.out;
    reply = prepare(this.host.ctx, this.http, reply, out, this.host.loop.now);
    this.reply = reply;
    this.replyRequest = req;
    if (fatal) out.close = true;
    const queue = this.queue;
    queue.push(out.head);
    if (out.body !== null) queue.push(out.body);
    if (out.file !== null) queue.pushFile(out.file);
    this.sentBytes = queue.bytes;
    this.state = State.Writing;
    this.count(Cell.OpenWriting);
    const flushed = this.flush();
    if (this.closed) return;
    if (!flushed && out.transient) queue.keepCopy(out.head);
    if (out.stream !== null) void this.pump(out.stream);
    else if (flushed) this.responseDone();
  }

  /** Pull a stream body into the queue, framed by http/, pausing while the queue is full. */
  private async pump(stream: AsyncIterable<unknown>): Promise<void> {
    const { loop, ctx, timeouts } = this.host;
    const out = this.out;
    this.state = State.Streaming;
    loop.hold();
    const chunks = stream[Symbol.asyncIterator]();
    try {
      for (;;) {
        timeouts.handler.schedule(this, loop.now); // the next chunk must come in time
        const next = await chunks.next();
        if (this.timerList === timeouts.handler) timeouts.handler.cancel(this);
        if (this.closed) break;
        if (next.done === true) break;
        const pieces = out.frame(next.value);
        if (pieces.length === 0) continue;
        for (const p of pieces) {
          this.queue.push(p);
          this.sentBytes += p.length;
        }
        if (!this.flush() && this.queue.bytes > STREAM_HIGH_WATER) {
          await new Promise<void>((resolve) => (this.drained = resolve));
        }
        if (this.state !== State.Streaming) break;
      }
      if (this.state === State.Streaming) {
        const last = out.end();
        if (last !== null) {
          this.queue.push(last);
          this.sentBytes += last.length;
        }
      } else void chunks.return?.()?.catch(() => {});
    } catch (e) {
      ctx.error(`response stream failed: ${e instanceof Error ? e.message : String(e)}`);
      // The head is out: the only honest signal left is to cut the connection.
      this.close();
    } finally {
      loop.done();
    }
    if (this.state !== State.Streaming) return;
    this.state = State.Writing;
    if (this.flush()) {
      this.responseDone();
      this.resume();
    }
  }

  /** The socket is writable again: send more of the queue. */
  private write(): void {
    const flushed = this.flush();
    if (this.state === State.Streaming) {
      const d = this.drained;
      if (d !== null && this.queue.bytes <= STREAM_HIGH_WATER) {
        this.drained = null;
        d();
      }
    } else if (flushed && this.state === State.Writing) {
      this.responseDone();
      this.resume();
    }
  }

  /** The whole response is out: account for it, then close or wait for the next request. */
  private responseDone(): void {
    const { ctx, timeouts } = this.host;
    const out = this.out;
    finish(ctx, this.http, this.replyRequest, this.reply, out, this.startedAt, this.sentBytes, false, this.host.loop.now);
    if (ctx.status !== null) this.traceFrom = ctx.status.done(this.traceFrom, this.fd, this.reply);
    this.reply = null;
    this.replyRequest = null;
    this.startedAt = 0;
    if (out.close) {
      // We close first: linger, unless the client cannot be sending any more.
      return this.http.clientMaySendMore ? this.linger() : this.close();
    }
    if (this.timerList === timeouts.send) timeouts.send.cancel(this);
    this.state = State.Reading;
    this.count(Cell.OpenKeepAlive);
  }

  /** Send what the kernel takes. True when the queue is empty; on a dead peer the connection is closed. */
  private flush(): boolean {
    const { ctx, loop, timeouts } = this.host;
    let done: boolean;
    try {
      done = this.queue.flush(this.fd);
    } catch (e) {
      if (!(e instanceof sys.SysError)) ctx.notice(`send failed: ${e instanceof Error ? e.message : String(e)}`);
      this.close();
      return false;
    }
    if (done) {
      if (this.mask & WRITABLE) this.want(READABLE);
      if (this.timerList === timeouts.send) timeouts.send.cancel(this);
      return true;
    }
    // The kernel's send buffer is full: wait until it has room, for at most the send timeout.
    this.want(WRITABLE);
    timeouts.send.schedule(this, loop.now);
    return false;
  }

  /** Tell the loop what we wait for (it calls the poller only when this changes). */
  private want(mask: number): void {
    if ((mask === this.mask && this.watched) || this.closed) return;
    this.mask = mask;
    this.watched = true;
    this.host.loop.watch(this, mask);
  }

  /**
   * Closing first, after the last response: stop writing (FIN), then read and
   * discard until the client is done or a second passes. A plain close() with
   * bytes still arriving (a pipelined request, the rest of a refused body)
   * makes the kernel answer with RST, and a RST can destroy the response
   * before the client has read it (nginx's "lingering close").
   */
  private linger(): void {
    const { timeouts, loop } = this.host;
    try {
      sys.shutdown(this.fd, 'write');
    } catch {
      return this.close();
    }
    this.state = State.Lingering;
    this.count(Cell.OpenClosing);
    timeouts.linger.schedule(this, loop.now);
    this.want(READABLE);
  }

  /** (A getter, because the state changes under calls the compiler cannot see through.) */
  private get closed(): boolean {
    return this.state === State.Closed;
  }

  close(): void {
    if (this.closed) return;
    const was = this.state;
    this.state = State.Closed;
    if (this.timerList !== null) this.timerList.cancel(this);
    // A response in flight is logged too: cut short, with the bytes that went out;
    // a request whose client left while the application worked, as 499.
    if (this.reply !== null && (was === State.Writing || was === State.Streaming)) {
      finish(this.host.ctx, this.http, this.replyRequest, this.reply, this.out, this.startedAt, this.sentBytes - this.queue.bytes, true);
    } else if (this.reply !== null) release(this.reply);
    else if (was === State.Handling) finish(this.host.ctx, this.http, this.http.request, null, null, this.startedAt, 0, true);
    this.reply = null;
    this.queue.clear();
    this.http.dispose();
    const d = this.drained;
    this.drained = null;
    d?.();
    // A handler's pending promise or a body stream's pump would come back to this object.
    this.reusable = was !== State.Handling && was !== State.Streaming;
    this.host.ctx.row[this.openCell]--;
    this.host.closed(this);
    this.host.ctx.status?.closed(this.fd);
  }
}
