// A lightweight global Response for fetch-style handlers.
//
// undici's Response costs ~18 µs to make on Node 20 (webidl conversions, a
// Headers object, the body as a ReadableStream), and most handlers answer with
// a string or some bytes and a few header fields and never look at the
// Response again: the server only has to read those back. So, as
// @hono/node-server does, the global Response is replaced by this class. It
// records what its constructor was given — checked the way undici checks it,
// in the form a Reply wants — and builds the real undici Response only when
// user code asks for something only the real one has: its body stream,
// text(), clone()…
//
// What the fast path does not understand (a stream, Blob or FormData body, an
// unusual init, a value undici would refuse) builds the real Response at once,
// so undici's behaviour and its error messages stay exactly as they were.

import { isToken } from '../../http/index.js';
import { hasField } from '../fields.js';
import { delegate, headersFrom } from './light-shared.js';

/** undici's Response, captured before the global is replaced. */
export const GlobalResponse = globalThis.Response;
const GlobalHeaders = globalThis.Headers;

/** What a light Response was made with, as long as no real Response exists. */
export interface Recorded {
  readonly status: number;
  readonly statusText: string;
  /** The body: a string, a private copy of the bytes given, or null. */
  body: string | Buffer | null;
  /**
   * Header fields as a flat list [name, value, …]: names as given, values
   * trimmed and checked, plus the Content-Type undici would add.
   */
  readonly fields: string[];
  /** The Headers object handed out by `.headers`, once asked for: from then on it is the truth. */
  headers: Headers | null;
}

const TEXT_PLAIN = 'text/plain;charset=UTF-8'; // what undici adds for a string body
const JSON_TYPE = 'application/json';

/** The light Response, installed as globalThis.Response by installLightResponse(). */
export class LightResponse {
  #record: Recorded | null;
  #real: Response | null = null;

  constructor(body?: ConstructorParameters<typeof GlobalResponse>[0], init?: ResponseInit) {
    this.#record = record(body, init);
    if (this.#record === null) this.#real = new GlobalResponse(body, init);
  }

  /**
   * What `value` was made with, if it is a light Response (not a subclass)
   * that has not become a real one; else null. The adapter's fast path.
   */
  static recordOf(value: unknown): Recorded | null {
    if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== LightResponse.prototype) return null;
    return (value as LightResponse).#record;
  }

  /** `x instanceof Response` holds for real undici Responses (from fetch()…) and light ones alike. */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (this === LightResponse) return value instanceof GlobalResponse; // light ones inherit its prototype
    return Function.prototype[Symbol.hasInstance].call(this, value); // a subclass: the usual rule
  }

  /** Response.json(): recorded like the constructor's, with an application/json Content-Type. */
  static json(data: unknown, init?: ResponseInit): Response {
    const body = JSON.stringify(data);
    const response = new LightResponse(null, init);
    const r = response.#record;
    if (body === undefined || r === null || nullBodyStatus(r.status)) return GlobalResponse.json(data, init); // undici's checks and errors
    r.body = body;
    if (!hasField(r.fields, 'content-type')) r.fields.push('content-type', JSON_TYPE);
    return response as unknown as Response;
  }

  // What can be answered from the record without building the real Response.

  get status(): number {
    return this.#record !== null ? this.#record.status : this.#real!.status;
  }

  get statusText(): string {
    return this.#record !== null ? this.#record.statusText : this.#real!.statusText;
  }

  get ok(): boolean {
    const status = this.status;
    return status >= 200 && status <= 299;
  }

  get headers(): Headers {
    const r = this.#record;
    if (r === null) return this.#real!.headers;
    return (r.headers ??= headersFrom(r.fields));
  }

  get type(): Response['type'] {
    return this.#record !== null ? 'default' : this.#real!.type;
  }

  get url(): string {
    return this.#record !== null ? '' : this.#real!.url;
  }

  get redirected(): boolean {
    return this.#record !== null ? false : this.#real!.redirected;
  }

  get bodyUsed(): boolean {
    return this.#record !== null ? false : this.#real!.bodyUsed;
  }

  /** The real undici Response, built from the record the first time it is needed. */
  #realResponse(): Response {
    const r = this.#record;
    if (r !== null) {
      this.#real = new GlobalResponse(r.body, { status: r.status, statusText: r.statusText, headers: r.headers ?? headersFrom(r.fields) });
      this.#record = null;
    }
    return this.#real!;
  }

  static {
    // Everything else undici's Response has (body, text(), clone(), blob()…,
    // whatever this Node version adds) is asked of the real one.
    const realOf = (response: LightResponse): Response => response.#realResponse();
    delegate(LightResponse.prototype, GlobalResponse.prototype, realOf);
    // Light Responses inherit undici's prototype (for instanceof, toStringTag),
    // the class its statics (Response.error(), Response.redirect()).
    Object.setPrototypeOf(LightResponse.prototype, GlobalResponse.prototype);
    Object.setPrototypeOf(LightResponse, GlobalResponse);
    Object.defineProperty(LightResponse, 'name', { value: 'Response' });
    Object.defineProperty(LightResponse.prototype, Symbol.for('nodejs.util.inspect.custom'), {
      value(this: LightResponse, depth: number, options: object, inspect: (value: unknown, options: object) => string): string {
        const r = this.#record;
        if (r === null) return inspect(this.#real, options);
        return `Response (light) ${inspect({ status: r.status, statusText: r.statusText, headers: r.headers ?? headersFrom(r.fields), body: r.body }, options)}`;
      },
    });
  }
}

/** Make globalThis.Response the light one (once; later calls do nothing). */
export function installLightResponse(): void {
  if (globalThis.Response === (LightResponse as unknown)) return;
  Object.defineProperty(globalThis, 'Response', { value: LightResponse, writable: true, configurable: true, enumerable: false });
}

// The checks undici makes, for the cases recorded; anything else falls back.
// Names are tokens (http/'s isToken); values follow undici's own, looser rule
// (a ByteString without NUL, CR or LF), not http/'s, so that a light
// Response refuses exactly what undici refuses.
const REASON = /^[\t\x20-\x7e\x80-\xff]*$/;
const BAD_VALUE = /[\0\r\n\u0100-\uffff]/; // after trimming; beyond latin1 is not a ByteString
const EDGE_SPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

/** The record for `new Response(body, init)`, or null when undici should make this one. */
function record(body: unknown, init: ResponseInit | undefined): Recorded | null {
  let content: string | Buffer | null;
  let type: string | null = null;
  if (body === undefined || body === null) content = null;
  else if (typeof body === 'string') {
    content = body;
    type = TEXT_PLAIN;
  } else if (body instanceof ArrayBuffer) content = Buffer.from(new Uint8Array(body)); // a copy, as undici makes: later writes must not show
  else if (ArrayBuffer.isView(body) && body.buffer instanceof ArrayBuffer) content = Buffer.from(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
  else return null; // a stream, Blob, FormData, URLSearchParams…

  let status = 200;
  let statusText = '';
  let headers: unknown;
  if (init !== undefined) {
    if (typeof init !== 'object' || init === null) return null;
    const s = init.status;
    if (s !== undefined) {
      if (!Number.isInteger(s) || s < 200 || s > 599) return null;
      status = s;
    }
    const t = init.statusText;
    if (t !== undefined) {
      if (typeof t !== 'string' || !REASON.test(t)) return null;
      statusText = t;
    }
    headers = init.headers;
  }
  if (content !== null && nullBodyStatus(status)) return null;

  const fields: string[] = [];
  if (headers !== undefined && !addFields(fields, headers)) return null;
  if (type !== null && !hasField(fields, 'content-type')) fields.push('content-type', type);
  return { status, statusText, body: content, fields, headers: null };
}

/**
 * Append the fields of a HeadersInit — a plain object, an array of pairs or a
 * Headers — to `fields`, checked and trimmed as undici would. False for any
 * other kind of init, or a field undici would refuse.
 */
function addFields(fields: string[], init: unknown): boolean {
  if (typeof init !== 'object' || init === null) return false;
  if (init instanceof GlobalHeaders) {
    init.forEach((value, name) => fields.push(name, value)); // already checked; one field per Set-Cookie
    return true;
  }
  if (Array.isArray(init)) {
    for (const pair of init) {
      if (!Array.isArray(pair) || pair.length !== 2 || !addField(fields, pair[0], pair[1])) return false;
    }
    return true;
  }
  const proto = Object.getPrototypeOf(init);
  if (proto !== Object.prototype && proto !== null) return false; // a Map, a class instance…
  const record = init as Record<string, unknown>;
  for (const name in record) if (!addField(fields, name, record[name])) return false;
  return true;
}

function addField(fields: string[], name: unknown, value: unknown): boolean {
  if (typeof name !== 'string' || typeof value !== 'string' || !isToken(name)) return false;
  const last = value.length - 1;
  if (last >= 0 && (isSpace(value.charCodeAt(0)) || isSpace(value.charCodeAt(last)))) value = value.replace(EDGE_SPACE, '');
  if (BAD_VALUE.test(value as string)) return false;
  fields.push(name, value as string);
  return true;
}

/** HTTP whitespace: tab, LF, CR, space. */
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Statuses whose responses cannot have a body (undici refuses one). */
function nullBodyStatus(status: number): boolean {
  return status === 204 || status === 205 || status === 304;
}
