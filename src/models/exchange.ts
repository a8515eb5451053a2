// One request/response exchange, the part every model shares: call the
// application, turn its failures into 500s (a streamed body's first chunk
// included: stream-ahead.ts), encode the reply, and account for it
// afterwards (access log, scoreboard, file descriptors). The models differ
// only in how they wait for bytes and write them.
import { closeSync } from 'node:fs';
import { encodeResponse, errorReply, type HttpConnection, type Outgoing, type ParsedRequest, type Reply, type Request, type FileBody } from '../http/index.js';
import type { ServerContext } from './context.js';
import { Cell, countStatus, countSecond } from './scoreboard.js';
import { readFirstChunk, streamsBody } from './stream-ahead.js';

/**
 * What the access log says of a request whose client left before any byte of
 * its answer could be sent (nginx's own 499 "client closed request"). A
 * response cut short after it began is logged with the status it was sent
 * with, and the bytes that went out.
 */
export const CLIENT_CLOSED = 499;

function isReply(r: unknown): r is Reply {
  return typeof r === 'object' && r !== null && typeof (r as Reply).status === 'number' && Array.isArray((r as Reply).headers);
}

function failed(ctx: ServerContext, req: Request, e: unknown): Reply {
  ctx.error(`handler failed on ${req.method} ${req.target}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return errorReply(500);
}

function checked(ctx: ServerContext, req: Request, r: unknown): Reply {
  if (isReply(r)) return r;
  return failed(ctx, req, new TypeError(`handler returned ${r === undefined ? 'undefined' : typeof r}, not a reply`));
}

/** Ask the application; synchronous when the application is (and sends no stream). Never throws or rejects. */
export function callApp(ctx: ServerContext, req: Request): Reply | Promise<Reply> {
  let r: Reply | Promise<Reply>;
  try {
    r = ctx.app.handle(req);
  } catch (e) {
    return failed(ctx, req, e);
  }
  if (r instanceof Promise) {
    return r.then(
      (v) => ahead(ctx, req, checked(ctx, req, v)),
      (e) => failed(ctx, req, e),
    );
  }
  return ahead(ctx, req, checked(ctx, req, r));
}

/**
 * A streamed body's first chunk is read before the head goes out: a bad one
 * is still a 500. Not for HEAD, whose body is never sent: the stream is not
 * started at all (as the fetch adapter cancels a Response's for HEAD).
 */
function ahead(ctx: ServerContext, req: Request, reply: Reply): Reply | Promise<Reply> {
  if (req.method === 'HEAD' || !streamsBody(reply)) return reply;
  return readFirstChunk(reply).catch((e: unknown) => failed(ctx, req, e));
}

/** What a late answer turns into: a 503 when nothing was sent yet. */
export function tooLate(ctx: ServerContext, req: ParsedRequest): Reply {
  ctx.error(`handler did not answer ${req.method} ${req.target} within ${ctx.timeouts.handlerMs} ms`);
  req.abort('the handler took too long');
  return errorReply(503, 'the application did not answer in time');
}

export const TIMED_OUT = Symbol('timed out');

/**
 * For blocking models: wait for `pending` at most `ms` (a setTimeout keeps
 * Node's loop alive meanwhile: a promise that never settles cannot let the
 * process drain and exit). TIMED_OUT when it took too long; `late` then
 * receives its value whenever it comes (to release what it holds).
 */
export function within<T>(pending: Promise<T>, ms: number, late: (value: T) => void = () => {}): Promise<T | typeof TIMED_OUT> {
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      resolve(TIMED_OUT);
    }, ms);
    pending.then(
      (value) => {
        if (timedOut) return late(value);
        clearTimeout(timer);
        resolve(value);
      },
      (e: unknown) => {
        if (timedOut) return;
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/**
 * Encode `reply` into `out`; a reply that cannot be encoded becomes a 500.
 * `now` (for Date): a model that keeps a clock per turn passes it, rather than read the time per response.
 */
export function prepare(ctx: ServerContext, conn: HttpConnection, reply: Reply, out: Outgoing, now?: number): Reply {
  if (ctx.stopping || (ctx.status !== null && ctx.status.closes(reply))) conn.close();
  try {
    encodeResponse(conn, reply, out, now);
    return reply;
  } catch (e) {
    release(reply);
    const fallback = failed(ctx, conn.request, e);
    encodeResponse(conn, fallback, out, now);
    return fallback;
  }
}

/**
 * After a response was sent, or cut short (`cut`: the client left, a timeout,
 * the end of a shutdown): close its file, log it, count it. `sent` is the
 * bytes that went out, head included; the log counts those after the head
 * (nginx's $body_bytes_sent, chunk framing included). `out` is null when no
 * answer was prepared: the client left while the application worked (499).
 */
export function finish(ctx: ServerContext, conn: HttpConnection | null, req: Request | null, reply: Reply | null, out: Outgoing | null, startedAt: number, sent: number, cut = false, now = Date.now()): void {
  if (reply !== null) release(reply);
  const status = out === null || (cut && sent === 0) ? CLIENT_CLOSED : out.status;
  const row = ctx.row;
  row[Cell.Requests]++;
  row[Cell.BytesOut] += sent;
  row[Cell.LastRequestAt] = now;
  countSecond(row, now); // requests per second: this second's bucket
  countStatus(row, status);
  if (status >= 500 || req === null) row[Cell.Errors]++;
  if (req === null && conn?.sawTls) tlsNotice(ctx, conn);
  if (ctx.log.enabled) {
    const body = out === null ? 0 : Math.max(0, sent - out.headLength);
    ctx.log.record(req, conn?.remoteAddress ?? '-', status, body, startedAt, req === null ? (conn?.requestLine ?? '') : '', cut);
  }
  conn?.responseSent();
}

/** TLS on the plain port is a misconfiguration worth a line on stderr (at most one every TLS_NOTICE_EVERY_MS: scanners do it all day). */
function tlsNotice(ctx: ServerContext, conn: HttpConnection): void {
  const now = Date.now();
  if (now - lastTlsNotice < TLS_NOTICE_EVERY_MS) return;
  lastTlsNotice = now;
  ctx.notice(`${conn.remoteAddress} sent a TLS handshake to this plain-HTTP port (an https:// URL?): answered 400 and closed`);
}
const TLS_NOTICE_EVERY_MS = 10_000;
let lastTlsNotice = -Infinity;

/** Give back what a reply holds: its file descriptor, its stream. */
export function release(reply: Reply): void {
  const b = reply.body;
  if (b === null || typeof b !== 'object' || b instanceof Uint8Array) return;
  if (Symbol.asyncIterator in b) {
    // A stream never read (HEAD, 304, a closed connection): let it free what it holds.
    // return() on one that was read to the end does nothing.
    try {
      void (b as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]().return?.()?.catch(() => {});
    } catch {
      /* a locked or odd stream: nothing more we can do */
    }
    return;
  }
  if ((b as FileBody).kind === 'file') {
    const f = b as FileBody;
    if (f.closeAfter) {
      try {
        closeSync(f.fd);
      } catch {
        /* already closed */
      }
    }
  }
}
