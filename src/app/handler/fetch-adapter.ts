// Fetch-style handlers (the Bun / Deno / Hono convention) on top of the
// native contract: our parsed Request becomes a WHATWG Request, the handler's
// WHATWG Response becomes a Reply.
//
// The WHATWG objects are not cheap on Node 20 (every Request carries an
// AbortSignal and every body is a ReadableStream: ~45 µs a request in all), so
// the handler gets a LightRequest, and the global Response is a LightResponse
// that records its arguments (see light-request.ts, light-response.ts). A
// light Response with a string or bytes body becomes a Reply synchronously —
// no stream, no promise — and when the handler answered synchronously, so
// does the adapter: the model then needs no turn of the event loop. Any
// other Response (a stream body, one from fetch()…) takes the general path:
// its body is read ahead and sent whole or streamed.

import { STATUS_CODES } from 'node:http';
import type { ReadableStreamReadResult } from 'node:stream/web';
import type { Reply, Request } from '../types.js';
import { LightRequest, installLightRequest } from './light-request.js';
import { LightResponse, installLightResponse, type Recorded } from './light-response.js';

/** A fetch-style handler: `(request) => Response`. */
export type FetchFunction = (request: globalThis.Request) => globalThis.Response | Promise<globalThis.Response>;

/**
 * How much of a streamed body is read before the headers go out. A body that
 * ends within this is sent whole, with Content-Length; a longer one streams.
 */
export const READ_AHEAD = 64 * 1024;

/**
 * Make the global Request, Response and fetch the light-aware ones. Once per
 * process (or worker thread), before the user's module is imported, so that
 * even a module that keeps `Response` in a variable of its own gets the light one.
 */
export function installFetchGlobals(): void {
  installLightResponse();
  installLightRequest();
}

/**
 * Turn a fetch-style handler into a function from Request to Reply: a Reply
 * when the handler answers synchronously with a light Response, else a
 * Promise. Failures of the handler are rejections.
 */
export function fetchAdapter(fetch: FetchFunction): (req: Request) => Reply | Promise<Reply> {
  installFetchGlobals(); // the LightRequest needs the unwrapping Request and fetch
  return (req) => {
    let request: LightRequest;
    try {
      request = new LightRequest(req);
    } catch (e) {
      return unconvertible(req, e); // the client's fault (bad Host, bad target): 4xx, not 500
    }
    // Errors thrown by the handler propagate: the model answers 500.
    let response: globalThis.Response | Promise<globalThis.Response>;
    try {
      response = fetch(request as unknown as globalThis.Request);
    } catch (e) {
      return Promise.reject(e);
    }
    const head = req.method === 'HEAD';
    if (isThenable(response)) return response.then((r) => replyOf(r, head));
    return replyOf(response, head);
  };
}

/**
 * Our Request as a real WHATWG Request (undici's): URL from the Host header
 * and the target (absolute-form targets as they are), every header field in
 * order, and the body for methods that may have one. Throws TypeError when no
 * valid URL can be made or the method is one fetch forbids (CONNECT, TRACE, TRACK).
 */
export function toFetchRequest(req: Request): globalThis.Request {
  return LightRequest.unwrap(new LightRequest(req)) as globalThis.Request;
}

/** What the handler answered, as a Reply: synchronously for a light Response. */
function replyOf(response: unknown, head: boolean): Reply | Promise<Reply> {
  const recorded = LightResponse.recordOf(response);
  if (recorded !== null) return recordedReply(recorded);
  if (!isResponse(response)) return Promise.reject(new TypeError(`fetch handler returned ${describe(response)}, not a Response`));
  return toReply(response, head);
}

/** A light Response's record as a Reply: bytes with a Content-Length, fields as recorded. */
function recordedReply(r: Recorded): Reply {
  const body = r.body;
  return {
    status: r.status,
    reason: reasonOf(r.status, r.statusText),
    headers: r.headers !== null ? fieldsOf(r.headers) : withoutFraming(r.fields),
    body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
  };
}

/**
 * A WHATWG Response as a Reply. A light one is converted at once; for any
 * other the body is read ahead up to READ_AHEAD bytes, as long as the stream
 * delivers without waiting: if it ends there, the body is one Buffer;
 * otherwise an AsyncIterable that yields what was read and then the rest.
 * With `head` (a HEAD request) a body that would stream is cancelled
 * instead: only its framing matters.
 */
export async function toReply(response: globalThis.Response, head = false): Promise<Reply> {
  const recorded = LightResponse.recordOf(response);
  if (recorded !== null) return recordedReply(recorded);
  const status = response.status;
  const reply: Reply = {
    status,
    reason: reasonOf(status, response.statusText),
    headers: fieldsOf(response.headers),
    body: null,
  };
  const stream = response.body;
  if (stream !== null) reply.body = await readBody(stream, head);
  return reply;
}

/** A reason phrase worth sending: none when it is empty or the standard one. */
function reasonOf(status: number, statusText: string): string | undefined {
  return statusText === '' || statusText === STATUS_CODES[status] ? undefined : statusText;
}

/** Framing and connection management belong to the server: is `name` one of those fields? */
function isFraming(name: string): boolean {
  switch (name.length) {
    case 10: // connection, keep-alive
    case 14: // content-length
    case 17: // transfer-encoding
      break;
    default:
      return false;
  }
  const lower = name.toLowerCase();
  return lower === 'connection' || lower === 'keep-alive' || lower === 'content-length' || lower === 'transfer-encoding';
}

/** A recorded field list without the framing fields (the same list when it has none). */
function withoutFraming(fields: string[]): string[] {
  for (let i = 0; i < fields.length; i += 2) {
    if (!isFraming(fields[i])) continue;
    const kept: string[] = [];
    for (let j = 0; j < fields.length; j += 2) if (!isFraming(fields[j])) kept.push(fields[j], fields[j + 1]);
    return kept;
  }
  return fields;
}

/** Response headers as a flat field list, without the fields http/ writes itself. */
function fieldsOf(headers: globalThis.Headers): string[] {
  const list: string[] = [];
  let cookiesDone = false;
  headers.forEach((value, name) => {
    if (isFraming(name)) return;
    // Joined with ", " a Set-Cookie list would be unreadable: one field each.
    if (name === 'set-cookie') {
      if (!cookiesDone) {
        cookiesDone = true;
        for (const cookie of headers.getSetCookie()) list.push('set-cookie', cookie);
      }
      return;
    }
    list.push(name, value);
  });
  return list;
}

const EMPTY = Buffer.alloc(0);

/** Read `stream` ahead: one Buffer if it ends soon, else a BodyStream. */
async function readBody(stream: ReadableStream<Uint8Array>, head: boolean): Promise<Buffer | AsyncIterable<Uint8Array>> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;
  // "Without waiting" means: before this turn of the event loop ends. A read
  // still pending then waits on a timer, I/O, another request…: stream it.
  let timer: NodeJS.Immediate | undefined;
  const stalled = new Promise<typeof STALLED>((resolve) => {
    timer = setImmediate(resolve, STALLED);
  });
  try {
    while (size < READ_AHEAD) {
      pending = reader.read();
      const result = await Promise.race([pending, stalled]);
      if (result === STALLED) break;
      pending = null;
      if (result.done) {
        if (chunks.length === 1) return asBuffer(chunks[0]);
        return chunks.length === 0 ? EMPTY : Buffer.concat(chunks, size);
      }
      const chunk = bytes(result.value);
      chunks.push(chunk);
      size += chunk.byteLength;
    }
  } finally {
    clearImmediate(timer); // do not leave one behind per response (a blocking model may not turn the loop for long)
  }
  const body = new BodyStream(reader, chunks, pending);
  if (head) void body.return();
  return body;
}

const STALLED = Symbol('stalled');

/**
 * The rest of a response body as an AsyncIterable: first the chunks already
 * read ahead, then the stream. return() (a `for await` that stops early, a
 * client that went away) cancels the stream, so an endless one stops too.
 */
class BodyStream implements AsyncIterableIterator<Uint8Array> {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #ahead: Uint8Array[];
  #pending: Promise<ReadableStreamReadResult<Uint8Array>> | null;
  #done = false;

  constructor(reader: ReadableStreamDefaultReader<Uint8Array>, ahead: Uint8Array[], pending: Promise<ReadableStreamReadResult<Uint8Array>> | null) {
    this.#reader = reader;
    this.#ahead = ahead.reverse(); // pop() from the end is cheaper than shift()
    this.#pending = pending; // already watched by Promise.race: a rejection left here is not "unhandled"
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Uint8Array>> {
    if (this.#ahead.length > 0) return { done: false, value: this.#ahead.pop()! };
    if (this.#done) return { done: true, value: undefined };
    const read = this.#pending ?? this.#reader.read();
    this.#pending = null;
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await read;
    } catch (e) {
      this.#done = true;
      throw e;
    }
    if (result.done) {
      this.#done = true;
      return { done: true, value: undefined };
    }
    return { done: false, value: bytes(result.value) };
  }

  async return(): Promise<IteratorResult<Uint8Array>> {
    if (!this.#done) {
      this.#done = true;
      this.#ahead.length = 0;
      // Not awaited: a source's cancel() may take its time, and its failure
      // has no one left to be reported to.
      this.#reader.cancel().catch(ignore);
    }
    return { done: true, value: undefined };
  }
}

/** A stream chunk as bytes; strings (which some hand-made streams enqueue) as UTF-8. */
function bytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError(`response body chunk is ${describe(chunk)}, not bytes`);
}

/** The same memory seen as a Buffer, without copying. */
function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function isResponse(value: unknown): value is globalThis.Response {
  if (value instanceof globalThis.Response) return true;
  // Another implementation of Response (a polyfill, a different undici):
  // accept anything shaped like one.
  const r = value as globalThis.Response | null;
  return typeof r === 'object' && r !== null && typeof r.status === 'number' && typeof r.headers?.forEach === 'function' && 'body' in r;
}

/** The reply for a request that has no fetch equivalent. */
function unconvertible(req: Request, e: unknown): Reply {
  const method = req.method.toUpperCase();
  const forbidden = method === 'CONNECT' || method === 'TRACE' || method === 'TRACK';
  const status = forbidden ? 501 : 400;
  const message = forbidden ? `fetch handlers cannot receive ${method} requests` : e instanceof Error ? e.message : String(e);
  return {
    status,
    reason: undefined,
    headers: ['content-type', 'text/plain; charset=utf-8'],
    body: `${STATUS_CODES[status]}: ${message}\n`,
  };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`;
  return `an object (${value.constructor?.name ?? 'no prototype'})`;
}

function ignore(): void {}
