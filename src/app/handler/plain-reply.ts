// The replies of native handlers: plain objects, checked.
//
// A native handler needs nothing from fourfold to answer: it returns
//   { status: 200, headers: { 'Content-Type': 'text/plain' }, body: 'hi' }
// with headers as an object or a flat list [name, value, …]. That matters
// for `npx fourfold`: the handler module then lives where fourfold is not
// installed, and `import … from 'fourfold'` would fail. What it returns is
// checked here — status, field names and values, the body's type — and a
// wrong reply is an error naming what is wrong (the model answers 500 and
// logs it), never a response on the wire that the handler did not mean.
//
// The helpers of native.ts build the same replies, checked once and frozen;
// those are recognised here and pass without a second look.
import { isFieldValue, isToken } from '../../http/index.js';
import type { FileBody, Reply } from '../types.js';
import { describeValue } from './describe.js';

/**
 * Header fields: a flat list `[name, value, …]` like Reply.headers, or an
 * object `{ name: value }` (an array value gives one field per element, e.g.
 * several Set-Cookie).
 */
export type HeaderFields = readonly string[] | Readonly<Record<string, string | readonly string[]>>;

/** What a native handler may return: a Reply, with headers in either form and everything but status optional. */
export interface PlainReply {
  status: number;
  reason?: string;
  headers?: HeaderFields;
  body?: Reply['body'] | ArrayBuffer;
}

/** Replies known to be well formed: the helpers', and frozen plain ones once checked. */
const wellFormed = new WeakSet<object>();
/** Frozen plain replies that needed converting (headers as an object…): converted once. */
const converted = new WeakMap<object, Reply>();

/** Record that `reply` (frozen) needs no checking. */
export function markWellFormed(reply: Reply): Reply {
  wellFormed.add(reply);
  return reply;
}

const NO_FIELDS = Object.freeze([]) as unknown as string[];

/**
 * The Reply for what a native handler returned. Throws a TypeError or
 * RangeError that says what is wrong with it.
 */
export function toReply(value: unknown): Reply {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`native handler returned ${describeValue(value)}, not a reply ({ status, headers, body })`);
  }
  if (wellFormed.has(value)) return value as Reply;
  const known = converted.get(value);
  if (known !== undefined) return known;

  const v = value as PlainReply;
  const where = 'native handler reply';
  checkStatus(v.status, where);
  const body = bodyOf(v.body, where);
  checkNoBody(v.status, body, where);
  if (v.reason !== undefined && (typeof v.reason !== 'string' || !isFieldValue(v.reason))) {
    throw new TypeError(`${where}: invalid reason ${JSON.stringify(v.reason)}`);
  }
  const headers = v.headers === undefined ? NO_FIELDS : fieldList(v.headers, where);

  const frozen = Object.isFrozen(value);
  // A Reply already (a flat list, a body http/ takes): the same object, no copy.
  if (headers === v.headers && body === v.body) {
    if (frozen && Object.isFrozen(headers)) wellFormed.add(value);
    return value as Reply;
  }
  const reply: Reply = v.reason === undefined ? { status: v.status, headers, body } : { status: v.status, reason: v.reason, headers, body };
  if (frozen) converted.set(value, Object.freeze(reply));
  return reply;
}

/** 1xx are interim responses, never the answer to a request; 3 digits is what a status line holds. */
export function checkStatus(status: unknown, where: string): asserts status is number {
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 999) {
    throw new RangeError(`${where}: status must be an integer from 200 to 999, got ${typeof status === 'number' ? status : describeValue(status)}`);
  }
}

/**
 * 204, 205 and 304 never have content (RFC 9110 §15.3.5, §15.3.6, §15.4.5):
 * a reply that gives one is a mistake, refused rather than cut off silently.
 * An empty body counts as none.
 */
export function checkNoBody(status: number, body: Reply['body'], where: string): void {
  if (status !== 204 && status !== 205 && status !== 304) return;
  if (body === null || ((typeof body === 'string' || body instanceof Uint8Array) && body.length === 0)) return;
  throw new RangeError(`${where}: a ${status} reply has no body`);
}

/** The body as http/ takes it; undefined is none, an ArrayBuffer is seen as bytes (not copied). */
function bodyOf(body: unknown, where: string): Reply['body'] {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (typeof body === 'object' && typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
    return body as AsyncIterable<Uint8Array>;
  }
  if (isFileBody(body)) return body;
  throw new TypeError(`${where}: body must be a string, bytes, an async iterable or null, got ${describeValue(body)}`);
}

function isFileBody(b: unknown): b is FileBody {
  const f = b as FileBody;
  return (
    typeof f === 'object' && f !== null && f.kind === 'file' &&
    Number.isInteger(f.fd) && f.fd >= 0 && Number.isInteger(f.offset) && f.offset >= 0 &&
    Number.isInteger(f.length) && f.length >= 0 && typeof f.closeAfter === 'boolean'
  );
}

/**
 * `headers` as a checked flat list: the same array when it is one already,
 * else a new one. Names must be tokens and values free of control
 * characters (a CR or LF would let a value inject fields of its own).
 */
export function fieldList(headers: HeaderFields, where: string): string[] {
  if (Array.isArray(headers)) {
    const list = headers as readonly unknown[];
    if (list.length % 2 !== 0) throw new TypeError(`${where}: header list must have an even length: [name, value, …]`);
    for (let i = 0; i < list.length; i += 2) checkField(list[i], list[i + 1], where);
    return headers as string[];
  }
  if (typeof headers !== 'object' || headers === null) {
    throw new TypeError(`${where}: headers must be an object { name: value } or a list [name, value, …], got ${describeValue(headers)}`);
  }
  const list: string[] = [];
  const record = headers as Readonly<Record<string, unknown>>;
  for (const name of Object.keys(record)) {
    const value = record[name];
    if (Array.isArray(value)) {
      for (const v of value as unknown[]) {
        checkField(name, v, where);
        list.push(name, v as string);
      }
    } else {
      checkField(name, value, where);
      list.push(name, value as string);
    }
  }
  return list;
}

function checkField(name: unknown, value: unknown, where: string): void {
  if (typeof name !== 'string' || !isToken(name)) throw new TypeError(`${where}: invalid header name: ${JSON.stringify(name)}`);
  checkValue(name, value, where);
}

export function checkValue(name: string, value: unknown, where: string): void {
  if (typeof value !== 'string' || !isFieldValue(value)) {
    throw new TypeError(`${where}: invalid value for header ${name}: ${JSON.stringify(value)}`);
  }
}
