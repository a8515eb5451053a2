// Turning a Reply into bytes on the wire (RFC 9112 §4, §6): the status line,
// our own fields (Date, Server, framing, Connection), then the application's.
// The head is built as one latin1 string and, for small bodies, written into
// the same Buffer as the body, so a typical response is one send() call.
// Frozen Replies (the native API's pre-built ones) are encoded once and the
// complete bytes cached per second of Date.
import { STATUS_CODES } from 'node:http';
import type { FileBody, Reply } from './types.js';
import { httpDate } from './date.js';
import { isToken, isFieldValue } from './chars.js';
import type { HttpConnection } from './connection.js';

/**
 * What a model must send for one response, in this order: `head`, then
 * `body` or `file`, or else every chunk of `stream` framed by frame() and
 * finally end(). The model only moves these bytes and files; every decision
 * about framing is made here (h11's rule: what affects the protocol state
 * lives in the state machine).
 */
export class Outgoing {
  /** Status line and header fields, possibly followed by the whole body. */
  head: Buffer = EMPTY;
  /** Body bytes still to send after `head`, or null. */
  body: Uint8Array | null = null;
  /** A file range to send with sendfile after `head`, or null. */
  file: FileBody | null = null;
  /** A body of unknown length to pull, frame() and send, or null. */
  stream: AsyncIterable<unknown> | null = null;
  /** Each stream chunk is framed with chunked coding (else the body ends with the connection). */
  chunked = false;
  /** Close the connection once this response is sent. */
  close = false;
  status = 0;
  /** Body bytes this response carries (for the access log); -1 while unknown. */
  bodyLength = 0;
  /** How many bytes of `head` are the status line and fields (the rest of it, if any, is body): what was sent beyond them is body. */
  headLength = 0;
  /**
   * `head` lies in a buffer shared by every response on this thread and is
   * valid only until the next encodeResponse(): send it now, or copy what
   * is left of it.
   */
  transient = false;

  /**
   * The wire pieces of one stream chunk: [size line, data, CRLF] when
   * chunked, else [data]; [] for an empty chunk (which would mean "last
   * chunk" on the wire). Strings are sent as UTF-8, any ArrayBuffer view as
   * its bytes; anything else is a TypeError (the model answers with a
   * cut connection, never with wrong bytes).
   */
  frame(chunk: unknown): Uint8Array[] {
    const data = chunkBytes(chunk);
    if (data.length === 0) return [];
    return this.chunked ? [Buffer.from(data.length.toString(16) + '\r\n', 'latin1'), data, CRLF] : [data];
  }

  /** What ends a streamed body: the last chunk when chunked (no trailers), else nothing (the close ends it). */
  end(): Uint8Array | null {
    return this.chunked ? LAST_CHUNK : null;
  }
}

/**
 * One chunk of a streamed body as bytes: strings as UTF-8, any ArrayBuffer
 * view (or ArrayBuffer) as its bytes, without copying. Anything else is a
 * TypeError that says what it was.
 */
export function chunkBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError(`a response body chunk must be a string or bytes (a Uint8Array, Buffer or other ArrayBuffer view), not ${kindOf(chunk)}`);
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') {
    const name = (v as object).constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return typeof v === 'undefined' ? 'undefined' : `a ${typeof v} (${String(v).slice(0, 40)})`;
}

const EMPTY = Buffer.alloc(0);
const INLINE_BODY_MAX = 16 * 1024; // bodies up to this size share the head's buffer
const SERVER = 'Server: fourfold\r\n';

const CRLF = Buffer.from('\r\n', 'latin1');
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');

/**
 * The reason phrases of RFC 9110 §15, which Node's STATUS_CODES does not
 * follow everywhere (413 is "Content Too Large" since RFC 9110, not "Payload
 * Too Large"; 422 "Unprocessable Content", not "Unprocessable Entity"), and
 * which must not change with the Node version. Other codes (429, 451…) come
 * from STATUS_CODES.
 */
const RFC_9110_REASONS: Readonly<Record<number, string>> = {
  100: 'Continue', 101: 'Switching Protocols',
  200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-Authoritative Information', 204: 'No Content', 205: 'Reset Content', 206: 'Partial Content',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified', 305: 'Use Proxy', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable',
  407: 'Proxy Authentication Required', 408: 'Request Timeout', 409: 'Conflict', 410: 'Gone', 411: 'Length Required', 412: 'Precondition Failed',
  413: 'Content Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type', 416: 'Range Not Satisfiable', 417: 'Expectation Failed',
  421: 'Misdirected Request', 422: 'Unprocessable Content', 426: 'Upgrade Required',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout', 505: 'HTTP Version Not Supported',
};

const statusLines = new Map<number, string>();
function statusLine(status: number, reason: string | undefined): string {
  if (reason !== undefined) {
    // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ), one byte per character in latin1:
    // a character above U+00FF would be cut to its low byte — U+010D to CR, U+010A to LF.
    if (reason === '' || !isFieldValue(reason)) throw new TypeError(`invalid reason phrase ${JSON.stringify(reason)}: only tabs, spaces, visible ASCII and latin1 letters`);
    return `HTTP/1.1 ${status} ${reason}\r\n`;
  }
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${RFC_9110_REASONS[status] ?? STATUS_CODES[status] ?? ''}\r\n`;
    statusLines.set(status, line);
  }
  return line;
}

export function reasonPhrase(status: number): string {
  return RFC_9110_REASONS[status] ?? STATUS_CODES[status] ?? 'Unknown';
}

/** Statuses that never have content (RFC 9110 §6.4.1). */
function forbidsBody(status: number): boolean {
  return status < 200 || status === 204 || status === 205 || status === 304;
}

/** ...and of those, the ones that carry no Content-Length either (a 205 says "Content-Length: 0", RFC 9110 §15.3.6). */
function omitsLength(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}

// A frozen header list (a static file's, shared by its responses) is encoded once.
const fieldsCache = new WeakMap<readonly string[], string>();

/** Application headers as wire text; framing and hop-by-hop fields are ours and dropped. */
function encodeFields(headers: readonly string[]): string {
  if (!Object.isFrozen(headers)) return encodeFieldsNow(headers);
  let s = fieldsCache.get(headers);
  if (s === undefined) {
    s = encodeFieldsNow(headers);
    fieldsCache.set(headers, s);
  }
  return s;
}

function encodeFieldsNow(headers: readonly string[]): string {
  let s = '';
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i];
    const value = String(headers[i + 1]);
    if (!isToken(name)) throw new TypeError(`invalid response header name: ${JSON.stringify(name)}`);
    if (!isFieldValue(value)) throw new TypeError(`invalid value for response header ${name}`);
    if (isManagedField(name)) continue;
    s += name + ': ' + value + '\r\n';
  }
  return s;
}

/**
 * Fields the server writes itself, from the body and the connection state:
 * framing (Content-Length, Transfer-Encoding), connection management
 * (Connection, Keep-Alive), Date and Server. An application's own are dropped.
 */
export function isManagedField(name: string): boolean {
  switch (name.length) {
    case 4: // date
    case 6: // server
    case 10: // connection, keep-alive
    case 14: // content-length
    case 17: // transfer-encoding
      return MANAGED.has(name.toLowerCase());
    default:
      return false;
  }
}
const MANAGED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date', 'server']);

function connectionField(close: boolean, minor: 0 | 1): string {
  if (close) return 'Connection: close\r\n';
  return minor === 0 ? 'Connection: keep-alive\r\n' : '';
}

interface Encoded {
  fields: string; // application fields, already validated
  body: Buffer | null; // the body as bytes (string or Uint8Array bodies)
  date: string; // Date of `full` and `fullClose`
  full: Buffer | null; // complete keep-alive HTTP/1.1 GET response for that Date
  fullClose: Buffer | null; // the same with "Connection: close" (a client that makes one request per connection)
}
const frozenCache = new WeakMap<Reply, Encoded>();
// A frozen reply is cached from its second use on: helpers freeze the replies
// they build per request too, and those should not churn the cache.
const seenOnce = new WeakSet<Reply>();

function encodedOf(reply: Reply): Encoded {
  let e = frozenCache.get(reply);
  if (e === undefined) {
    const b = reply.body;
    e = {
      fields: encodeFields(reply.headers),
      body: typeof b === 'string' ? Buffer.from(b, 'utf8') : b instanceof Uint8Array ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : null,
      date: '',
      full: null,
      fullClose: null,
    };
    if (seenOnce.has(reply)) frozenCache.set(reply, e);
    else seenOnce.add(reply);
  }
  return e;
}

/**
 * Fill `out` with what to send for `reply` to the request current on `conn`.
 * Decides framing and whether the connection closes afterwards.
 */
export function encodeResponse(conn: HttpConnection, reply: Reply, out: Outgoing, now?: number): void {
  const req = conn.request;
  const isHead = req.method === 'HEAD';
  const minor = req.minor;
  const status = reply.status | 0;
  if (status < 200 || status > 999) throw new RangeError(`invalid response status ${reply.status}`);
  const b = reply.body;
  out.body = null;
  out.file = null;
  out.stream = null;
  out.chunked = false;
  out.status = status;
  out.transient = false;

  // Bytes and strings: Content-Length, and the fast path for frozen replies.
  if (b === null || typeof b === 'string' || b instanceof Uint8Array) {
    out.close = !conn.keepAlive;
    // (A reply in the cache is frozen: the lookup comes first, it is cheaper than asking V8.)
    const enc = frozenCache.get(reply) ?? (Object.isFrozen(reply) ? encodedOf(reply) : null);
    const fields = enc !== null ? enc.fields : encodeFields(reply.headers);
    let body: Uint8Array | null = enc !== null ? enc.body : typeof b === 'string' ? Buffer.from(b, 'utf8') : (b as Uint8Array | null);
    if (forbidsBody(status)) body = null;
    const length = body === null ? 0 : body.length;
    const date = httpDate(now);
    // The common cases, cached whole: frozen reply, HTTP/1.1 GET, keep-alive or closing.
    if (enc !== null && !isHead && minor === 1 && reply.reason === undefined) {
      if (enc.date !== date) {
        enc.full = enc.fullClose = null;
        enc.date = date;
      }
      const full = out.close
        ? (enc.fullClose ??= join(headString(status, undefined, date, fields, length, omitsLength(status), connectionField(true, 1)), body))
        : (enc.full ??= join(headString(status, undefined, date, fields, length, omitsLength(status), ''), body));
      out.head = full;
      out.bodyLength = length;
      out.headLength = full.length - (body === null ? 0 : length);
      return;
    }
    const head = headString(status, reply.reason, date, fields, length, omitsLength(status), connectionField(out.close, minor));
    out.bodyLength = isHead ? 0 : length;
    out.headLength = head.length; // latin1: one byte per character
    if (isHead || body === null || length === 0) out.head = Buffer.from(head, 'latin1');
    else if (length <= INLINE_BODY_MAX) out.head = join(head, body, out);
    else {
      out.head = Buffer.from(head, 'latin1');
      out.body = body;
    }
    return;
  }

  const fields = encodeFields(reply.headers);
  const date = httpDate(now);
  if ((b as FileBody).kind === 'file') {
    const file = b as FileBody;
    out.close = !conn.keepAlive;
    const noBody = forbidsBody(status);
    const length = noBody ? 0 : file.length;
    out.head = Buffer.from(headString(status, reply.reason, date, fields, length, omitsLength(status), connectionField(out.close, minor)), 'latin1');
    out.headLength = out.head.length;
    out.bodyLength = isHead || noBody ? 0 : length;
    if (!isHead && !noBody && length > 0) out.file = file;
    return;
  }

  // A stream of unknown length: chunked on HTTP/1.1, delimited by close on 1.0.
  const stream = b as AsyncIterable<unknown>;
  if (forbidsBody(status)) {
    out.close = !conn.keepAlive;
    out.head = Buffer.from(headString(status, reply.reason, date, fields, 0, omitsLength(status), connectionField(out.close, minor)), 'latin1');
    out.headLength = out.head.length;
    out.bodyLength = 0;
    return;
  }
  out.chunked = minor === 1;
  out.close = !conn.keepAlive || !out.chunked;
  let head = statusLine(status, reply.reason) + SERVER + 'Date: ' + date + '\r\n' + fields;
  if (out.chunked) head += 'Transfer-Encoding: chunked\r\n';
  head += connectionField(out.close, minor) + '\r\n';
  out.head = Buffer.from(head, 'latin1');
  out.headLength = out.head.length;
  out.bodyLength = -1;
  if (!isHead) out.stream = stream;
}

function headString(status: number, reason: string | undefined, date: string, fields: string, length: number, noLength: boolean, connection: string): string {
  return (
    statusLine(status, reason) +
    SERVER +
    'Date: ' + date + '\r\n' +
    fields +
    (noLength ? '' : 'Content-Length: ' + length + '\r\n') +
    connection +
    '\r\n'
  );
}

/**
 * Responses are assembled here, head and body side by side, reused for every
 * response on this thread: no allocation per response, and always the same
 * memory for the kernel to read (sys/ knows its address already).
 */
const assembly = Buffer.allocUnsafeSlow(INLINE_BODY_MAX + 16 * 1024);

/** Head and body in one buffer: a fresh one (kept, e.g. cached), or the shared assembly buffer. */
function join(head: string, body: Uint8Array | null, out?: Outgoing): Buffer {
  const headLength = head.length; // latin1: one byte per char
  const total = headLength + (body === null ? 0 : body.length);
  const shared = out !== undefined && total <= assembly.length;
  const buf = shared ? assembly : Buffer.allocUnsafe(total);
  (buf as unknown as { latin1Write(s: string, at: number): number }).latin1Write(head, 0);
  if (body !== null) buf.set(body, headLength);
  if (out !== undefined) out.transient = shared;
  return shared ? buf.subarray(0, total) : buf;
}

/**
 * A complete response that ends the connection, for when there is no
 * request to answer (a connection refused before it is read).
 */
export function closingResponse(reply: Reply): Buffer {
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body instanceof Uint8Array ? reply.body : null;
  const length = body === null ? 0 : body.length;
  return join(headString(reply.status, reply.reason, httpDate(), encodeFields(reply.headers), length, false, 'Connection: close\r\n'), body);
}

/** A short text/plain reply for protocol errors and server failures. */
export function errorReply(status: number, message?: string): Reply {
  const reason = reasonPhrase(status);
  return {
    status,
    headers: ['Content-Type', 'text/plain; charset=utf-8'],
    body: message ? `${reason}: ${message}\n` : `${reason}\n`,
  };
}
