// The server side of one HTTP/1.1 connection as a sans-I/O state machine, in
// the manner of h11: bytes go in with feed(), events come out of next(), and
// the caller (a model) does all the I/O. Nothing here knows a socket or a clock.
//
//   Idle ──head──▶ Body ──complete──▶ Waiting ──responseSent()──▶ Idle
//     ╰──────────── error (framing in doubt) ──▶ Closed ◀── !keepAlive
//
// Requests are handed out one at a time: the next pipelined request is parsed
// only after the response to the previous one was sent, so responses are in
// order by construction, and bytes of later requests wait in `pending`.
import { HttpError } from './errors.js';
import { parseHead, type HeadInfo } from './head.js';
import { ChunkedDecoder } from './chunked.js';
import { BodyBuffer, BodyBudget } from './body.js';
import { ParsedRequest } from './request.js';
import { headOverflow, type Limits } from './limits.js';
import { TCHAR } from './chars.js';

export const enum Event {
  /** Nothing complete yet: receive more bytes and feed() them. */
  NeedData,
  /** `request` holds a complete request (body included): answer it, then call responseSent(). */
  Request,
  /** The client waits for "100 Continue" before sending the body: send it, then call next() again. */
  Continue,
  /** `error` holds the status to answer; then close the connection. */
  Error,
  /** The connection is finished: close it. */
  Closed,
}

/**
 * Which clock a model runs while it waits for bytes — exactly one at a time,
 * whatever is already buffered (the state machine has no clock of its own):
 *  - Idle: between requests, nothing received yet (the keep-alive timeout;
 *    on a new connection, the header timeout);
 *  - Head: a request head has begun — a byte arrived, or pipelined bytes were
 *    already buffered when the previous response ended. Its deadline counts
 *    from the moment the phase began;
 *  - Body: a body is arriving; it may take long but must keep moving (the
 *    deadline restarts with every byte);
 *  - Busy: a request is being answered: no receive clock (the send timeout
 *    is the model's);
 *  - Closed: nothing more to wait for.
 */
export const enum Phase {
  Idle,
  Head,
  Body,
  Busy,
  Closed,
}

const enum State {
  Idle,
  Body,
  Waiting,
  Closed,
}

const EMPTY = Buffer.alloc(0);
/**
 * What `request` is between requests: nothing. An idle keep-alive connection
 * holds no parsed request (its head's text, its fields): thousands of idle
 * clients would otherwise pin a few hundred bytes each. Never handed to an
 * application, so nothing writes to it.
 */
const NO_REQUEST = new ParsedRequest();
/** The longest request line kept for the access log of a request that failed (nginx keeps its header buffer's worth). */
const LOGGED_LINE_MAX = 2048;
/** The interim response to "Expect: 100-continue" (RFC 9110 §10.1.1). */
const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
const latin1 = (b: Buffer, from: number, to: number): string =>
  (b as unknown as { latin1Slice(a: number, b: number): string }).latin1Slice(from, to);

export class HttpConnection {
  /** The request of the last Request event, until its response was sent. */
  request = NO_REQUEST;
  /** The error of the last Error event. */
  error: HttpError | null = null;
  /** Framing facts of the current request. */
  readonly info: HeadInfo = { contentLength: -1, chunked: false, keepAlive: true, expectContinue: false };
  /** Whether the connection may carry another request after this response. */
  keepAlive = true;
  /** Requests completed on this connection. */
  requests = 0;
  remoteAddress = '';
  remotePort = 0;
  /** The last request could not be HTTP: its first bytes were a TLS handshake (an https:// URL sent to this plain port). */
  sawTls = false;

  private state = State.Idle;
  // Unconsumed input: either the caller's buffer (only during feed/next) or our own copy.
  private src: Buffer = EMPTY;
  private pos = 0;
  private end = 0;
  private own: Buffer | null = null; // our buffer for bytes kept between next() calls
  private scanFrom = 0; // where the search for the end of the head resumes
  private peerClosed = false;
  /** The client said this request is its last (Connection: close, or HTTP/1.0 without keep-alive). */
  private clientClosing = false;
  private continueSent = false;
  private body: BodyBuffer | null = null; // null while none is kept (no body, or one being discarded)
  private bodyRemaining = 0;
  private chunked: ChunkedDecoder | null = null;
  private failedLine = ''; // what arrived of the request line of a request that failed

  /**
   * Decide, once a request's head is complete, whether its body is kept for
   * the application (true) or read and thrown away as it arrives (false: a
   * static file, a 405…). No hook: every body is kept.
   */
  keepBody: ((request: ParsedRequest) => boolean) | null = null;

  constructor(
    private readonly limits: Limits,
    /** The memory all bodies of this worker may hold; by default one budget of --max-body-memory for this connection alone. */
    private readonly budget: BodyBudget = new BodyBudget(limits.maxBodyMemory),
  ) {}

  /** Hand over received bytes buf[start, end). They are only read until next() returns. */
  feed(buf: Buffer, start: number, end: number): void {
    if (this.pos === this.end) {
      this.src = buf;
      this.pos = start;
      this.end = end;
      this.scanFrom = start;
      return;
    }
    // Append to the bytes we already hold.
    const held = this.end - this.pos;
    const need = held + (end - start);
    let own = this.own!;
    if (this.src !== own || own.length - this.pos < need) {
      const grown = own !== null && own.length >= need ? own : Buffer.allocUnsafe(Math.max(need, 1024));
      this.src.copy(grown, 0, this.pos, this.end);
      this.scanFrom -= this.pos;
      own = this.own = grown;
      this.src = grown;
      this.pos = 0;
      this.end = held;
    }
    buf.copy(own, this.end, start, end);
    this.end += end - start;
  }

  /** The peer will send nothing more (recv returned 0). */
  feedEof(): void {
    this.peerClosed = true;
  }

  /** Bytes received but not yet consumed (pipelined requests, partial head). */
  get buffered(): number {
    return this.end - this.pos;
  }

  /** See Phase: which clock runs now. */
  get phase(): Phase {
    switch (this.state) {
      case State.Idle:
        return this.end > this.pos ? Phase.Head : Phase.Idle;
      case State.Body:
        return Phase.Body;
      case State.Waiting:
        return Phase.Busy;
      case State.Closed:
        return Phase.Closed;
    }
  }

  /** The client has finished sending (we saw EOF). */
  get peerDone(): boolean {
    return this.peerClosed;
  }

  /**
   * When the server closes after a response: might the client still be
   * sending? Not when it has sent EOF, nor when it said this request was its
   * last and every byte of it was read — then a plain close() is safe. Else
   * (pipelined bytes, an unread body, a keep-alive client the server turns
   * away, a request that could not be read) close() with data arriving would
   * answer with RST, which can destroy the response: linger instead.
   */
  get clientMaySendMore(): boolean {
    return !this.peerClosed && !(this.clientClosing && this.pos === this.end && this.state !== State.Body);
  }

  get closed(): boolean {
    return this.state === State.Closed;
  }

  /**
   * The request line of the request in progress, as far as it arrived, for
   * the access log of an answer that has no parsed request (a 400, a 408):
   * the text up to its CRLF, at most LOGGED_LINE_MAX bytes, as latin1 (the
   * log escapes control bytes). "" when nothing of it arrived.
   */
  get requestLine(): string {
    if (this.error !== null) return this.failedLine;
    if (this.state === State.Idle) return this.lineAt(this.pos);
    if (this.state === State.Body) return `${this.request.method} ${this.request.target} HTTP/1.${this.request.minor}`;
    return '';
  }

  private lineAt(from: number): string {
    const src = this.src;
    const to = Math.min(this.end, from + LOGGED_LINE_MAX);
    let i = from;
    while (i < to && src[i] !== 0x0d && src[i] !== 0x0a) i++;
    return latin1(src, from, i);
  }

  /** The bytes to send for a Continue event: the interim "100 Continue" response. */
  continueResponse(): Buffer {
    return CONTINUE;
  }

  next(): Event {
    const ev = this.step();
    this.detach();
    return ev;
  }

  /** The response to `request` has been written completely. */
  responseSent(): void {
    if (this.state !== State.Waiting) return;
    this.releaseBody();
    this.request = NO_REQUEST;
    this.requests++;
    this.state = this.keepAlive ? State.Idle : State.Closed;
  }

  /** Stop after the current response (shutdown, or the server decided so). */
  close(): void {
    this.keepAlive = false;
    if (this.state !== State.Waiting) this.state = State.Closed;
  }

  /** The connection is gone: give back what it holds (the memory reserved for a body). */
  dispose(): void {
    this.releaseBody();
    this.state = State.Closed;
    this.src = EMPTY;
    this.own = null;
    this.pos = this.end = 0;
  }

  /**
   * Make a disposed connection new again, for the next client (a server may
   * keep finished connection objects to spare their allocation, as nginx keeps
   * its ngx_connection_t). Every field as the constructor leaves it, but the
   * limits, the budget and keepBody, which belong to the server.
   */
  reset(): void {
    this.dispose();
    this.request = NO_REQUEST;
    this.error = null;
    const info = this.info;
    info.contentLength = -1;
    info.chunked = false;
    info.keepAlive = true;
    info.expectContinue = false;
    this.keepAlive = true;
    this.requests = 0;
    this.remoteAddress = '';
    this.remotePort = 0;
    this.sawTls = false;
    this.state = State.Idle;
    this.scanFrom = 0;
    this.peerClosed = false;
    this.clientClosing = false;
    this.continueSent = false;
    this.bodyRemaining = 0;
    this.chunked = null;
    this.failedLine = '';
  }

  private releaseBody(): void {
    if (this.body !== null) {
      this.body.release();
      this.body = null;
    }
  }

  private step(): Event {
    switch (this.state) {
      case State.Closed:
        return Event.Closed;
      case State.Waiting:
        throw new Error('next() called before the response to the previous request was sent');
      case State.Idle:
        return this.readHead();
      case State.Body:
        return this.readBody();
    }
  }

  private fail(status: number, message: string): Event {
    return this.failWith(new HttpError(status, message));
  }

  /**
   * Give up on the request being received (the model's clock ran out): the
   * connection is finished, `error` holds what to answer. Like a parse error,
   * the answer is not about any earlier request (a HEAD before it, say).
   */
  abandon(status: number, message: string): void {
    this.failWith(new HttpError(status, message));
  }

  private failWith(e: HttpError): Event {
    this.failedLine = this.requestLine; // before the input is dropped
    this.clientClosing = false; // what else is on the way is anyone's guess
    this.releaseBody();
    this.chunked = null;
    this.request = new ParsedRequest(); // the answer is to no request: not to a HEAD that came before
    this.request.remoteAddress = this.remoteAddress;
    this.request.remotePort = this.remotePort;
    this.error = e;
    this.keepAlive = false;
    this.state = State.Closed;
    this.pos = this.end;
    return Event.Error;
  }

  private readHead(): Event {
    const src = this.src;
    // RFC 9112 §2.2: ignore empty lines received before the request-line.
    while (this.end - this.pos >= 2 && src[this.pos] === 0x0d && src[this.pos + 1] === 0x0a) {
      this.pos += 2;
      if (this.scanFrom < this.pos) this.scanFrom = this.pos;
    }
    const start = this.pos;
    const end = this.end;
    if (start === end || (end - start === 1 && src[start] === 0x0d)) return this.waitForMore();
    // A request line begins with a method, a token: any other first byte (binary
    // garbage, a TLS ClientHello on the plain port) can never become a request,
    // so it is refused now rather than at the header timeout. CR and LF have
    // their own rules (empty lines before a request, bare LF) below.
    const first = src[start]!;
    if (TCHAR[first] !== 1 && first !== 0x0d && first !== 0x0a) {
      this.sawTls = first === 0x16 && (end - start === 1 || src[start + 1] === 0x03);
      return this.fail(400, this.sawTls ? 'this port speaks plain HTTP, not TLS (use an http:// URL)' : 'this is not an HTTP request');
    }

    // Find CRLF CRLF; every LF must follow a CR (bare LF is refused: strict reading of §2.2).
    let i = this.scanFrom > start ? this.scanFrom : start;
    let headEnd = -1;
    for (; i < end; i++) {
      if (src[i] !== 0x0a) continue;
      if (i === start || src[i - 1] !== 0x0d) return this.fail(400, 'bare LF in request head');
      if (i - start >= 3 && src[i - 2] === 0x0a) {
        headEnd = i + 1;
        break;
      }
    }
    if (headEnd < 0) {
      this.scanFrom = i;
      const firstLf = src.indexOf(0x0a, start);
      const overflow = headOverflow(end - start, firstLf >= 0 && firstLf < end ? firstLf + 1 - start : -1, this.limits);
      return overflow === null ? this.waitForMore() : this.failWith(overflow);
    }

    // A complete head: parse it.
    const req = new ParsedRequest();
    req.remoteAddress = this.remoteAddress;
    req.remotePort = this.remotePort;
    try {
      parseHead(latin1(src, start, headEnd - 4), this.limits, req, this.info);
    } catch (e) {
      if (e instanceof HttpError) return this.failWith(e);
      throw e;
    }
    this.pos = headEnd;
    this.scanFrom = headEnd;
    this.request = req;
    this.keepAlive = this.info.keepAlive;
    this.clientClosing = !this.info.keepAlive;
    this.continueSent = false;

    const keep = this.keepBody === null || this.keepBody(req);
    if (this.info.chunked) {
      this.body = keep ? new BodyBuffer(this.budget, 0, this.limits.maxBody) : null;
      this.chunked = new ChunkedDecoder(this.limits.maxBody, this.limits.maxHeaderBytes, this.body);
      this.state = State.Body;
      return this.readBody();
    }
    const length = this.info.contentLength;
    if (length > 0) {
      if (keep) {
        this.body = new BodyBuffer(this.budget, length);
        if (!this.body.start()) {
          this.body = null;
          this.state = State.Body; // (the head is read: its request line is the one to log)
          return this.fail(503, 'the server is out of memory for request bodies');
        }
      }
      this.bodyRemaining = length;
      this.state = State.Body;
      return this.readBody();
    }
    return this.complete();
  }

  private readBody(): Event {
    const src = this.src;
    if (this.chunked !== null) {
      try {
        this.pos += this.chunked.feed(src, this.pos, this.end);
      } catch (e) {
        if (e instanceof HttpError) return this.failWith(e);
        throw e;
      }
      if (this.chunked.done) {
        this.chunked = null;
        return this.complete();
      }
    } else {
      const n = Math.min(this.bodyRemaining, this.end - this.pos);
      if (n > 0) {
        this.body?.append(src, this.pos, this.pos + n); // (its capacity was reserved at the head)
        this.pos += n;
        this.bodyRemaining -= n;
      }
      if (this.bodyRemaining === 0) return this.complete();
    }
    if (this.info.expectContinue && !this.continueSent) {
      this.continueSent = true;
      return Event.Continue;
    }
    return this.waitForMore();
  }

  private complete(): Event {
    this.request.body = this.body === null ? EMPTY : this.body.take();
    this.state = State.Waiting;
    return Event.Request;
  }

  private waitForMore(): Event {
    if (this.peerClosed) {
      // The client stopped sending in the middle of a request (or between requests).
      this.state = State.Closed;
      return Event.Closed;
    }
    return Event.NeedData;
  }

  /** Never keep a reference to the caller's buffer: copy leftovers into our own. */
  private detach(): void {
    if (this.pos === this.end) {
      this.src = EMPTY;
      this.pos = this.end = this.scanFrom = 0;
      return;
    }
    if (this.src === this.own) return;
    const held = this.end - this.pos;
    let own = this.own;
    if (own === null || own.length < held) own = this.own = Buffer.allocUnsafe(Math.max(held, 1024));
    this.src.copy(own, 0, this.pos, this.end);
    this.scanFrom -= this.pos;
    this.src = own;
    this.pos = 0;
    this.end = held;
  }
}
