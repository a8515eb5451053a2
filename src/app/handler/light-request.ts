// A lazy Request for fetch-style handlers.
//
// undici's Request costs ~8 µs to make on Node 20 (webidl conversions, an
// AbortSignal, a Headers object, the body as a stream), more than the rest of
// a hello request. Most handlers look at the method and the URL, a header or
// two, and perhaps read the body once. So, as @hono/node-server does, the
// handler receives a LightRequest: method and url are plain strings, the
// headers a Headers built on first use, and text() / arrayBuffer() / bytes() /
// json() read straight from the Buffer http/ already holds. The real undici
// Request is built only when something needs it: the body as a stream,
// signal, clone(), formData(), blob(), and `new Request(light)` or
// `fetch(light)` — undici cannot read a LightRequest's insides, so the global
// Request and fetch are replaced by versions that unwrap one first.

import { isToken } from '../../http/index.js';
import type { Request as HttpRequest } from '../types.js';
import { appendFields, delegate, headersFrom } from './light-shared.js';

/** undici's Request, Headers and fetch, captured before the globals are replaced. */
export const GlobalRequest = globalThis.Request;
const globalFetch = globalThis.fetch;

type RequestInput = ConstructorParameters<typeof GlobalRequest>[0];

const EMPTY = Buffer.alloc(0);
const decoder = new TextDecoder(); // UTF-8, BOM removed: what undici's text() does

/** The request a fetch-style handler receives, as long as it needs no more. */
export class LightRequest {
  readonly #req: HttpRequest;
  readonly #method: string;
  readonly #url: string;
  #headers: Headers | null = null;
  #real: Request | null = null;
  /** The body was consumed by one of the direct readers below. */
  #bodyRead = false;

  /**
   * Throws TypeError where undici would: no valid URL can be made, or the
   * method is not a token or is one fetch forbids (CONNECT, TRACE, TRACK).
   */
  constructor(req: HttpRequest) {
    this.#req = req;
    this.#url = requestUrl(req);
    this.#method = fetchMethod(req.method);
  }

  /** The real undici Request for `value` if it is a LightRequest; else `value` itself. */
  static unwrap<T>(value: T): T | Request {
    if (typeof value === 'object' && value !== null && #req in value) return (value as LightRequest).#realRequest();
    return value;
  }

  get method(): string {
    return this.#method;
  }

  /** The absolute URL, as undici's request.url would print it. */
  get url(): string {
    return this.#url;
  }

  /** Aborted when the client goes away before the response is sent (the server's own signal, no real Request needed). */
  get signal(): AbortSignal {
    return this.#req.signal;
  }

  get headers(): Headers {
    if (this.#real !== null) return this.#real.headers;
    return (this.#headers ??= headersFrom(this.#req.headers));
  }

  get bodyUsed(): boolean {
    return this.#real !== null ? this.#real.bodyUsed : this.#bodyRead;
  }

  text(): Promise<string> {
    return this.#real !== null ? this.#real.text() : this.#read((b) => decoder.decode(b));
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#real !== null ? this.#real.arrayBuffer() : this.#read(copyToArrayBuffer);
  }

  bytes(): Promise<Uint8Array> {
    return this.#real !== null ? (this.#real as Request & { bytes(): Promise<Uint8Array> }).bytes() : this.#read((b) => new Uint8Array(copyToArrayBuffer(b)));
  }

  json(): Promise<unknown> {
    return this.#real !== null ? this.#real.json() : this.#read((b) => JSON.parse(decoder.decode(b)) as unknown);
  }

  /** The body as undici would have it: none for GET and HEAD, nor when it is empty. */
  #body(): Buffer | null {
    const body = this.#req.body;
    const method = this.#method;
    return body.length > 0 && method !== 'GET' && method !== 'HEAD' ? body : null;
  }

  /** Read the body once, as undici does: a second read of a body rejects. */
  #read<T>(convert: (body: Buffer) => T): Promise<T> {
    const body = this.#body();
    if (body !== null) {
      if (this.#bodyRead) return Promise.reject(new TypeError('Body is unusable: Body has already been read'));
      this.#bodyRead = true;
    }
    try {
      return Promise.resolve(convert(body ?? EMPTY));
    } catch (e) {
      return Promise.reject(e); // JSON.parse: a rejection, as from undici
    }
  }

  /** The real undici Request, built the first time it is needed. */
  #realRequest(): Request {
    if (this.#real === null) {
      const body = this.#body();
      const method = this.#method;
      const signal = this.#req.signal;
      const real = new GlobalRequest(this.#url, body === null ? { method, headers: this.#headers ?? undefined, signal } : { method, headers: this.#headers ?? undefined, body, signal });
      // Appending to the Request's own Headers avoids building a second one for the constructor to copy.
      if (this.#headers === null) appendFields(real.headers, this.#req.headers);
      // A body already read here must be used up there too (bodyUsed, clone(), new Request(it)).
      if (this.#bodyRead && body !== null) real.arrayBuffer().catch(ignore);
      this.#real = real;
    }
    return this.#real;
  }

  static {
    // Everything else undici's Request has (signal, body, clone(), blob(),
    // formData(), cache, mode…) is asked of the real one.
    delegate(LightRequest.prototype, GlobalRequest.prototype, (request: LightRequest) => request.#realRequest());
    Object.defineProperty(LightRequest.prototype, Symbol.for('nodejs.util.inspect.custom'), {
      value(this: LightRequest, depth: number, options: object, inspect: (value: unknown, options: object) => string): string {
        if (this.#real !== null) return inspect(this.#real, options);
        return `Request (light) ${inspect({ method: this.#method, url: this.#url, headers: this.#headers ?? headersFrom(this.#req.headers) }, options)}`;
      },
    });
  }
}

/**
 * The global Request while light ones are about: undici's, except that a
 * LightRequest given as input is unwrapped first, and `instanceof Request`
 * holds for real and light ones alike.
 */
export const UnwrappingRequest = class Request extends GlobalRequest {
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === UnwrappingRequest) return value instanceof GlobalRequest; // light ones inherit its prototype
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }

  constructor(input: RequestInput, init?: RequestInit) {
    super(LightRequest.unwrap(input), init);
  }
};

// A LightRequest is a Request as far as instanceof, toStringTag and
// `request.constructor` are concerned.
Object.setPrototypeOf(LightRequest.prototype, UnwrappingRequest.prototype);
Object.defineProperty(LightRequest.prototype, 'constructor', { value: UnwrappingRequest, writable: true, configurable: true });

/** The global fetch while light Requests are about: undici's, with a LightRequest unwrapped first. */
function fetch(input: RequestInput, init?: RequestInit): Promise<Response> {
  return globalFetch(LightRequest.unwrap(input), init);
}

/** Make globalThis.Request and globalThis.fetch the unwrapping ones (once). */
export function installLightRequest(): void {
  if (globalThis.Request === (UnwrappingRequest as unknown)) return;
  Object.defineProperty(globalThis, 'Request', { value: UnwrappingRequest, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(globalThis, 'fetch', { value: fetch, writable: true, configurable: true, enumerable: true });
}

/** A method as undici normalises it; TypeError for one it refuses. */
function fetchMethod(method: string): string {
  switch (method) {
    case 'GET':
    case 'HEAD':
    case 'POST':
    case 'PUT':
    case 'DELETE':
    case 'OPTIONS':
    case 'PATCH':
      return method;
  }
  if (!isToken(method)) throw new TypeError(`'${method}' is not a valid HTTP method.`);
  const upper = method.toUpperCase();
  switch (upper) {
    case 'CONNECT':
    case 'TRACE':
    case 'TRACK':
      throw new TypeError(`'${method}' HTTP method is unsupported.`);
    case 'DELETE':
    case 'GET':
    case 'HEAD':
    case 'OPTIONS':
    case 'POST':
    case 'PUT':
      return upper; // the methods fetch upper-cases (PATCH is not one of them)
  }
  return method;
}

// Host values that cannot change the URL's meaning: no "/", "?", "#", "@".
const HOST = /^[\w.~%!$&'()*+,;=:[\]-]+$/;
const ABSOLUTE = /^https?:\/\//i;

// A URL the WHATWG parser would print unchanged, so new URL() can be skipped:
// a lower-case host name whose last label is not a number (else it is read as
// IPv4), or a dotted-quad IPv4 address; a port from 1 to 65535 without leading
// zeros, other than http's default 80; a path and query without the
// characters the parser escapes or rewrites (" # ' < > \ ` { }), nor those
// whose escaping has changed between Node versions (^ | [ ]), without dot
// segments.
const PLAIN_HOST =
  /^(?:(?:[a-z0-9-]+\.)*[a-z-][a-z0-9-]*|(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d))(?::(?!80$)(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d\d|655[0-2]\d|6553[0-5]))?$/;
const PLAIN_TARGET = /^\/[!$-&(-;=?-Z_a-z~]*$/;
const DOT_SEGMENT = /\/(?:\.|%2e){1,2}(?:[/?]|$)/i;

/**
 * The absolute URL of `req`, as undici's request.url would print it: from the
 * Host header and the target, an absolute-form target as it is, "*" as "/*".
 * Throws TypeError when no valid URL can be made.
 */
export function requestUrl(req: HttpRequest): string {
  const target = req.target;
  let url: string;
  if (target.charCodeAt(0) === 0x2f /* / */ || target === '*') {
    const host = req.header('host') || 'localhost';
    const plainHost = checkHost(host);
    const path = target === '*' ? '/*' : target;
    url = 'http://' + host + path;
    // The common case: already in the parser's canonical form.
    if (plainHost && PLAIN_TARGET.test(path) && !DOT_SEGMENT.test(path)) return url;
  } else if (ABSOLUTE.test(target)) {
    url = target;
  } else {
    throw new TypeError(`request-target ${JSON.stringify(target)} cannot be made into a URL`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`request-target ${JSON.stringify(target)} cannot be made into a URL`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new TypeError(`Request cannot be constructed from a URL that includes credentials: ${url}`);
  }
  return parsed.href;
}

// Nearly every request to a server names the same Host: the last one that
// passed is remembered, with its verdict.
let lastHost = '';
let lastHostPlain = false;

/** Throw TypeError for a Host that would change the URL's meaning; else is it in canonical form? */
function checkHost(host: string): boolean {
  if (host === lastHost) return lastHostPlain;
  if (!HOST.test(host)) throw new TypeError(`invalid Host header ${JSON.stringify(host)}`);
  lastHostPlain = PLAIN_HOST.test(host) && !host.includes('xn--');
  lastHost = host;
  return lastHostPlain;
}

/** A fresh ArrayBuffer with the bytes of `b` (the caller may write to it). */
function copyToArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

function ignore(): void {}
