// The judgement of the conformance suite, shared by the socket run
// (conformance.test.mjs: the real CLI over real sockets) and the in-process
// run (conformance-sans-io.test.mjs: the sans-I/O layer, no sockets): how
// the bytes a server sent are split into responses, the rules every response
// obeys, and the expectations written in a case (conformance/cases.mjs).
import { fixtureText } from '../conformance/fixtures.mjs';

// ── Response stream parsing (strict: anything unexpected is reported) ────────

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Split the bytes a server sent into responses. isHead(i) says whether the
 * i-th final response answers a HEAD request (no body follows it).
 * Returns { responses, rest, error }: responses are complete ones only; rest is
 * what could not (yet) be parsed.
 */
export function parseStream(text, { isHead, closed }) {
  const responses = [];
  let pos = 0;
  let finals = 0;
  const stop = (error) => ({ responses, rest: text.slice(pos), error });
  while (pos < text.length) {
    const end = text.indexOf('\r\n\r\n', pos);
    if (end < 0) return stop(closed ? 'incomplete response head' : null);
    const lines = text.slice(pos, end).split('\r\n');
    const m = /^HTTP\/(\d\.\d) (\d{3}) ([^\r\n]*)$/.exec(lines[0]);
    if (!m) return stop(`malformed status line ${JSON.stringify(lines[0].slice(0, 80))}`);
    const headers = new Map();
    for (const line of lines.slice(1)) {
      const c = line.indexOf(':');
      const name = c > 0 ? line.slice(0, c) : '';
      if (!TOKEN.test(name)) return stop(`malformed header line ${JSON.stringify(line.slice(0, 80))}`);
      const key = name.toLowerCase();
      if (!headers.has(key)) headers.set(key, []);
      headers.get(key).push(line.slice(c + 1).replace(/^[ \t]+|[ \t]+$/g, ''));
    }
    const status = Number(m[2]);
    const interim = status < 200;
    const head = !interim && isHead(finals);
    let p = end + 4;
    let body = '';
    let framing = 'none';
    const te = headers.get('transfer-encoding');
    const cl = headers.get('content-length');
    if (interim || status === 204 || status === 304 || head) {
      framing = 'none';
    } else if (te && /(^|,)\s*chunked\s*$/i.test(te.join(','))) {
      framing = 'chunked';
      for (;;) {
        const nl = text.indexOf('\r\n', p);
        if (nl < 0) return stop(closed ? 'truncated chunked body' : null);
        const sm = /^([0-9a-fA-F]+)(;.*)?$/.exec(text.slice(p, nl));
        if (!sm) return stop(`bad chunk-size line ${JSON.stringify(text.slice(p, Math.min(nl, p + 40)))}`);
        const size = parseInt(sm[1], 16);
        p = nl + 2;
        if (size === 0) {
          for (;;) {
            const tl = text.indexOf('\r\n', p);
            if (tl < 0) return stop(closed ? 'truncated trailer section' : null);
            const line = text.slice(p, tl);
            p = tl + 2;
            if (line === '') break;
          }
          break;
        }
        if (text.length < p + size + 2) return stop(closed ? 'truncated chunk' : null);
        body += text.slice(p, p + size);
        if (text.slice(p + size, p + size + 2) !== '\r\n') return stop('chunk data not followed by CRLF');
        p += size + 2;
      }
    } else if (cl) {
      framing = 'length';
      const n = Number(cl[0]);
      if (!/^\d+$/.test(cl[0])) return stop(`bad Content-Length ${JSON.stringify(cl[0])}`);
      if (text.length < p + n) return stop(closed ? `body shorter than Content-Length ${n}` : null);
      body = text.slice(p, p + n);
      p += n;
    } else {
      framing = 'close';
      if (!closed) return stop(null); // close-delimited: complete only at EOF
      body = text.slice(p);
      p = text.length;
    }
    responses.push({ version: m[1], status, reason: m[3], statusLine: lines[0], headers, body, framing, head });
    if (!interim) finals++;
    pos = p;
  }
  return { responses, rest: '', error: null };
}

// ── Checks ───────────────────────────────────────────────────────────────────

const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

export const show = (s, max = 1200) =>
  JSON.stringify(s.length > max ? s.slice(0, max) + `…(+${s.length - max} bytes)` : s).replace(/\\u00([0-9a-f]{2})/g, '\\x$1');

export const one = (r, name) => r.headers.get(name)?.join(', ');

/** Rules every response obeys, whatever the request. */
export function checkCommon(r, i, count, closed, problems) {
  const at = `response #${i + 1} (${r.status})`;
  if (r.version !== '1.1') problems.push(`${at}: status line must say HTTP/1.1, got ${JSON.stringify(r.statusLine)}`);
  if (r.status < 200) {
    if (r.headers.has('content-length') || r.headers.has('transfer-encoding'))
      problems.push(`${at}: a 1xx response carries neither Content-Length nor Transfer-Encoding (RFC 9112 §6.1, RFC 9110 §8.6)`);
    return;
  }
  if (!r.reason) problems.push(`${at}: status line lacks a reason phrase: ${JSON.stringify(r.statusLine)}`);
  const date = r.headers.get('date');
  if (!date || date.length !== 1 || !IMF_FIXDATE.test(date[0])) problems.push(`${at}: Date must be one IMF-fixdate, got ${JSON.stringify(date)}`);
  if (one(r, 'server') !== 'fourfold') problems.push(`${at}: Server must be "fourfold", got ${JSON.stringify(one(r, 'server'))}`);
  const cl = r.headers.get('content-length');
  const te = r.headers.get('transfer-encoding');
  if (cl && cl.length > 1) problems.push(`${at}: more than one Content-Length field`);
  if (cl && te) problems.push(`${at}: both Content-Length and Transfer-Encoding (RFC 9112 §6.2)`);
  if (r.status === 204 && (cl || te)) problems.push(`${at}: 204 carries neither Content-Length nor Transfer-Encoding (RFC 9110 §8.6, RFC 9112 §6.1)`);
  if (r.status !== 204 && r.status !== 304 && !cl && !te)
    problems.push(`${at}: a response with a body needs Content-Length or chunked framing (got a close-delimited body)`);
  if (/\bclose\b/i.test(one(r, 'connection') ?? '')) {
    if (i !== count - 1) problems.push(`${at}: says Connection: close but more responses followed (RFC 9112 §9.6)`);
    if (!closed) problems.push(`${at}: says Connection: close but the server kept the connection open (RFC 9112 §9.6)`);
  }
}

function matches(want, got) {
  if (want instanceof RegExp) return want.test(got);
  return want === got;
}

/** The expectations written in the case. */
export function checkExpected(want, r, i, problems, fileCache) {
  const at = `response #${i + 1}`;
  const statuses = Array.isArray(want.status) ? want.status : [want.status];
  if (!statuses.includes(r.status)) problems.push(`${at}: status ${r.status}, want ${statuses.join(' or ')}`);
  if (want.reason !== undefined && r.reason !== want.reason) problems.push(`${at}: reason ${JSON.stringify(r.reason)}, want ${JSON.stringify(want.reason)}`);
  for (const [name, value] of Object.entries(want.headers ?? {})) {
    const got = one(r, name);
    if (value === null) {
      if (got !== undefined) problems.push(`${at}: header ${name} must be absent, got ${JSON.stringify(got)}`);
    } else if (got === undefined || !matches(value, got)) {
      problems.push(`${at}: header ${name} is ${JSON.stringify(got)}, want ${value}`);
    }
  }
  if (want.body !== undefined) {
    let expected = want.body;
    if (typeof expected === 'object' && !(expected instanceof RegExp)) {
      const all = (fileCache[expected.file] ??= fixtureText(expected.file));
      expected = all.slice(expected.start ?? 0, expected.end === undefined ? undefined : expected.end + 1);
    }
    if (!matches(expected, r.body)) problems.push(`${at}: body ${show(r.body, 300)}, want ${expected instanceof RegExp ? expected : show(expected, 300)}`);
  }
  if (want.bodyNot && want.bodyNot.test(r.body)) problems.push(`${at}: body must not match ${want.bodyNot}: ${show(r.body, 300)}`);
}

/**
 * What a case waits for: isHead(i) says whether the i-th final response
 * answers a HEAD; `wanted` is how many responses complete the answer
 * (n of them, counting those for which counts(r) holds).
 */
export function responseShape(c) {
  const finalsWanted = c.expect.filter((e) => e.status === undefined || [].concat(e.status).some((s) => s >= 200));
  const heads = finalsWanted.map((e) => e.head === true);
  const isHead = (i) => heads[i] === true;
  const wanted = c.skipInterim ? { n: finalsWanted.length, counts: (r) => r.status >= 200 } : { n: c.expect.length, counts: () => true };
  return { isHead, wanted };
}

/**
 * Every check of a case on the bytes a server sent (`got.text`, and whether
 * it closed: `got.closed`) except the ones about time and the connection's
 * fate afterwards. Returns the list of problems (empty: the case passes).
 * fileCache memoizes fixture files by name.
 */
export function checkResponses(c, got, isHead, fileCache) {
  const parsed = parseStream(got.text, { isHead, closed: got.closed });
  let responses = parsed.responses;
  const problems = [];
  if (parsed.error) problems.push(`unparsable response bytes: ${parsed.error}`);
  else if (parsed.rest) problems.push(`bytes left over after the last complete response: ${show(parsed.rest, 200)}`);

  responses.forEach((r, i) => checkCommon(r, i, responses.length, got.closed, problems));
  if (c.skipInterim) responses = responses.filter((r) => r.status >= 200);

  const silentOk = c.mayBeSilent && responses.length === 0;
  if (!silentOk) {
    if (responses.length !== c.expect.length)
      problems.push(`got ${responses.length} response(s) [${responses.map((r) => r.status).join(', ')}], want ${c.expect.length} [${c.expect.map((e) => [].concat(e.status).join('|')).join(', ')}]`);
    c.expect.forEach((want, i) => {
      if (responses[i]) checkExpected(want, responses[i], i, problems, fileCache);
    });
  }
  for (const name of c.sameHeaders ?? []) {
    const values = responses.map((r) => one(r, name));
    if (values.some((v) => v === undefined || v !== values[0])) problems.push(`header ${name} differs between the responses: ${JSON.stringify(values)}`);
  }
  return problems;
}
