// One client connection inside the reactor. Every method runs to completion
// without blocking: reads take what the kernel has, writes send what the
// kernel accepts and queue the rest until the socket is writable again.
import * as sys from '../../sys/index.js';
import { Event, HttpConnection, Outgoing, CONTINUE, CRLF, LAST_CHUNK, chunkHeader, errorReply } from '../../http/index.js';
import type { Reply, FileBody } from '../../http/types.js';
import { callApp, prepare, finish, release } from '../exchange.js';
import { Cell } from '../scoreboard.js';
import { READABLE, WRITABLE, FAILED } from './pollers/index.js';
import type { Timed, TimeoutList } from './timeouts.js';
import type { Reactor } from './reactor.js';

interface FilePiece {
  fd: number;
  offset: number;
  length: number;
}
type Piece = Uint8Array | FilePiece;

const MAX_GATHER = 16;
const STREAM_HIGH_WATER = 256 * 1024;

export class Connection implements Timed {
  // Timed
  deadline = 0;
  timerPrev: Timed | null = null;
  timerNext: Timed | null = null;
  timerList: TimeoutList | null = null;

  readonly http: HttpConnection;
  private readonly out = new Outgoing();
  private mask = READABLE; // what the poller watches for
  private closed = false;
  private lingering = false;
  /** A reply is being produced or sent: don't parse the next request yet. */
  private busy = false;
  private reply: Reply | null = null;
  private replyRequest: typeof this.http.request | null = null;
  private startedAt = 0;
  private sentBytes = 0;
  // The write queue: byte pieces and file ranges, in order.
  private readonly queue: Piece[] = [];
  private queueOffset = 0; // bytes of queue[0] already sent
  private queuedBytes = 0;
  private drained: (() => void) | null = null; // a stream waiting for room
  private gather: Uint8Array[] = [];
  private processing = false;
  private awaitingDrain = false; // a complete response is still in the queue

  constructor(
    readonly fd: number,
    private readonly reactor: Reactor,
  ) {
    this.http = new HttpConnection(reactor.ctx.limits);
  }

  /** Between requests with nothing in flight: safe to close on shutdown. */
  get idle(): boolean {
    return !this.busy && !this.http.midRequest && this.queue.length === 0;
  }

  onTimeout(list: TimeoutList): void {
    const r = this.reactor;
    if (list === r.headerTimeouts && this.http.midRequest && !this.busy) {
      this.respond(errorReply(408, 'the request did not arrive in time'), null, true);
    } else this.close();
  }

  /** The poller says we may read and/or write. */
  ready(mask: number): void {
    // A hang-up while we wait for nothing (the application is working): give up on this client.
    if (mask & FAILED && this.mask === 0) return this.close();
    if (mask & WRITABLE && this.queue.length > 0 && this.flush() && this.awaitingDrain) {
      this.awaitingDrain = false;
      this.responseDone();
    }
    if (mask & READABLE && !this.closed && this.mask & READABLE) this.read();
  }

  private read(): void {
    const r = this.reactor;
    const buf = r.recvBuffer;
    let n: number;
    try {
      n = sys.recv(this.fd, buf, 0, buf.length);
    } catch {
      this.close(); // reset by peer
      return;
    }
    if (n === sys.WOULD_BLOCK || n === sys.INTERRUPTED) return;
    if (this.lingering) {
      if (n === 0) this.close(); // the client finished sending: now close quietly
      return;
    }
    if (n === 0) this.http.feedEof();
    else {
      r.ctx.row[Cell.BytesIn] += n;
      if (!this.http.midRequest) {
        this.startedAt = r.now;
        r.headerTimeouts.schedule(this, r.now);
      } else if (this.http.readingBody) {
        r.headerTimeouts.schedule(this, r.now); // a body may take long, but must keep moving
      }
      this.http.feed(buf, 0, n);
    }
    if (!this.busy) this.process();
    else if (this.http.buffered > 1 << 20) this.want(this.mask & ~READABLE); // back-pressure on pipelining
  }

  /** Parse and answer requests until we need bytes or must wait. */
  process(): void {
    this.processing = true;
    try {
      this.answer();
    } finally {
      this.processing = false;
    }
  }

  private answer(): void {
    const r = this.reactor;
    while (!this.closed && !this.busy) {
      const ev = this.http.next();
      switch (ev) {
        case Event.NeedData:
          if (!this.http.midRequest) {
            if (r.ctx.stopping) return this.close();
            if (this.timerList !== r.idleTimeouts) r.idleTimeouts.schedule(this, r.now);
          }
          this.want(READABLE);
          return;
        case Event.Continue:
          this.enqueue(CONTINUE);
          this.flush();
          continue;
        case Event.Error: {
          const e = this.http.error!;
          this.respond(errorReply(e.status, e.message), null, true);
          return;
        }
        case Event.Closed:
          this.close();
          return;
        case Event.Request: {
          const req = this.http.request;
          if (this.timerList !== null) this.timerList.cancel(this);
          if (this.startedAt === 0) this.startedAt = Date.now();
          const reply = callApp(r.ctx, req);
          if (reply instanceof Promise) {
            this.busy = true;
            this.want(0); // nothing to read or write while the application works
            r.pendingAsync++;
            reply.then((rep) => {
              r.pendingAsync--;
              this.busy = false;
              if (this.closed) return release(rep);
              this.respond(rep, req, false);
            });
            return;
          }
          this.respond(reply, req, false);
          continue;
        }
      }
    }
  }

  /** Encode and start sending one response; `fatal` closes (lingering) after it. */
  private respond(reply: Reply, req: typeof this.http.request | null, fatal: boolean): void {
    const out = this.out;
    reply = prepare(this.reactor.ctx, this.http, reply, out);
    this.reply = reply;
    this.replyRequest = req;
    if (fatal) out.close = true;
    this.enqueue(out.head);
    if (out.body !== null) this.enqueue(out.body);
    if (out.file !== null) this.enqueueFile(out.file);
    this.sentBytes = this.queuedBytes;
    this.busy = true;
    const flushed = this.flush();
    if (!flushed && out.transient) this.keepTransient(out.head);
    if (out.stream !== null) this.pump(out.stream, out.chunked);
    else if (flushed) this.responseDone();
    else this.awaitingDrain = true;
  }

  /** The head lives in the thread's shared assembly buffer: copy what the kernel has not taken yet. */
  private keepTransient(head: Buffer): void {
    const q = this.queue;
    const i = q.indexOf(head);
    if (i < 0) return; // sent already
    if (i === 0) {
      q[0] = Buffer.from(head.subarray(this.queueOffset));
      this.queueOffset = 0;
    } else q[i] = Buffer.from(head);
  }

  /** Pull a stream body into the queue, pausing while the queue is full. */
  private async pump(stream: AsyncIterable<Uint8Array>, chunked: boolean): Promise<void> {
    const r = this.reactor;
    r.pendingAsync++;
    try {
      for await (const chunk of stream) {
        if (this.closed) break;
        if (chunk.length === 0) continue;
        if (chunked) this.enqueue(chunkHeader(chunk.length));
        this.enqueue(chunk);
        if (chunked) this.enqueue(CRLF);
        this.sentBytes += chunk.length;
        if (!this.flush() && this.queuedBytes > STREAM_HIGH_WATER) {
          await new Promise<void>((resolve) => (this.drained = resolve));
          if (this.closed) break;
        }
      }
      if (!this.closed && chunked) this.enqueue(LAST_CHUNK);
    } catch (e) {
      r.ctx.notice(`response stream failed: ${e instanceof Error ? e.message : String(e)}`);
      this.out.close = true;
      // The head is out: the only honest signal left is to cut the connection.
      this.closed || this.close();
    } finally {
      r.pendingAsync--;
    }
    if (this.closed) return;
    if (this.flush()) this.responseDone();
  }

  private responseDone(): void {
    const r = this.reactor;
    const out = this.out;
    this.busy = false;
    finish(r.ctx, this.http, this.replyRequest, this.reply, out, this.startedAt, this.sentBytes);
    this.reply = null;
    this.replyRequest = null;
    this.startedAt = 0;
    if (out.close) {
      // We close first: linger, unless the client already finished sending.
      if (this.http.peerDone) this.close();
      else this.linger();
      return;
    }
    if (this.timerList === r.sendTimeouts) r.sendTimeouts.cancel(this);
    // Inside process() its loop goes on to the next request; otherwise start it.
    if (!this.processing) this.process();
  }

  private enqueue(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.queue.push(piece);
    this.queuedBytes += piece.length;
  }

  private enqueueFile(f: FileBody): void {
    this.queue.push({ fd: f.fd, offset: f.offset, length: f.length });
    this.queuedBytes += f.length;
  }

  /** Send as much as the kernel takes. True when the queue is empty. */
  private flush(): boolean {
    const q = this.queue;
    const r = this.reactor;
    try {
      while (q.length > 0) {
        const first = q[0];
        let n: number;
        if (first instanceof Uint8Array) {
          if (q.length === 1 || !(q[1] instanceof Uint8Array)) {
            // Followed by a file: hold the segment so headers and file data share packets.
            n = sys.send(this.fd, first, this.queueOffset, first.length - this.queueOffset, q.length > 1);
          } else {
            const g = this.gather;
            g.length = 0;
            for (let i = 0; i < q.length && i < MAX_GATHER && q[i] instanceof Uint8Array; i++) g.push(q[i] as Uint8Array);
            n = sys.sendv(this.fd, g, g.length, this.queueOffset);
          }
          if (n < 0) break; // would block (or EINTR): wait for writability
          this.consume(n);
        } else {
          n = sys.sendfile(this.fd, first.fd, first.offset, first.length);
          if (n < 0) break;
          if (n === 0) throw new Error('file shorter than announced');
          first.offset += n;
          first.length -= n;
          this.queuedBytes -= n;
          if (first.length === 0) q.shift();
        }
      }
    } catch (e) {
      if (!(e instanceof sys.SysError)) r.ctx.notice(`send failed: ${e instanceof Error ? e.message : String(e)}`);
      this.close();
      return false;
    }
    if (q.length === 0) {
      if (this.mask & WRITABLE) this.want(READABLE);
      if (this.timerList === r.sendTimeouts) r.sendTimeouts.cancel(this);
      const d = this.drained;
      if (d !== null) {
        this.drained = null;
        d();
      }
      return true;
    }
    // The kernel's send buffer is full: wait until it has room, for at most the send timeout.
    this.want(WRITABLE);
    r.sendTimeouts.schedule(this, r.now);
    if (this.drained !== null && this.queuedBytes <= STREAM_HIGH_WATER) {
      const d = this.drained;
      this.drained = null;
      d();
    }
    return false;
  }

  /** Drop n sent bytes from the front of the queue. */
  private consume(n: number): void {
    const q = this.queue;
    this.queuedBytes -= n;
    while (n > 0) {
      const first = q[0] as Uint8Array;
      const left = first.length - this.queueOffset;
      if (n < left) {
        this.queueOffset += n;
        return;
      }
      n -= left;
      q.shift();
      this.queueOffset = 0;
    }
  }

  /** Tell the poller what we wait for (only when it changes: each change is a syscall). */
  private want(mask: number): void {
    if (mask === this.mask || this.closed) return;
    this.mask = mask;
    this.reactor.poller.modify(this.fd, mask);
  }

  /**
   * Closing first, after the last response: stop writing (FIN), then read and
   * discard until the client is done or a second passes. A plain close() with
   * bytes still arriving (a pipelined request, the rest of a refused body)
   * makes the kernel answer with RST, and a RST can destroy the response
   * before the client has read it (nginx's "lingering close").
   */
  private linger(): void {
    const r = this.reactor;
    try {
      sys.shutdown(this.fd, 'write');
    } catch {
      return this.close();
    }
    this.lingering = true;
    this.busy = true;
    r.lingerTimeouts.schedule(this, r.now);
    this.want(READABLE);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const r = this.reactor;
    if (this.timerList !== null) this.timerList.cancel(this);
    if (this.reply !== null) {
      release(this.reply);
      this.reply = null;
    }
    this.queue.length = 0;
    const d = this.drained;
    this.drained = null;
    d?.();
    r.forget(this);
  }
}
