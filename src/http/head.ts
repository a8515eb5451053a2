// Parsing one request head — request-line and header fields (RFC 9112 §3, §5) —
// from a latin1 string that holds exactly the head without its final CRLFCRLF.
// Strict: anything the grammar does not allow is a 400; the few lenient
// choices are commented where they are made.
import { HttpError } from './errors.js';
import { TCHAR, FIELD_VCHAR, TARGET_CHAR, allIn, listHas } from './chars.js';
import { checkTarget, checkHeaderSection, checkFieldCount, type Limits } from './limits.js';
import { ParsedRequest } from './request.js';

/** Framing and connection facts read from the fields while parsing them. */
export interface HeadInfo {
  /** Content-Length value, or -1 when absent. */
  contentLength: number;
  chunked: boolean;
  keepAlive: boolean;
  expectContinue: boolean;
}

// (The common methods arrive as the constants parseRequestLine picks, whose hash V8 keeps.)
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH']);

// Host = uri-host [ ":" port ]  (RFC 9110 §7.2; uri-host per RFC 3986)
const HOST_RE = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%!$&'()*+,;=]*)(?::[0-9]*)?$/;
let lastValidHost = '';
// absolute-form: scheme "://" authority path-abempty [ "?" query ]
const ABSOLUTE_RE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)([^#]*)$/;
const VERSION_RE = /^HTTP\/(\d)\.(\d)$/;

/**
 * Parse `s` (the head, CRLF-separated, no trailing CRLFCRLF) into `req` and `info`.
 * Throws HttpError with the status to answer.
 */
export function parseHead(s: string, limits: Limits, req: ParsedRequest, info: HeadInfo): void {
  let lineEnd = s.indexOf('\r\n');
  if (lineEnd < 0) lineEnd = s.length;
  parseRequestLine(s, lineEnd, limits, req);

  // Header fields: field-name ":" OWS field-value OWS, one per line.
  const headers: string[] = [];
  let hostCount = 0;
  let host = '';
  let contentLength = -1;
  let transferEncoding: string | undefined;
  let connection = '';
  let expect: string | undefined;
  let pos = lineEnd + 2;
  checkHeaderSection(s.length - pos, limits);
  while (pos < s.length) {
    let end = s.indexOf('\r\n', pos);
    if (end < 0) end = s.length;
    const first = s.charCodeAt(pos);
    if (first === 0x20 || first === 0x09) throw new HttpError(400, 'obsolete line folding is not accepted');
    const colon = s.indexOf(':', pos);
    if (colon < 0 || colon > end) throw new HttpError(400, 'header field without a colon');
    if (colon === pos || !allIn(TCHAR, s, pos, colon)) throw new HttpError(400, 'invalid header field name');
    // Trim OWS around the value.
    let vs = colon + 1;
    let ve = end;
    while (vs < ve && (s.charCodeAt(vs) === 0x20 || s.charCodeAt(vs) === 0x09)) vs++;
    while (ve > vs && (s.charCodeAt(ve - 1) === 0x20 || s.charCodeAt(ve - 1) === 0x09)) ve--;
    if (!allIn(FIELD_VCHAR, s, vs, ve)) throw new HttpError(400, 'invalid character in header field value');
    checkFieldCount(headers.length / 2 + 1, limits);
    const name = knownName(s, pos, colon) ?? s.slice(pos, colon).toLowerCase();
    const value = s.slice(vs, ve);
    headers.push(name, value);
    switch (name) {
      case 'host':
        hostCount++;
        host = value;
        break;
      case 'content-length':
        contentLength = mergeContentLength(contentLength, value, limits);
        break;
      case 'transfer-encoding':
        transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
        break;
      case 'connection':
        connection = connection ? `${connection}, ${value}` : value;
        break;
      case 'expect':
        expect = value;
        break;
    }
    pos = end + 2;
  }
  req.headers = headers;

  // Host rules (RFC 9112 §3.2): required once on HTTP/1.1, and well-formed.
  if (hostCount > 1) throw new HttpError(400, 'more than one Host header field');
  if (hostCount === 0 && req.minor === 1) throw new HttpError(400, 'HTTP/1.1 request without a Host header field');
  if (hostCount === 1 && host !== lastValidHost) {
    if (!HOST_RE.test(host)) throw new HttpError(400, 'invalid Host header field');
    lastValidHost = host; // clients send the same Host again and again: one string compare next time
  }

  // Message body length (RFC 9112 §6.1, §6.3).
  let chunked = false;
  if (transferEncoding !== undefined) {
    if (req.minor === 0) throw new HttpError(400, 'Transfer-Encoding is not allowed in HTTP/1.0');
    if (contentLength >= 0) throw new HttpError(400, 'both Transfer-Encoding and Content-Length');
    chunked = checkTransferEncoding(transferEncoding);
    contentLength = -1;
  }
  info.contentLength = contentLength;
  info.chunked = chunked;

  // Persistence (RFC 9112 §9.3).
  if (req.minor === 1) info.keepAlive = connection === '' || !listHas(connection, 'close');
  else info.keepAlive = connection !== '' && listHas(connection, 'keep-alive') && !listHas(connection, 'close');

  // Expect (RFC 9110 §10.1.1): only 100-continue is defined.
  info.expectContinue = false;
  if (expect !== undefined) {
    if (expect.toLowerCase() !== '100-continue') throw new HttpError(417, 'only "Expect: 100-continue" is supported');
    info.expectContinue = req.minor === 1;
  }

  // Method semantics last: the syntax was fine, we just don't implement it.
  if (!KNOWN_METHODS.has(req.method)) throw new HttpError(501, `method ${req.method} is not implemented`);
}

/**
 * The field names most requests carry, by length: a name that matches one
 * (ASCII case-insensitively) is that constant, with no string cut out and
 * lower-cased per request.
 */
const KNOWN_NAMES: (readonly string[] | undefined)[] = [];
for (const n of [
  'host', 'accept', 'cookie', 'expect', 'origin', 'referer', 'range', 'connection', 'user-agent', 'content-type',
  'content-length', 'transfer-encoding', 'accept-encoding', 'accept-language', 'cache-control', 'if-none-match',
  'if-modified-since', 'authorization', 'upgrade-insecure-requests', 'sec-fetch-mode', 'sec-fetch-site', 'sec-fetch-dest',
]) (KNOWN_NAMES[n.length] = [...(KNOWN_NAMES[n.length] ?? []), n]);

/**
 * s[from, to) as one of KNOWN_NAMES, or undefined. The name is already known
 * to be all tchar: for those, `c | 0x20` equals a lowercase letter or "-"
 * only when c is that letter in either case, or "-" itself.
 */
function knownName(s: string, from: number, to: number): string | undefined {
  const candidates = KNOWN_NAMES[to - from];
  if (candidates === undefined) return undefined;
  next: for (const name of candidates) {
    for (let i = 0; i < name.length; i++) if ((s.charCodeAt(from + i) | 0x20) !== name.charCodeAt(i)) continue next;
    return name;
  }
  return undefined;
}

function parseRequestLine(s: string, end: number, limits: Limits, req: ParsedRequest): void {
  // request-line = method SP request-target SP HTTP-version
  const sp1 = s.indexOf(' ', 0);
  if (sp1 <= 0 || sp1 > end) throw new HttpError(400, 'malformed request line');
  const sp2 = s.indexOf(' ', sp1 + 1);
  if (sp2 < 0 || sp2 > end) {
    checkTarget(end - sp1 - 1, limits);
    throw new HttpError(400, 'malformed request line');
  }
  if (!allIn(TCHAR, s, 0, sp1)) throw new HttpError(400, 'invalid method');
  checkTarget(sp2 - sp1 - 1, limits);
  if (sp2 === sp1 + 1 || !allIn(TARGET_CHAR, s, sp1 + 1, sp2)) throw new HttpError(400, 'invalid request target');

  // (Compared in place: no string is cut out for the two versions everybody sends.)
  if (end - sp2 === 9 && s.startsWith('HTTP/1.', sp2 + 1) && (s.charCodeAt(end - 1) === 0x31 || s.charCodeAt(end - 1) === 0x30)) {
    req.minor = s.charCodeAt(end - 1) === 0x31 ? 1 : 0;
  } else {
    const version = s.slice(sp2 + 1, end);
    const m = VERSION_RE.exec(version);
    if (m === null) throw new HttpError(400, 'malformed HTTP version');
    const major = m[1].charCodeAt(0) - 0x30;
    if (major !== 1) throw new HttpError(505, `HTTP/${m[1]}.${m[2]} is not supported`);
    // HTTP/1.x with x > 1: answer as HTTP/1.1 (RFC 9110 §2.5).
    req.minor = 1;
  }

  // The common methods as constants (methods are case-sensitive: exact bytes only).
  const method = sp1 === 3 && s.startsWith('GET') ? 'GET' : sp1 === 4 && s.startsWith('HEAD') ? 'HEAD' : sp1 === 4 && s.startsWith('POST') ? 'POST' : s.slice(0, sp1);
  if (method === 'CONNECT') throw new HttpError(501, 'CONNECT is not supported');
  req.method = method;
  const target = s.slice(sp1 + 1, sp2);
  req.target = target;
  setPathAndQuery(req, target);
}

function setPathAndQuery(req: ParsedRequest, target: string): void {
  let pathAndQuery: string;
  const c = target.charCodeAt(0);
  if (c === 0x2f /* / */) {
    pathAndQuery = target;
    if (target.includes('#')) throw new HttpError(400, 'fragment in request target');
  } else if (c === 0x2a /* * */ && target.length === 1) {
    if (req.method !== 'OPTIONS') throw new HttpError(400, 'asterisk-form is only for OPTIONS');
    req.path = '*';
    req.query = '';
    return;
  } else {
    const m = ABSOLUTE_RE.exec(target);
    if (m === null) throw new HttpError(400, 'invalid request target');
    pathAndQuery = m[2] === '' ? '/' : m[2];
    if (pathAndQuery.charCodeAt(0) === 0x3f /* ? */) pathAndQuery = '/' + pathAndQuery;
  }
  const q = pathAndQuery.indexOf('?');
  if (q < 0) {
    req.path = pathAndQuery;
    req.query = '';
  } else {
    req.path = pathAndQuery.slice(0, q);
    req.query = pathAndQuery.slice(q + 1);
  }
}

function mergeContentLength(previous: number, value: string, limits: Limits): number {
  // Content-Length = 1*DIGIT. A list ("5, 5") or repeated fields are refused
  // outright: the strict reading of RFC 9112 §6.3 point 5 (smuggling defence).
  if (previous >= 0) throw new HttpError(400, 'more than one Content-Length');
  if (value.length === 0) throw new HttpError(400, 'empty Content-Length');
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) throw new HttpError(400, 'invalid Content-Length');
  }
  // Leading zeros are still the same number; more significant digits than the
  // limit could ever need: too large, without overflowing a number.
  let first = 0;
  while (first < value.length - 1 && value.charCodeAt(first) === 0x30) first++;
  if (value.length - first > 15) throw new HttpError(413, 'request body too large');
  const n = Number(value);
  if (n > limits.maxBody) throw new HttpError(413, 'request body too large');
  return n;
}

/**
 * Validate a Transfer-Encoding list; true when it ends in chunked (the only
 * framing we accept). Strict, because disagreeing about this header is how
 * requests are smuggled: only OWS (SP, HTAB) is trimmed — never other
 * whitespace such as NBSP, which String.trim() would remove — and a coding
 * with parameters ("chunked;x=1") is one we do not know: 501, as nginx does.
 */
function checkTransferEncoding(value: string): boolean {
  const codings = value.split(',');
  let chunkedSeen = false;
  for (let i = 0; i < codings.length; i++) {
    const raw = trimOws(codings[i]);
    if (raw.includes(';')) throw new HttpError(501, 'transfer-coding parameters are not implemented');
    const coding = raw.toLowerCase();
    if (coding === '' || !allIn(TCHAR, coding, 0, coding.length)) throw new HttpError(400, 'invalid Transfer-Encoding');
    if (coding === 'chunked') {
      if (chunkedSeen) throw new HttpError(400, 'chunked applied more than once');
      if (i !== codings.length - 1) throw new HttpError(400, 'chunked must be the final transfer coding');
      chunkedSeen = true;
    }
  }
  if (!chunkedSeen) throw new HttpError(400, 'Transfer-Encoding must end in chunked');
  if (codings.length > 1) throw new HttpError(501, 'transfer codings other than chunked are not implemented');
  return true;
}

/** Strip optional whitespace (OWS = *( SP / HTAB ), RFC 9110 §5.6.3) from both ends — and nothing else. */
function trimOws(s: string): string {
  let from = 0;
  let to = s.length;
  while (from < to && (s.charCodeAt(from) === 0x20 || s.charCodeAt(from) === 0x09)) from++;
  while (to > from && (s.charCodeAt(to - 1) === 0x20 || s.charCodeAt(to - 1) === 0x09)) to--;
  return s.slice(from, to);
}
