// Request smuggling as a matrix (RFC 9112 §6.3, §11.2): every way the length
// of a request body can be made ambiguous — Content-Length against
// Transfer-Encoding, Content-Length written oddly, Transfer-Encoding
// obfuscated, chunk framing bent — each sent with a second, "smuggled"
// request hidden where a server that frames the message differently from
// the RFC would read it as a request of its own:
//
//   <outer request, ambiguous framing> GET /echo/smuggled HTTP/1.1 …  [GET /echo/probe …, Connection: close]
//
// For every case the server must either
//   reject: answer the outer request with the case's 4xx/5xx and close the
//           connection, answering nothing else; or
//   frame:  read the body exactly as the RFC says (the smuggled request is
//           its content: the echo app shows it), then answer the probe that
//           follows the body and close (the probe says Connection: close); or
//   close:  answer the outer request and close (HTTP/1.0, Connection: close):
//           what follows is never read;
// and in no case may any response answer the smuggled request (the echo
// app's answer to it would begin "GET /echo/smuggled"). Responses are counted
// with the conformance suite's strict response parser.
//
// The matrix runs in process first (sans-I/O, whole and byte by byte: cheap,
// exact), then against the real CLI over real sockets under every model of
// FOURFOLD_MODELS (helpers/models.mjs), each case sent whole, a few byte by
// byte. One server per model; two models side by side, four cases at a time.
//
//   FOURFOLD_MODELS="iterative,event-loop --poller poll"   configurations (default: all)
//   FOURFOLD_CASES=regexp                    only the cases whose name matches
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, rawExchange } from './helpers/server.mjs';
import { prepareSite } from './conformance/fixtures.mjs';
import { parseStream, checkCommon, show } from './helpers/conformance-checks.mjs';
import { MODELS, serveArgs } from './helpers/models.mjs';
import { transcript, whole, bytewise } from './helpers/sans-io.mjs';
import { defaultLimits } from '../dist/http/index.js';

const ONLY = process.env.FOURFOLD_CASES ? new RegExp(process.env.FOURFOLD_CASES, 'i') : null;
/** The limits of the socket suites' servers (helpers/models.mjs serveArgs: --max-body 65536). */
const LIMITS = { ...defaultLimits, maxBody: 65536 };

const CRLF = '\r\n';
const INNER = 'GET /echo/smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n';
const PROBE = 'GET /echo/probe HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n';
const L = INNER.length;
const hex = (n) => n.toString(16);

/** A request head with Host first, then `fields`. */
const head = (fields, line = 'POST /echo HTTP/1.1') => line + CRLF + ['Host: localhost', ...fields].map((f) => f + CRLF).join('') + CRLF;
/** One chunk carrying `data`, its size line written as `size`. */
const chunk = (data, size = hex(data.length)) => `${size}\r\n${data}\r\n`;
/** The smuggled request as the content of a chunked body, then the probe. */
const chunkedInner = (fields, size) => head(fields) + chunk(INNER, size) + '0\r\n\r\n' + PROBE;
/** The smuggled request as a Content-Length body, then the probe. */
const lengthInner = (fields, line) => head(fields, line) + INNER + PROBE;

const reject = (...status) => ({ reject: status });
const frame = (body = INNER) => ({ frame: body });

// ── The matrix ───────────────────────────────────────────────────────────────

const CL_TE = '9112 §6.3 (CL with TE)';
const CL = '9112 §6.3, 9110 §8.6 (Content-Length = 1*DIGIT)';
const TE = '9112 §6.1, §6.3 (Transfer-Encoding)';
const OWS = '9110 §5.6.3, 9112 §5.1 (OWS is SP / HTAB)';
const CHUNK = '9112 §7.1 (chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF)';

const cases = [
  // CL against TE: the classic pairs. Whichever a front end believed, the other one reads the smuggled request.
  { name: 'CL.TE: Content-Length covering a chunked body', rfc: CL_TE, payload: head([`Content-Length: ${5 + L}`, 'Transfer-Encoding: chunked']) + '0\r\n\r\n' + INNER + PROBE, expect: reject(400) },
  { name: 'TE.CL: chunked body, short Content-Length', rfc: CL_TE, payload: chunkedInner(['Transfer-Encoding: chunked', 'Content-Length: 4']), expect: reject(400) },
  { name: 'TE.CL with Content-Length 0', rfc: CL_TE, payload: chunkedInner(['Transfer-Encoding: chunked', 'Content-Length: 0']), expect: reject(400) },
  { name: 'CL.TE with an obfuscated TE (xchunked)', rfc: CL_TE, payload: head([`Content-Length: ${5 + L}`, 'Transfer-Encoding: xchunked']) + '0\r\n\r\n' + INNER + PROBE, expect: reject(400) },
  { name: 'TE.CL with an obfuscated TE (NBSP after chunked)', rfc: CL_TE, payload: chunkedInner(['Transfer-Encoding: chunked\xa0', 'Content-Length: 4']), expect: reject(400) },
  { name: 'CL.TE with TE in HTTP/1.0', rfc: '9112 §6.1 (TE in HTTP/1.0 is faulty framing)', payload: head([`Content-Length: ${5 + L}`, 'Transfer-Encoding: chunked'], 'POST /echo HTTP/1.0') + '0\r\n\r\n' + INNER + PROBE, expect: reject(400) },

  // Content-Length twice, as a list, or written so that parsers may read different numbers.
  { name: 'CL twice, different (0 then the length)', rfc: CL, payload: lengthInner(['Content-Length: 0', `Content-Length: ${L}`]), expect: reject(400) },
  { name: 'CL twice, different (the length then 0)', rfc: CL, payload: lengthInner([`Content-Length: ${L}`, 'Content-Length: 0']), expect: reject(400) },
  { name: 'CL twice, the same', rfc: '9110 §8.6 (strict choice: may be rejected)', payload: lengthInner([`Content-Length: ${L}`, `Content-Length: ${L}`]), expect: reject(400) },
  { name: 'CL list of equal values "n, n"', rfc: '9110 §8.6 (strict choice: may be rejected)', payload: lengthInner([`Content-Length: ${L}, ${L}`]), expect: reject(400) },
  { name: 'CL list "n,n" without space', rfc: '9110 §8.6', payload: lengthInner([`Content-Length: ${L},${L}`]), expect: reject(400) },
  { name: 'CL list "0, n"', rfc: CL, payload: lengthInner([`Content-Length: 0, ${L}`]), expect: reject(400) },
  { name: 'CL with a plus sign', rfc: CL, payload: lengthInner([`Content-Length: +${L}`]), expect: reject(400) },
  { name: 'CL negative', rfc: CL, payload: lengthInner([`Content-Length: -${L}`]), expect: reject(400) },
  { name: 'CL in hex (0x…)', rfc: CL, payload: lengthInner([`Content-Length: 0x${hex(L)}`]), expect: reject(400) },
  { name: 'CL with a decimal point', rfc: CL, payload: lengthInner([`Content-Length: ${L}.0`]), expect: reject(400) },
  { name: 'CL with a space inside the digits', rfc: CL, payload: lengthInner([`Content-Length: ${String(L)[0]} ${String(L).slice(1)}`]), expect: reject(400) },
  { name: 'CL empty', rfc: CL, payload: lengthInner(['Content-Length: ']), expect: reject(400) },
  { name: 'CL with NBSP before the digits', rfc: OWS, payload: lengthInner([`Content-Length: \xa0${L}`]), expect: reject(400) },
  { name: 'CL with a vertical tab before the digits', rfc: OWS, payload: lengthInner([`Content-Length: \x0b${L}`]), expect: reject(400) },
  { name: 'CL followed by NUL', rfc: '9110 §5.5 (no CTL in a field value)', payload: lengthInner([`Content-Length: ${L}\x00`]), expect: reject(400) },
  { name: 'CL overflowing 64 bits to the length (2^64 + n)', rfc: '9110 §8.6 (anticipate large numerals), §15.5.14', payload: lengthInner([`Content-Length: ${2n ** 64n + BigInt(L)}`]), expect: reject(413) },
  { name: 'CL of 30 nines', rfc: '9110 §15.5.14', payload: lengthInner([`Content-Length: ${'9'.repeat(30)}`]), expect: reject(413) },
  { name: 'CL above --max-body: the body is never read as requests', rfc: '9110 §15.5.14', payload: lengthInner(['Content-Length: 70000']), expect: reject(413) },
  { name: 'CL with space before the colon', rfc: '9112 §5.1 (MUST reject whitespace before the colon)', payload: lengthInner([`Content-Length : ${L}`]), expect: reject(400) },
  { name: 'CL continued by obs-fold', rfc: '9112 §5.2 (obs-fold)', payload: lengthInner(['Content-Length: 0', ` ${L}`]), expect: reject(400) },
  { name: 'CL with a NUL in the field name', rfc: '9110 §5.1 (field-name = token)', payload: lengthInner([`Content-Length\x00: ${L}`]), expect: reject(400) },
  { name: 'CL with OWS around the value is valid', rfc: OWS, payload: lengthInner([`Content-Length: \t ${L} \t`]), expect: frame() },
  { name: 'CL with leading zeros is valid', rfc: CL, payload: lengthInner([`Content-Length: 000${L}`]), expect: frame() },
  { name: 'CL with 20 leading zeros is still the same number', rfc: CL, payload: lengthInner([`Content-Length: ${'0'.repeat(20)}${L}`]), expect: frame() },
  { name: 'CL field name in lower case is the same field', rfc: '9110 §5.1 (field names are case-insensitive)', payload: lengthInner([`content-length: ${L}`]), expect: frame() },
  { name: 'CL on a GET: the body is read, not served as a request', rfc: '9110 §9.3.1, 9112 §6.3', payload: lengthInner([`Content-Length: ${L}`], 'GET /echo HTTP/1.1'), expect: frame() },
  { name: 'CL with Expect: 100-continue', rfc: '9110 §10.1.1', payload: lengthInner(['Expect: 100-continue', `Content-Length: ${L}`]), expect: frame() },

  // Transfer-Encoding obfuscated: only what the grammar calls chunked is chunked.
  ...['Chunked', 'CHUNKED', 'cHuNkEd'].map((v) => ({ name: `TE "${v}" (codings are case-insensitive)`, rfc: '9112 §7', payload: chunkedInner([`Transfer-Encoding: ${v}`]), expect: frame() })),
  ...['transfer-encoding', 'TRANSFER-ENCODING'].map((n) => ({ name: `TE field named "${n}"`, rfc: '9110 §5.1', payload: chunkedInner([`${n}: chunked`]), expect: frame() })),
  { name: 'TE without OWS after the colon', rfc: OWS, payload: chunkedInner(['Transfer-Encoding:chunked']), expect: frame() },
  { name: 'TE with SP and HTAB around the value', rfc: OWS, payload: chunkedInner(['Transfer-Encoding: \t chunked \t ']), expect: frame() },
  { name: 'TE with space before the colon', rfc: '9112 §5.1 (MUST reject whitespace before the colon)', payload: chunkedInner(['Transfer-Encoding : chunked']), expect: reject(400) },
  { name: 'TE with HTAB before the colon', rfc: '9112 §5.1', payload: chunkedInner(['Transfer-Encoding\t: chunked']), expect: reject(400) },
  { name: 'TE as an obs-fold line after the request line', rfc: '9112 §2.2, §5.2', payload: head([], 'POST /echo HTTP/1.1\r\n Transfer-Encoding: chunked') + chunk(INNER) + '0\r\n\r\n' + PROBE, expect: reject(400) },
  { name: 'TE value on an obs-fold continuation', rfc: '9112 §5.2', payload: chunkedInner(['Transfer-Encoding:', ' chunked']), expect: reject(400) },
  ...[
    ['\xa0chunked', 'NBSP before'],
    ['chunked\xa0', 'NBSP after'],
    ['\x0bchunked', 'VT before'],
    ['chunked\x0b', 'VT after'],
    ['\x0cchunked', 'FF before'],
    ['chunked\x0c', 'FF after'],
    ['chunked\x85', 'NEL after'],
    ['chunked\x00', 'NUL after'],
    ['\x00chunked', 'NUL before'],
    ['chunked\x01', 'a control byte after'],
    ['chunked\x7f', 'DEL after'],
    ['chunked\r', 'a bare CR after'],
    ['ch unked', 'a space inside'],
  ].map(([v, what]) => ({ name: `TE "chunked" with ${what}`, rfc: OWS, payload: chunkedInner([`Transfer-Encoding: ${v}`]), expect: reject(400) })),
  ...[
    ['xchunked', 400, 'an unknown coding, not chunked'],
    ['chunkedx', 400, 'an unknown coding, not chunked'],
    ['chunk', 400, 'an unknown coding, not chunked'],
    ['"chunked"', 400, 'a quoted string is not a coding'],
    ['identity', 400, '"identity" is no transfer coding (chunked must be last)'],
    ['chunked, identity', 400, 'chunked must be the final coding'],
    ['chunked, gzip', 400, 'chunked must be the final coding'],
    ['chunked,chunked', 400, 'chunked applied twice'],
    ['chunked , chunked', 400, 'chunked applied twice'],
    ['identity, chunked', 501, 'a coding we do not implement before chunked'],
    ['gzip, chunked', 501, 'a coding we do not implement before chunked'],
    ['chunked;q=1', 501, 'parameters make a coding we do not know'],
    ['chunked; q=1', 501, 'parameters make a coding we do not know'],
    ['chunked;', 501, 'parameters make a coding we do not know'],
  ].map(([v, status, why]) => ({ name: `TE "${v}": ${why}`, rfc: TE, payload: chunkedInner([`Transfer-Encoding: ${v}`]), expect: reject(status) })),
  ...[
    [['chunked', 'chunked'], 400],
    [['chunked', 'identity'], 400],
    [['identity', 'chunked'], 501],
    [['gzip', 'chunked'], 501],
    [['chunked', 'x'], 400],
  ].map(([vs, status]) => ({ name: `TE in two field lines: ${vs.join(' + ')}`, rfc: '9110 §5.3 (lines combine into one list), 9112 §6.1', payload: chunkedInner(vs.map((v) => `Transfer-Encoding: ${v}`)), expect: reject(status) })),
  { name: 'TE in HTTP/1.0', rfc: '9112 §6.1 (TE in HTTP/1.0 is faulty framing)', payload: head(['Transfer-Encoding: chunked'], 'POST /echo HTTP/1.0') + chunk(INNER) + '0\r\n\r\n' + PROBE, expect: reject(400) },
  { name: 'TE chunked on a GET: the body is read', rfc: '9112 §6.3', payload: head(['Transfer-Encoding: chunked'], 'GET /echo HTTP/1.1') + chunk(INNER) + '0\r\n\r\n' + PROBE, expect: frame() },

  // Chunk-size trickery.
  { name: 'chunk size with leading zeros', rfc: CHUNK, payload: chunkedInner(['Transfer-Encoding: chunked'], `0000${hex(L)}`), expect: frame() },
  { name: 'chunk size in upper-case hex', rfc: CHUNK, payload: chunkedInner(['Transfer-Encoding: chunked'], hex(L).toUpperCase()), expect: frame() },
  { name: 'chunk size with a 0x prefix', rfc: CHUNK, payload: chunkedInner(['Transfer-Encoding: chunked'], `0x${hex(L)}`), expect: reject(400) },
  { name: 'chunk size with a plus sign', rfc: CHUNK, payload: chunkedInner(['Transfer-Encoding: chunked'], `+${hex(L)}`), expect: reject(400) },
  { name: 'chunk size negative', rfc: CHUNK, payload: chunkedInner(['Transfer-Encoding: chunked'], `-${hex(L)}`), expect: reject(400) },
  { name: 'chunk size overflowing 64 bits to the length (2^64 + n)', rfc: '9112 §7.1 (anticipate large hex numerals)', payload: chunkedInner(['Transfer-Encoding: chunked'], '1' + hex(L).padStart(16, '0')), expect: reject(413) },
  { name: 'chunk size of 32 hex digits', rfc: '9112 §7.1', payload: chunkedInner(['Transfer-Encoding: chunked'], 'f'.repeat(32)), expect: reject(413) },
  { name: 'chunk size followed by a space', rfc: CHUNK, payload: chunkedInner(['Transfer-Encoding: chunked'], `${hex(L)} `), expect: reject(400) },
  { name: 'chunk size followed by HTAB', rfc: CHUNK, payload: chunkedInner(['Transfer-Encoding: chunked'], `${hex(L)}\t`), expect: reject(400) },
  { name: 'chunk size preceded by a space', rfc: CHUNK, payload: chunkedInner(['Transfer-Encoding: chunked'], ` ${hex(L)}`), expect: reject(400) },
  { name: 'chunk size with a space between its digits', rfc: CHUNK, payload: chunkedInner(['Transfer-Encoding: chunked'], `${hex(L)[0]} ${hex(L).slice(1)}`), expect: reject(400) },
  { name: 'chunk size followed by NUL', rfc: CHUNK, payload: chunkedInner(['Transfer-Encoding: chunked'], `${hex(L)}\x00`), expect: reject(400) },
  { name: 'chunk size not hex ("g")', rfc: CHUNK, payload: chunkedInner(['Transfer-Encoding: chunked'], 'g'), expect: reject(400) },
  { name: 'chunk size missing (extension only)', rfc: CHUNK, payload: chunkedInner(['Transfer-Encoding: chunked'], ';a=b'), expect: reject(400) },
  { name: 'chunk extension after BWS is valid', rfc: '9112 §7.1.1 (chunk-ext = *( BWS ";" BWS …))', payload: chunkedInner(['Transfer-Encoding: chunked'], `${hex(L)} ;a=b`), expect: frame() },
  { name: 'chunk extension with a quoted value is valid', rfc: '9112 §7.1.1', payload: chunkedInner(['Transfer-Encoding: chunked'], `${hex(L)};a="b c"`), expect: frame() },
  { name: 'chunk extension with a bare CR', rfc: '9112 §2.2, §7.1.1', payload: chunkedInner(['Transfer-Encoding: chunked'], `${hex(L)};a\rb`), expect: reject(400) },
  { name: 'chunk extension with a bare LF', rfc: '9112 §2.2, §7.1.1', payload: chunkedInner(['Transfer-Encoding: chunked'], `${hex(L)};a\nb`), expect: reject(400) },
  { name: 'chunk extension ended by a bare LF', rfc: '9112 §2.2, §7.1', payload: head(['Transfer-Encoding: chunked']) + `${hex(L)};a\n${INNER}\r\n0\r\n\r\n` + PROBE, expect: reject(400) },
  { name: 'chunk-size line ended by a bare CR', rfc: '9112 §2.2, §7.1', payload: head(['Transfer-Encoding: chunked']) + `${hex(L)}\r${INNER}\r\n0\r\n\r\n` + PROBE, expect: reject(400) },
  { name: 'chunk data without its CRLF', rfc: CHUNK, payload: head(['Transfer-Encoding: chunked']) + `${hex(L)}\r\n${INNER}0\r\n\r\n` + PROBE, expect: reject(400) },
  { name: 'chunk data ended by a bare LF', rfc: CHUNK, payload: head(['Transfer-Encoding: chunked']) + `${hex(L)}\r\n${INNER}\n0\r\n\r\n` + PROBE, expect: reject(400) },
  { name: 'chunk data longer than its size', rfc: CHUNK, payload: chunkedInner(['Transfer-Encoding: chunked'], hex(L - 10)), expect: reject(400) },
  { name: 'bare LF as every line ending of the chunked body', rfc: '9112 §2.2, §7.1', payload: head(['Transfer-Encoding: chunked']) + `${hex(L)}\n${INNER}\n0\n\n` + PROBE, expect: reject(400) },
  { name: 'last chunk without the final CRLF: the next request as trailer lines', rfc: '9112 §7.1.2 (trailer-section = *( field-line CRLF ))', payload: head(['Transfer-Encoding: chunked']) + '0\r\n' + INNER + PROBE, expect: reject(400) },
  { name: 'a trailer line that is a request line with a colon', rfc: '9112 §7.1.2', payload: head(['Transfer-Encoding: chunked']) + '0\r\nGET /echo/smuggled?a:b HTTP/1.1\r\nHost: localhost\r\n\r\n' + PROBE, expect: reject(400) },
  { name: 'obs-fold in the trailer section', rfc: '9112 §5.2, §7.1.2', payload: head(['Transfer-Encoding: chunked']) + chunk(INNER) + '0\r\nX-T: a\r\n b\r\n\r\n' + PROBE, expect: reject(400) },
  { name: 'Content-Length in the trailers changes nothing', rfc: '9110 §6.5.1 (framing fields in trailers are not processed)', payload: head(['Transfer-Encoding: chunked']) + chunk(INNER) + `0\r\nContent-Length: ${L}\r\n\r\n` + PROBE, expect: frame() },
  { name: 'Transfer-Encoding in the trailers changes nothing', rfc: '9110 §6.5.1', payload: head(['Transfer-Encoding: chunked']) + chunk(INNER) + '0\r\nTransfer-Encoding: chunked\r\n\r\n' + PROBE, expect: frame() },
  { name: 'last chunk with an extension', rfc: '9112 §7.1 (last-chunk = 1*("0") [ chunk-ext ] CRLF)', payload: head(['Transfer-Encoding: chunked']) + chunk(INNER) + '000;end=1\r\n\r\n' + PROBE, expect: frame() },

  // Requests after which nothing on the connection may be read.
  { name: 'HTTP/1.0 without keep-alive: what follows is not read', rfc: '9112 §9.3', payload: 'GET /echo HTTP/1.0\r\n\r\n' + INNER, expect: { close: true } },
  { name: 'Connection: close: what follows is not read', rfc: '9112 §9.6', payload: 'GET /echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' + INNER, expect: { close: true } },
  { name: 'Connection: keep-alive, close: close wins', rfc: '9112 §9.6', payload: 'GET /echo HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive, close\r\n\r\n' + INNER, expect: { close: true } },
  { name: 'two Host fields', rfc: '9112 §3.2 (MUST respond 400)', payload: 'GET /echo HTTP/1.1\r\nHost: localhost\r\nHost: other\r\n\r\n' + INNER, expect: reject(400) },
  { name: 'a malformed field line, then a request', rfc: '9112 §5, §11.2', payload: 'GET /echo HTTP/1.1\r\nHost: localhost\r\nBad Field: x\r\n\r\n' + INNER, expect: reject(400) },
  { name: 'bare LF in the head, then a request', rfc: '9112 §2.2', payload: 'GET /echo HTTP/1.1\r\nHost: localhost\nX: y\r\n\r\n' + INNER, expect: reject(400) },
  { name: 'bare CR in a field value, then a request', rfc: '9112 §2.2', payload: 'GET /echo HTTP/1.1\r\nHost: localhost\r\nX: a\rContent-Length: 0\r\n\r\n' + INNER, expect: reject(400) },
  { name: 'an unknown method with a body, then a request', rfc: '9110 §9.1', payload: lengthInner([`Content-Length: ${L}`], 'BREW /echo HTTP/1.1'), expect: reject(501) },
  { name: 'Expect other than 100-continue with a body', rfc: '9110 §10.1.1', payload: lengthInner(['Expect: 101-nonsense', `Content-Length: ${L}`]), expect: reject(417) },
];

/** Sent byte by byte over the socket too (every case is, in process). */
const BYTEWISE = new Set(['TE.CL: chunked body, short Content-Length', 'TE "Chunked" (codings are case-insensitive)', 'chunk size overflowing 64 bits to the length (2^64 + n)']);

const selected = cases.filter((c) => !ONLY || ONLY.test(c.name));

// ── Judging ──────────────────────────────────────────────────────────────────

const SMUGGLED_ANSWER = /^GET \/echo\/smuggled /;
const echoOf = (method, body) => new RegExp(`^${method} /echo minor=[01]\\n[^]*\\n\\n${escape(body)}$`);
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The problems with what the server sent for case `c` (empty: it passes). */
function judgeSocket(c, got) {
  const problems = [];
  const parsed = parseStream(got.text, { isHead: () => false, closed: got.closed });
  if (parsed.error) problems.push(`unparsable response bytes: ${parsed.error}`);
  else if (parsed.rest) problems.push(`bytes after the last complete response: ${show(parsed.rest, 200)}`);
  const responses = parsed.responses.filter((r) => r.status >= 200); // a 100 Continue may come or not
  responses.forEach((r, i) => checkCommon(r, i, responses.length, got.closed, problems));
  for (const r of responses) if (SMUGGLED_ANSWER.test(r.body)) problems.push(`the smuggled request was answered: ${r.status} ${show(r.body, 120)}`);
  if (!got.closed) problems.push('the server did not close the connection');
  const statuses = responses.map((r) => r.status);
  const { reject: rejectWith, frame: body, close } = c.expect;
  if (rejectWith) {
    if (responses.length !== 1 || !rejectWith.includes(responses[0].status)) problems.push(`want one ${rejectWith.join(' or ')} and the connection closed, got [${statuses.join(', ')}]`);
  } else if (body !== undefined) {
    const method = c.payload.slice(0, c.payload.indexOf(' '));
    if (responses.length !== 2 || statuses[0] !== 200 || statuses[1] !== 200) problems.push(`want 200 (the outer request) and 200 (the probe), got [${statuses.join(', ')}]`);
    else {
      if (!echoOf(method, body).test(responses[0].body)) problems.push(`the outer request's body is not what RFC framing gives: echo ${show(responses[0].body, 300)}`);
      if (!responses[1].body.startsWith('GET /echo/probe ')) problems.push(`the second answer is not the probe's: ${show(responses[1].body, 120)}`);
    }
  } else if (close) {
    if (responses.length !== 1 || statuses[0] !== 200) problems.push(`want one 200 and then the connection closed, got [${statuses.join(', ')}]`);
  }
  return problems;
}

/** The same judgement on the sans-I/O transcript (events instead of bytes). */
function judgeTranscript(c, events) {
  const problems = [];
  const requests = events.filter((e) => e.request).map((e) => e.request);
  const ending = events.at(-1);
  if (requests.some((r) => r.target === '/echo/smuggled')) problems.push('the smuggled request was parsed as a request');
  const { reject: rejectWith, frame: body, close } = c.expect;
  if (rejectWith) {
    if (events.length !== 1 || !rejectWith.includes(ending.error)) problems.push(`want error ${rejectWith.join(' or ')}`);
  } else if (body !== undefined) {
    if (requests.length !== 2 || requests[0].body !== body || requests[1].target !== '/echo/probe' || ending.closed !== 'after-response') problems.push('want the outer request with the RFC body, then the probe, then the end');
  } else if (close) {
    if (requests.length !== 1 || ending.closed !== 'after-response') problems.push('want one request, then the end');
  }
  return problems;
}

const bytesOf = (c) => Buffer.from(c.payload, 'latin1');

// ── The suite ────────────────────────────────────────────────────────────────

test('the matrix is well-formed', () => {
  const names = new Set();
  for (const c of cases) {
    assert.ok(!names.has(c.name), `duplicate case name ${c.name}`);
    names.add(c.name);
    assert.match(c.rfc, /\d{4} §/, `${c.name}: RFC reference`);
    assert.equal(Object.keys(c.expect).length, 1, `${c.name}: one expectation`);
    assert.ok(c.payload.includes(INNER) || c.payload.includes('/echo/smuggled'), `${c.name}: carries the smuggled request`);
  }
  for (const name of BYTEWISE) assert.ok(names.has(name), `BYTEWISE names a case: ${name}`);
  assert.ok(cases.length >= 80, `${cases.length} cases`);
});

describe('smuggling matrix in process (sans-I/O)', () => {
  for (const c of selected) {
    test(`${c.name} [${c.rfc}]`, () => {
      for (const [how, split] of [['whole', whole], ['bytewise', bytewise]]) {
        const { events } = transcript(split(bytesOf(c)), { limits: LIMITS });
        const problems = judgeTranscript(c, events);
        if (problems.length) assert.fail(`fed ${how}:\n  - ${problems.join('\n  - ')}\n  request: ${show(c.payload, 600)}\n  events: ${JSON.stringify(events).slice(0, 1200)}`);
      }
    });
  }
});

describe('smuggling matrix over sockets', { concurrency: 2 }, () => {
  for (const model of MODELS) {
    describe(`model: ${model}`, { concurrency: 4 }, () => {
      let server = null;
      before(async () => {
        prepareSite();
        server = await startServer(serveArgs(model));
      });
      after(async () => {
        await server?.stop();
      });

      for (const c of selected) {
        for (const split of BYTEWISE.has(c.name) ? ['whole', 'bytes'] : ['whole']) {
          test(`${c.name} [${split}]`, async () => {
            const got = await rawExchange(server.port, bytesOf(c), { split, idleMs: 4000 });
            const problems = judgeSocket(c, got);
            const p = server.proc;
            if (p.exitCode !== null || p.signalCode !== null) problems.push(`the server died (exit ${p.exitCode}, signal ${p.signalCode}): ${server.output().stderr.slice(-1000)}`);
            if (problems.length) assert.fail(`${c.name} [${c.rfc}] sent ${split}:\n  - ${problems.join('\n  - ')}\n  request: ${show(c.payload, 600)}\n  received: ${show(got.text, 1500)}${got.closed ? ' <closed>' : ' <open>'}`);
          });
        }
      }
    });
  }
});
