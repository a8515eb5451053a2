// Driving http/'s sans-I/O state machine (HttpConnection) from tests, the way
// a model does: bytes arrive in pieces through one reused receive buffer that
// is scribbled over after every feed (http/ must not keep references into
// it), next() is called until it needs data, requests are answered at once.
// Shared by conformance-sans-io (which answers through the real app), the
// parser fuzzer and the differential test (which only record what the parser
// saw), and the smuggling matrix's in-process run.
import { HttpConnection, Event, Phase, HttpError, BodyBudget, defaultLimits } from '../../dist/http/index.js';

// ── Splitting bytes into pieces ──────────────────────────────────────────────

export const whole = (part) => [part];
export const bytewise = (part) => Array.from({ length: part.length }, (_, i) => part.subarray(i, i + 1));

/** Cut `bytes` at the given offsets (any order, duplicates and out-of-range ones ignored). */
export function cutAt(bytes, offsets) {
  const points = [...new Set(offsets.filter((o) => o > 0 && o < bytes.length))].sort((a, b) => a - b);
  const pieces = [];
  let at = 0;
  for (const p of points) {
    pieces.push(bytes.subarray(at, p));
    at = p;
  }
  pieces.push(bytes.subarray(at));
  return pieces;
}

/** A small deterministic PRNG (mulberry32). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a string: a case's own seed. */
export function hash(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Cut `part` at random places: mostly a few pieces, sometimes many. */
export function randomSplit(rand) {
  return (part) => {
    if (part.length < 2) return [part];
    const most = rand() < 0.5 ? 4 : 64;
    const cuts = 1 + Math.floor(rand() * Math.min(most, part.length - 1));
    const at = new Set();
    while (at.size < cuts) at.add(1 + Math.floor(rand() * (part.length - 1)));
    return cutAt(part, [...at]);
  };
}

// ── The receive buffer of a model ────────────────────────────────────────────

/**
 * One receive buffer, reused for every piece as a model reuses its recv()
 * buffer: feed() copies a piece into it (at an offset, with other bytes
 * around it) and hands that region to the connection; scribble() overwrites
 * it once next() has returned, as the next recv() would.
 */
export class RecvBuffer {
  constructor(size = 64 * 1024) {
    this.buf = Buffer.alloc(size + 16, 0x5a);
    this.used = 0;
  }

  feed(conn, piece) {
    if (piece.length + 16 > this.buf.length) this.buf = Buffer.alloc(piece.length + 16, 0x5a); // 'whole' is one feed, however large
    piece.copy(this.buf, 8);
    this.used = piece.length;
    conn.feed(this.buf, 8, 8 + piece.length);
  }

  scribble() {
    this.buf.fill(0xa5, 0, this.used + 16);
  }
}

// ── A transcript of what the parser saw ──────────────────────────────────────

/** The statuses http/ may answer a request it could not read with. */
export const ERROR_STATUSES = new Set([400, 408, 413, 414, 417, 431, 501, 503, 505]);

/** Size of the first buffer of a chunked body (body.ts FIRST_CAPACITY). */
const FIRST_BODY_CAPACITY = 16 * 1024;
/** limits.ts LINE_SLACK: room for method, version and CRLF around a target of maxTarget bytes. */
const LINE_SLACK = 1024;

/**
 * The most bytes an incomplete head may hold before it is refused (see
 * limits.ts headOverflow): what is buffered while the parser waits for data
 * never exceeds this.
 */
export const headBound = (limits) => limits.maxTarget + limits.maxHeaderBytes + LINE_SLACK;

/**
 * The most body memory one request may reserve: a Content-Length body gets
 * its size (≤ maxBody), a chunked one a buffer that doubles from 16 KiB
 * (< 2 × maxBody), in whole KiB.
 */
export const bodyBound = (limits) => Math.ceil(Math.max(FIRST_BODY_CAPACITY, 2 * limits.maxBody) / 1024) * 1024;

const OWS = /^[ \t]|[ \t]$/;
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TARGET = /^[\x21-\x7e]+$/;

function invariantFailure(message, state) {
  const e = new Error(`${message} (after ${state.steps} next() calls, piece ${state.piece} of ${state.pieces})`);
  e.name = 'InvariantFailure';
  return e;
}

/**
 * Feed `pieces` (Buffers) to a fresh HttpConnection, answering every request
 * at once; after the last piece, EOF. Returns
 *   { events, steps, continues }
 * where events are, in order:
 *   { request: { method, target, minor, headers, body (latin1), keepAlive } }
 *   { error: status }            the request could not be read (then the connection is over)
 *   { closed: 'after-response' } the connection ended after a response (Connection: close, HTTP/1.0)
 *   { closed: 'eof', partial }   EOF ended it; partial: a request had begun
 * and 100-continue interim answers are counted in `continues`, not listed
 * (whether one is due depends on the split: RFC 9110 §10.1.1 lets the
 * server skip it once the body is arriving).
 *
 * While it runs it checks what must hold for any input, and throws
 * (InvariantFailure) when it does not:
 *  - no call into the state machine throws (a bad request is an Error event);
 *  - an Error event carries an HttpError with one of ERROR_STATUSES;
 *  - progress: next() is called at most pieces + 2·(input length) + 4 times
 *    (each call consumes input, or hands out a request, or waits for data);
 *  - buffered input while waiting for data stays within headBound(limits),
 *    and within headBound + the last piece at any time; a body is never
 *    buffered (bytes go straight into the body buffer);
 *  - body memory reserved stays within bodyBound(limits), is given back once
 *    the request is answered, and nothing is held after dispose();
 *  - a request looks like a parsed request: token method, visible-ASCII
 *    target, lower-case token names, OWS-trimmed values without CTLs, a body
 *    no larger than maxBody; Continue only while the body of a request that
 *    asked for it is awaited, at most once per request.
 */
export function transcript(pieces, { limits = defaultLimits, budget = new BodyBudget(limits.maxBodyMemory), recv = new RecvBuffer() } = {}) {
  const conn = new HttpConnection(limits, budget);
  const events = [];
  const total = pieces.reduce((n, p) => n + p.length, 0);
  const state = { steps: 0, piece: 0, pieces: pieces.length };
  const maxSteps = pieces.length + 2 * total + 4;
  const maxHead = headBound(limits);
  const maxBody = bodyBound(limits);
  let continues = 0;
  let continuedThisRequest = false;
  let ended = false;
  let lastPiece = 0;

  const call = (what, fn) => {
    try {
      return fn();
    } catch (e) {
      throw invariantFailure(`HttpConnection.${what} threw ${e?.name}: ${e?.message}`, state);
    }
  };

  const drain = () => {
    for (;;) {
      if (++state.steps > maxSteps) throw invariantFailure(`no progress: more than ${maxSteps} next() calls for ${total} bytes in ${pieces.length} pieces`, state);
      const ev = call('next()', () => conn.next());
      if (conn.buffered > maxHead + lastPiece) throw invariantFailure(`${conn.buffered} bytes buffered (bound: ${maxHead} + a piece of ${lastPiece})`, state);
      if (budget.heldBytes > maxBody) throw invariantFailure(`${budget.heldBytes} bytes of body memory reserved (bound ${maxBody})`, state);
      switch (ev) {
        case Event.NeedData: {
          if (conn.buffered > maxHead) throw invariantFailure(`waiting for data with ${conn.buffered} bytes buffered (bound ${maxHead})`, state);
          const phase = conn.phase;
          if (phase === Phase.Body && conn.buffered !== 0) throw invariantFailure(`waiting for body bytes with ${conn.buffered} bytes buffered`, state);
          if ((phase === Phase.Idle || phase === Phase.Head) && budget.heldBytes !== 0) throw invariantFailure(`between requests, ${budget.heldBytes} bytes of body memory still reserved`, state);
          return;
        }
        case Event.Continue:
          if (!conn.info.expectContinue) throw invariantFailure('Continue for a request that did not ask for it', state);
          if (conn.phase !== Phase.Body) throw invariantFailure(`Continue outside the body phase (phase ${conn.phase})`, state);
          if (continuedThisRequest) throw invariantFailure('a second Continue for one request', state);
          continuedThisRequest = true;
          continues++;
          continue;
        case Event.Request: {
          const r = conn.request;
          checkRequest(r, limits, state);
          events.push({ request: { method: r.method, target: r.target, minor: r.minor, headers: [...r.headers], body: r.body.toString('latin1'), keepAlive: conn.keepAlive } });
          call('responseSent()', () => conn.responseSent());
          continuedThisRequest = false;
          continue;
        }
        case Event.Error: {
          const e = conn.error;
          if (!(e instanceof HttpError)) throw invariantFailure(`Error event without an HttpError: ${e}`, state);
          if (!ERROR_STATUSES.has(e.status)) throw invariantFailure(`Error event with status ${e.status} (${e.message})`, state);
          if (!conn.closed) throw invariantFailure('the connection is still open after an Error event', state);
          events.push({ error: e.status });
          ended = true;
          return;
        }
        case Event.Closed:
          events.push(conn.peerDone ? { closed: 'eof', partial: state.partialAtEof } : { closed: 'after-response' });
          ended = true;
          return;
        default:
          throw invariantFailure(`unknown event ${ev}`, state);
      }
    }
  };

  for (const piece of pieces) {
    state.piece++;
    if (ended) break; // the socket is gone: nothing more is read
    lastPiece = piece.length;
    call('feed()', () => recv.feed(conn, piece));
    drain();
    recv.scribble();
  }
  if (!ended) {
    state.partialAtEof = conn.phase !== Phase.Idle; // Idle: nothing of a next request arrived
    call('feedEof()', () => conn.feedEof());
    lastPiece = 0;
    drain();
    if (!ended) throw invariantFailure('EOF did not end the connection', state);
  }
  call('dispose()', () => conn.dispose());
  if (budget.heldBytes !== 0) throw invariantFailure(`${budget.heldBytes} bytes of body memory still reserved after dispose()`, state);
  return { events, steps: state.steps, continues };
}

function checkRequest(r, limits, state) {
  const bad = (what) => {
    throw invariantFailure(`a request with ${what}`, state);
  };
  if (!TOKEN.test(r.method)) bad(`method ${JSON.stringify(r.method)}`);
  if (!TARGET.test(r.target) || r.target.length > limits.maxTarget) bad(`target ${JSON.stringify(r.target)}`);
  if (r.minor !== 0 && r.minor !== 1) bad(`minor version ${r.minor}`);
  if (r.headers.length % 2 !== 0 || r.headers.length / 2 > limits.maxHeaderCount) bad(`${r.headers.length} header list entries`);
  for (let i = 0; i < r.headers.length; i += 2) {
    const [name, value] = [r.headers[i], r.headers[i + 1]];
    if (!TOKEN.test(name) || name !== name.toLowerCase()) bad(`field name ${JSON.stringify(name)}`);
    if (OWS.test(value) || BAD_VALUE.test(value)) bad(`field value ${JSON.stringify(value)}`);
  }
  if (r.body.length > limits.maxBody) bad(`a body of ${r.body.length} bytes (maxBody ${limits.maxBody})`);
}

/** The requests of a transcript (its events without the ending). */
export const requestsOf = (t) => t.events.filter((e) => e.request).map((e) => e.request);
