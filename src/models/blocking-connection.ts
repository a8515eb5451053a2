// Serving one connection with blocking system calls, start to finish:
//
//   loop { recv() until a request is complete → call the app → send() the response }
//
// This is the connection code of every blocking model — iterative, process,
// prefork, thread, threadpool — which differ only in who calls it and how many
// run at once. While it waits in recv() or send() its whole thread waits:
// "until the relevant operation is complete that thread can do nothing else
// but wait". Timeouts come from the kernel: SO_RCVTIMEO makes recv() give up
// (EAGAIN), SO_SNDTIMEO does the same for send().
import * as sys from '../sys/index.js';
import { Event, HttpConnection, Outgoing, Phase, errorReply, type Reply, type Request } from '../http/index.js';
import type { ServerContext } from './context.js';
import { Cell, WorkerState } from './scoreboard.js';
import { callApp, prepare, finish, release, tooLate, within, TIMED_OUT } from './exchange.js';
import { yieldToNode } from './yield.js';
import { releaseConnFd } from './thread-wake.js';

/** One receive buffer per thread: a blocking thread serves one connection at a time. */
const recvBuffer = Buffer.allocUnsafe(64 * 1024);

class SendTimeout extends Error {}
/** The shutdown timeout ran out while this response was still being sent: it is cut (the notice says so once). */
class ShutdownCut extends Error {}

/** What a connection inherits from the listening socket it was accepted on (Linux copies these options). */
export interface Inherited {
  /** The client's address, when accept() already said it (else getpeername() asks). */
  peer?: { address: string; port: number } | null;
  /** The SO_RCVTIMEO the listener had (ms), so the first wait needs no setsockopt; -1: unknown. */
  recvTimeoutMs?: number;
}

/**
 * TCP_NODELAY and SO_SNDTIMEO are set once on the listening socket (see
 * listener.ts) and inherited by every accepted connection: no setsockopt per
 * connection. A connection's close costs accept, recv, send and close.
 */
export async function serveConnection(fd: number, ctx: ServerContext, { peer = null, recvTimeoutMs = -1 }: Inherited = {}): Promise<void> {
  const { row, timeouts } = ctx;
  const conn = new HttpConnection(ctx.limits, ctx.bodyBudget);
  conn.keepBody = ctx.keepBody;
  const out = new Outgoing();
  // With a status page: where this connection's (first request's) system calls begin in the worker's record.
  const status = ctx.status;
  let traceFrom = status !== null ? status.connectionStart(fd) : -1;
  row[Cell.Connections]++;
  row[Cell.Open]++;
  row[Cell.ConnFd] = fd;
  let linger = false;
  try {
    const client = peer ?? sys.remoteAddress(fd);
    conn.remoteAddress = client.address;
    conn.remotePort = client.port;
    // The SO_RCVTIMEO on fd. A shorter one than the clock needs is kept: recv() then
    // returns early, we look at the clock and wait again (and Node gets a turn).
    let armed = recvTimeoutMs;
    // Exactly one clock runs while we wait (see http's Phase): it starts when the phase begins.
    let phase = Phase.Closed;
    let phaseStarted = 0;

    for (;;) {
      const ev = conn.next();
      if (ev === Event.NeedData) {
        const now = Date.now();
        if (conn.phase !== phase) {
          phase = conn.phase;
          phaseStarted = now;
        }
        if (phase === Phase.Idle && ctx.stopping) break;
        const allowed = phase === Phase.Idle && conn.requests > 0 ? timeouts.idleMs : timeouts.headerMs;
        const wait = allowed - (now - phaseStarted);
        if (wait <= 0) {
          linger = await timedOut();
          break;
        }
        if (armed <= 0 || armed > wait) {
          sys.setRecvTimeout(fd, wait);
          armed = wait;
        }
        ctx.flushLogBlocking();
        row[Cell.State] = phase === Phase.Idle ? WorkerState.KeepAlive : WorkerState.Reading; // (a master may wake a keep-alive wait)
        const n = sys.recv(fd, recvBuffer, 0, recvBuffer.length);
        if (n > 0) {
          row[Cell.BytesIn] += n;
          conn.feed(recvBuffer, 0, n);
          if (phase === Phase.Idle) {
            // A keep-alive connection's next request starts its clock with its first byte. A new
            // connection's first request does not: the wait for it and its head share one header
            // timeout from the start (as in the event loop, and nginx's client_header_timeout) —
            // else a client that sends one byte just before the timeout holds this thread for two.
            phase = Phase.Head;
            if (conn.requests > 0) phaseStarted = Date.now();
          } else if (phase === Phase.Body) phaseStarted = Date.now(); // a body may take long, but must keep moving
        } else if (n === 0) {
          conn.feedEof();
        } else if (n === sys.INTERRUPTED) {
          await yieldToNode(); // let the signal handler run, then wait again (for the time left)
        } else if (Date.now() - phaseStarted < allowed) {
          await yieldToNode(); // a shorter receive timeout than the clock's ran out: Node's turn, then wait on
        } else {
          linger = await timedOut();
          break;
        }
      } else if (ev === Event.Request) {
        row[Cell.State] = WorkerState.Handling;
        // A pipelined request parsed straight from the buffer started now.
        const startedAt = phase === Phase.Busy ? Date.now() : phaseStarted;
        const req = conn.request;
        let reply = callApp(ctx, req);
        if (reply instanceof Promise) {
          const pending = reply;
          const answer = await Promise.race([within(pending, timeouts.handlerMs, release), shutdownCut(ctx)]);
          cutHandlerWait = null;
          if (answer === SHUTDOWN_CUT) {
            void pending.then(release, () => {}); // whenever it comes
            req.abort('the server is shutting down');
            throw new ShutdownCut();
          }
          if (answer === TIMED_OUT) {
            conn.close();
            await respond(tooLate(ctx, req), req, startedAt);
            linger = conn.clientMaySendMore;
            break;
          }
          reply = answer;
        }
        await respond(reply, req, startedAt);
        phase = Phase.Busy; // whatever comes next starts its own clock
        if (out.close) {
          linger = conn.clientMaySendMore; // we close first: see lingeringClose()
          break;
        }
      } else if (ev === Event.Continue) {
        const interim = conn.continueResponse();
        writeAll(fd, interim, 0, interim.length);
      } else if (ev === Event.Error) {
        const e = conn.error!;
        await respond(errorReply(e.status, e.message), null, phaseStarted || Date.now());
        linger = true;
        break;
      } else break; // Closed
    }

    /** The clock ran out. Mid-request that is a 408 (and a lingering close); between requests just close. */
    async function timedOut(): Promise<boolean> {
      if (phase !== Phase.Head && phase !== Phase.Body) return false;
      conn.abandon(408, 'the request did not arrive in time');
      await respond(errorReply(408, conn.error!.message), null, phaseStarted);
      return true;
    }
  } catch (e) {
    // A peer that resets or vanishes mid-send is normal life for a server.
    if (e instanceof ShutdownCut) ctx.notice(`shutdown timeout (${ctx.timeouts.shutdownMs} ms) reached: cut the response in flight to ${conn.remoteAddress}:${conn.remotePort}`);
    else if (!(e instanceof SendTimeout) && !(e instanceof sys.SysError && PEER_GONE.has(e.code))) {
      ctx.error(`connection ${conn.remoteAddress}:${conn.remotePort}: ${e instanceof Error ? e.message : String(e)}`);
    }
  } finally {
    row[Cell.State] = WorkerState.Closing;
    releaseConnFd(ctx); // before close(): the master must never touch a number that may be reused
    conn.dispose();
    if (linger) lingeringClose(fd);
    else sys.close(fd);
    status?.closed(fd);
    row[Cell.Open]--;
    row[Cell.State] = WorkerState.Idle;
  }

  /** Encode, send (blocking), account. The head may sit in http/'s shared buffer: it is sent before any await. */
  async function respond(reply: Reply, req: Request | null, startedAt: number): Promise<void> {
    reply = prepare(ctx, conn, reply, out);
    row[Cell.State] = WorkerState.Writing;
    const sent = { bytes: 0 };
    let complete = false;
    try {
      await writeOutgoing(fd, out, ctx, sent);
      complete = true;
    } finally {
      finish(ctx, conn, req, reply, out, startedAt, sent.bytes, !complete);
      if (status !== null) traceFrom = status.done(traceFrom, fd, reply);
    }
  }
}

const PEER_GONE = new Set(['ECONNRESET', 'EPIPE', 'ENOTCONN', 'ETIMEDOUT']);

/**
 * The shutdown timeout bounds the wait for a handler too. The masters of the
 * pools and of the per-connection models kill a worker that overruns it (2 s
 * later), but iterative has no master: a handler still working at SIGTERM
 * held the whole shutdown for up to --handler-timeout, its client answered
 * long after the shutdown timeout. This thread waits for one handler at a
 * time: the promise below settles when the shutdown timeout has run out.
 */
const SHUTDOWN_CUT = Symbol('shutdown timeout');
let cutHandlerWait: (() => void) | null = null;
let shutdownWatched: ServerContext | null = null;
function shutdownCut(ctx: ServerContext): Promise<typeof SHUTDOWN_CUT> {
  if (shutdownWatched !== ctx) {
    shutdownWatched = ctx;
    void ctx.whenStopping().then(() => setTimeout(() => cutHandlerWait?.(), ctx.timeouts.shutdownMs).unref());
  }
  return new Promise((resolve) => (cutHandlerWait = () => resolve(SHUTDOWN_CUT)));
}

/**
 * sendfile(2) does not honour SO_SNDTIMEO once it has made progress (the
 * kernel keeps splicing as the client trickles), so a client that stops
 * reading could hold the thread for as long as it likes. For files, then,
 * the socket goes non-blocking and we block in poll() for writability,
 * with the send timeout as poll's limit.
 */
function sendFile(fd: number, f: { fd: number; offset: number; length: number }, ctx: ServerContext, sent: Sent): void {
  const sendMs = ctx.timeouts.sendMs;
  let offset = f.offset;
  let left = f.length;
  sys.setNonBlocking(fd, true);
  try {
    while (left > 0) {
      const n = sys.sendfile(fd, f.fd, offset, left);
      if (n === sys.INTERRUPTED) continue;
      if (n === sys.WOULD_BLOCK) {
        // Wait for room; poll() also returns 0 on a signal, so keep to the deadline.
        const deadline = Date.now() + sendMs;
        for (;;) {
          writable.set(0, fd, sys.platform.POLLOUT);
          if (sys.poll(writable, 1, Math.max(0, deadline - Date.now())) > 0) break;
          if (Date.now() >= deadline) throw new SendTimeout();
        }
        continue;
      }
      if (n === 0) break; // the file shrank under us: nothing more to send
      offset += n;
      left -= n;
      sent.bytes += n;
      if (ctx.pastShutdownDeadline) throw new ShutdownCut();
    }
  } finally {
    sys.setNonBlocking(fd, false);
  }
  if (left > 0) throw new Error('file shorter than announced; connection closed');
}
const writable = new sys.PollSet(1);

/** Bytes written so far for one response, head included (kept when a write fails half-way, for the log). */
interface Sent {
  bytes: number;
}

/** Send one response completely, counting into `sent`. */
async function writeOutgoing(fd: number, out: Outgoing, ctx: ServerContext, sent: Sent): Promise<void> {
  const { handlerMs } = ctx.timeouts;
  if (out.body !== null) writeVector(fd, [out.head, out.body], sent);
  else writeAll(fd, out.head, 0, out.head.length, sent, out.file !== null);

  if (out.file !== null) sendFile(fd, out.file, ctx, sent);

  if (out.stream !== null) {
    const chunks = out.stream[Symbol.asyncIterator]();
    try {
      for (;;) {
        // Each chunk must come within the handler timeout; the head is out, so a late one cuts the connection.
        const next = await within(chunks.next(), handlerMs);
        if (next === TIMED_OUT) throw new Error(`response stream produced nothing for ${handlerMs} ms; connection cut`);
        if (next.done === true) break;
        const pieces = out.frame(next.value);
        if (pieces.length > 0) writeVector(fd, pieces, sent);
        if (ctx.pastShutdownDeadline) throw new ShutdownCut();
      }
    } catch (e) {
      void chunks.return?.()?.catch(() => {});
      throw e;
    }
    const last = out.end();
    if (last !== null) writeAll(fd, last, 0, last.length, sent);
  }
}

/** `more`: a sendfile follows at once, so let headers and file data share a segment (MSG_MORE). */
function writeAll(fd: number, buf: Uint8Array, offset: number, length: number, sent: Sent | null = null, more = false): void {
  while (length > 0) {
    const n = sys.send(fd, buf, offset, length, more);
    if (n === sys.WOULD_BLOCK) throw new SendTimeout();
    if (n === sys.INTERRUPTED) continue;
    offset += n;
    length -= n;
    if (sent !== null) sent.bytes += n;
  }
}

/** Gather-write several buffers, carrying on after partial writes. */
function writeVector(fd: number, bufs: Uint8Array[], sent: Sent): void {
  let first = 0;
  let offset = 0;
  while (first < bufs.length) {
    const n = sys.sendv(fd, first === 0 ? bufs : bufs.slice(first), bufs.length - first, offset);
    if (n === sys.WOULD_BLOCK) throw new SendTimeout();
    if (n === sys.INTERRUPTED) continue;
    sent.bytes += n;
    let left = n;
    while (first < bufs.length && left >= bufs[first].length - offset) {
      left -= bufs[first].length - offset;
      first++;
      offset = 0;
    }
    offset += left;
  }
}

/**
 * Close first without destroying our own response: if the client is still
 * sending (a pipelined request, the rest of a refused body), close() with
 * unread data makes the kernel send RST, which can discard the response
 * before the client reads it. So: stop writing (FIN), drain what arrives
 * until the client closes too or a second passes, then close (nginx's
 * "lingering close").
 */
function lingeringClose(fd: number): void {
  try {
    sys.shutdown(fd, 'write');
    sys.setRecvTimeout(fd, 200);
    const deadline = Date.now() + 1000;
    let drained = 0;
    while (Date.now() < deadline && drained < 1 << 20) {
      const n = sys.recv(fd, recvBuffer, 0, recvBuffer.length);
      if (n === 0 || n === sys.WOULD_BLOCK) break;
      if (n > 0) drained += n;
    }
  } catch {
    /* the peer is gone already */
  } finally {
    sys.close(fd);
  }
}
