// The native handler API: fourfold's own fast path.
//
// A native handler module exports `{ handle(req) }` and answers with plain
// Reply objects (see ../types.ts). No WHATWG Request/Response is built, so a
// request costs one function call. The helpers below build Replies and freeze
// them: a frozen Reply is a promise that it never changes, which lets the
// server encode it once and reuse the bytes for every request that returns it.
//
//   import { text } from 'fourfold';
//   const hello = text('Hello, World!');      // built once, at module load
//   export default { handle: () => hello };   // returned for every request

import { isFieldValue, isToken } from '../../http/index.js';
import type { Reply, Request } from '../types.js';

/** What a native handler module exports as its default. */
export interface NativeHandler {
  /**
   * Answer a request, or return undefined for "not mine": the request then
   * falls through to the static files (when a root is served) or a 404.
   */
  handle(request: Request): Reply | undefined | Promise<Reply | undefined>;
  /** Optional: called once when the server shuts down. */
  close?(): void | Promise<void>;
}

/**
 * Extra header fields for a helper: a flat list `[name, value, …]` like
 * Reply.headers, or an object `{ name: value }` (an array value gives one
 * field per element, e.g. several `set-cookie`).
 */
export type HeaderFields = readonly string[] | Readonly<Record<string, string | readonly string[]>>;

const TEXT = 'text/plain; charset=utf-8';
const HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json';

// Header lists without extras are shared by every reply of their kind, so
// the server can recognise (and cache) them by identity too.
const TEXT_FIELDS = Object.freeze(['content-type', TEXT]) as string[];
const HTML_FIELDS = Object.freeze(['content-type', HTML]) as string[];
const JSON_FIELDS = Object.freeze(['content-type', JSON_TYPE]) as string[];
const NO_FIELDS = Object.freeze([]) as unknown as string[];

/** `text/plain; charset=utf-8` reply. */
export function text(body: string, status = 200, headers?: HeaderFields): Reply {
  return build(status, body, headers === undefined ? TEXT_FIELDS : fields(headers, TEXT));
}

/** `text/html; charset=utf-8` reply. */
export function html(body: string, status = 200, headers?: HeaderFields): Reply {
  return build(status, body, headers === undefined ? HTML_FIELDS : fields(headers, HTML));
}

/** `application/json` reply with `JSON.stringify(value)` as body. */
export function json(value: unknown, status = 200, headers?: HeaderFields): Reply {
  const body = JSON.stringify(value);
  if (body === undefined) throw new TypeError(`json(): ${typeof value} is not JSON-serializable`);
  return build(status, body, headers === undefined ? JSON_FIELDS : fields(headers, JSON_TYPE));
}

/** Any reply: status, body (null for none) and header fields, set as given. */
export function reply(status: number, body: Reply['body'] = null, headers?: HeaderFields): Reply {
  return build(status, body, headers === undefined ? NO_FIELDS : fields(headers, null));
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A redirect to `location` (no body). */
export function redirect(location: string, status = 302): Reply {
  if (!REDIRECTS.has(status)) throw new RangeError(`redirect(): status must be 301, 302, 303, 307 or 308, got ${status}`);
  checkValue('location', location);
  return build(status, null, Object.freeze(['location', location]) as string[]);
}

function build(status: number, body: Reply['body'], headers: string[]): Reply {
  // 1xx are interim responses, never the answer to a request.
  if (!Number.isInteger(status) || status < 200 || status > 999) {
    throw new RangeError(`invalid status ${status}: expected an integer from 200 to 999`);
  }
  return Object.freeze({ status, headers, body });
}

/**
 * The user's fields as a frozen flat list, validated once here rather than
 * on every send. `contentType` comes first unless the user set their own.
 */
function fields(extra: HeaderFields, contentType: string | null): string[] {
  const list: string[] = [];
  let hasType = false;
  const add = (name: string, value: string): void => {
    checkName(name);
    checkValue(name, value);
    if (name.length === 12 && name.toLowerCase() === 'content-type') hasType = true;
    list.push(name, value);
  };
  if (isFlatList(extra)) {
    if (extra.length % 2 !== 0) throw new TypeError('header list must have an even length: [name, value, …]');
    for (let i = 0; i < extra.length; i += 2) add(extra[i], extra[i + 1]);
  } else {
    for (const name of Object.keys(extra)) {
      const value = extra[name];
      if (typeof value === 'string') add(name, value);
      else for (const v of value) add(name, v);
    }
  }
  if (contentType !== null && !hasType) list.unshift('content-type', contentType);
  return Object.freeze(list) as string[];
}

function isFlatList(h: HeaderFields): h is readonly string[] {
  return Array.isArray(h);
}

// Names must be tokens, values free of control characters (CR/LF would let
// a value inject fields of its own): http/'s rules, checked once here.
function checkName(name: string): void {
  if (typeof name !== 'string' || !isToken(name)) throw new TypeError(`invalid header name: ${JSON.stringify(name)}`);
}

function checkValue(name: string, value: string): void {
  if (typeof value !== 'string' || !isFieldValue(value)) {
    throw new TypeError(`invalid value for header ${name}: ${JSON.stringify(value)}`);
  }
}
