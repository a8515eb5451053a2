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

import { errorReply, isManagedField, reasonPhrase } from '../../http/index.js';
import { isThenable } from '../maybe-async.js';
import type { Reply, Request } from '../types.js';
import { readBody } from './body-stream.js';
import { describeValue } from './describe.js';
import { LightRequest, installLightRequest } from './light-request.js';
import { LightResponse, installLightResponse, type Recorded } from './light-response.js';

export { READ_AHEAD } from './body-stream.js';

/** A fetch-style handler: `(request) => Response`. */
export type FetchFunction = (request: globalThis.Request) => globalThis.Response | Promise<globalThis.Response>;

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
  if (!isResponse(response)) return Promise.reject(new TypeError(`fetch handler returned ${describeValue(response)}, not a Response`));
  return toReply(response, head);
}

/** A light Response's record as a Reply: bytes with a Content-Length, fields as recorded. */
function recordedReply(r: Recorded): Reply {
  const body = r.body;
  return {
    status: r.status,
    reason: reasonOf(r.status, r.statusText),
    headers: r.headers !== null ? fieldsOf(r.headers) : withoutManaged(r.fields),
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
  return statusText === '' || statusText === reasonPhrase(status) ? undefined : statusText;
}

/** A recorded field list without the fields http/ writes itself (the same list when it has none). */
function withoutManaged(fields: string[]): string[] {
  for (let i = 0; i < fields.length; i += 2) {
    if (!isManagedField(fields[i])) continue;
    const kept: string[] = [];
    for (let j = 0; j < fields.length; j += 2) if (!isManagedField(fields[j])) kept.push(fields[j], fields[j + 1]);
    return kept;
  }
  return fields;
}

/** Response headers as a flat field list, without the fields http/ writes itself. */
function fieldsOf(headers: globalThis.Headers): string[] {
  const list: string[] = [];
  let cookiesDone = false;
  headers.forEach((value, name) => {
    if (isManagedField(name)) return;
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

function isResponse(value: unknown): value is globalThis.Response {
  if (value instanceof globalThis.Response) return true;
  // Another implementation of Response (a polyfill, a different undici):
  // accept anything shaped like one.
  const r = value as globalThis.Response | null;
  return typeof r === 'object' && r !== null && typeof r.status === 'number' && typeof r.headers?.forEach === 'function' && 'body' in r;
}

/** The reply for a request that has no fetch equivalent: the client's fault, so 4xx or 501. */
function unconvertible(req: Request, e: unknown): Reply {
  const method = req.method.toUpperCase();
  const forbidden = method === 'CONNECT' || method === 'TRACE' || method === 'TRACK';
  if (forbidden) return errorReply(501, `fetch handlers cannot receive ${method} requests`);
  return errorReply(400, e instanceof Error ? e.message : String(e));
}
