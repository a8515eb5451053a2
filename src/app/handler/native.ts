// The native handler API: fourfold's own fast path.
//
// A native handler module exports `{ handle(req) }`: fourfold's Request in
// (../types.ts), a reply out. No WHATWG Request/Response is built, so a
// request costs one function call. A reply is a plain object, and needs no
// import — which is what a module run with `npx fourfold` wants, since
// fourfold is not installed beside it:
//
//   export default {
//     handle(req) {
//       if (req.path === '/hi') return { status: 200, headers: { 'Content-Type': 'text/plain' }, body: 'hi\n' };
//       // undefined: not mine (the static files, or a 404)
//     },
//   };
//
// `headers` is an object { name: value } (an array value: one field each) or
// a flat list [name, value, …]; `body` a string, bytes, an async iterable of
// bytes (sent chunked) or null; both may be left out. A wrong reply is a 500,
// and the log says what is wrong with it (plain-reply.ts).
//
// The helpers below (text, html, json, reply, redirect) are for speed, when
// fourfold is installed (`import { text } from 'fourfold'`). They check a
// reply once and freeze it: a frozen reply is a promise that it never
// changes, so the server encodes it once and reuses the bytes for every
// request that returns it. Build constant replies once, at module load:
//
//   const hello = text('Hello, World!');
//   export default { handle: () => hello };

import { hasField } from '../fields.js';
import type { Reply, Request } from '../types.js';
import { checkNoBody, checkStatus, checkValue, fieldList, markWellFormed, type HeaderFields, type PlainReply } from './plain-reply.js';

export type { HeaderFields, PlainReply } from './plain-reply.js';

/** What a native handler module exports as its default. */
export interface NativeHandler {
  /**
   * Answer a request, or return undefined (or null) for "not mine": the
   * request then falls through to the static files (when a root is served)
   * or a 404.
   */
  handle(request: Request): PlainReply | undefined | null | Promise<PlainReply | undefined | null>;
  /** Optional: called once when the server shuts down. */
  close?(): void | Promise<void>;
}

const TEXT = 'text/plain; charset=utf-8';
const HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json';

// Header lists without extras are shared by every reply of their kind, so
// the server can recognise (and cache) them by identity too. Field names are
// written the way the server writes its own (Content-Length, Date…).
const TEXT_FIELDS = Object.freeze(['Content-Type', TEXT]) as string[];
const HTML_FIELDS = Object.freeze(['Content-Type', HTML]) as string[];
const JSON_FIELDS = Object.freeze(['Content-Type', JSON_TYPE]) as string[];
const NO_FIELDS = Object.freeze([]) as unknown as string[];

/** `text/plain; charset=utf-8` reply. */
export function text(body: string, status = 200, headers?: HeaderFields): Reply {
  return build('text()', status, body, headers === undefined ? TEXT_FIELDS : fields('text()', headers, TEXT));
}

/** `text/html; charset=utf-8` reply. */
export function html(body: string, status = 200, headers?: HeaderFields): Reply {
  return build('html()', status, body, headers === undefined ? HTML_FIELDS : fields('html()', headers, HTML));
}

/** `application/json` reply with `JSON.stringify(value)` as body. */
export function json(value: unknown, status = 200, headers?: HeaderFields): Reply {
  const body = JSON.stringify(value);
  if (body === undefined) throw new TypeError(`json(): ${typeof value} is not JSON-serializable`);
  return build('json()', status, body, headers === undefined ? JSON_FIELDS : fields('json()', headers, JSON_TYPE));
}

/**
 * Any reply: status, body (null for none) and header fields, set as given.
 * 204, 205 and 304 take no body: giving one is a RangeError.
 */
export function reply(status: number, body: Reply['body'] = null, headers?: HeaderFields): Reply {
  return build('reply()', status, body, headers === undefined ? NO_FIELDS : fields('reply()', headers, null));
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A redirect to `location` (no body). */
export function redirect(location: string, status = 302): Reply {
  if (!REDIRECTS.has(status)) throw new RangeError(`redirect(): status must be 301, 302, 303, 307 or 308, got ${status}`);
  checkValue('Location', location, 'redirect()');
  return build('redirect()', status, null, Object.freeze(['Location', location]) as string[]);
}

/** Checked once here, frozen, and known to plain-reply.ts as well formed. */
function build(where: string, status: number, body: Reply['body'], headers: string[]): Reply {
  checkStatus(status, where);
  checkNoBody(status, body, where);
  return markWellFormed(Object.freeze({ status, headers, body }));
}

/** The user's fields as a frozen flat list. `contentType` comes first unless the user set their own. */
function fields(where: string, extra: HeaderFields, contentType: string | null): string[] {
  const list = fieldList(extra, where).slice();
  if (contentType !== null && !hasField(list, 'content-type')) list.unshift('Content-Type', contentType);
  return Object.freeze(list) as string[];
}
