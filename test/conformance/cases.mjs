// The HTTP/1.1 conformance table: raw requests and the responses they must
// get, written from RFC 9110 (semantics) and RFC 9112 (HTTP/1.1 syntax),
// plus what hostile-client and request-smuggling suites throw at servers.
// Data only: test/conformance.test.mjs runs every case over a raw socket,
// once sent whole and once byte by byte.
//
// A case:
//   name      unique, says what is sent
//   rfc       where the rule comes from ("9112 §6.3" = RFC 9112 section 6.3)
//   request   the raw bytes as a latin1 string; an array of strings is sent part
//             by part, waiting (≤ 1 s) for the server to answer between parts
//             (used for Expect: 100-continue). "{{etag:/path}}" is replaced by
//             the ETag the server gives /path.
//   expect    the responses in order (pipelining); exactly these many must come:
//             { status: n | [n, …]          one code, or any of several
//               reason?: string             exact reason phrase
//               headers?: { name: 'exact' | /regexp/ | null }   null = absent
//               body?: 'exact' | /regexp/ | { file, start?, end? }   (end inclusive)
//               bodyNot?: /regexp/          the body must not match
//               head?: true }               answer to HEAD: no body is read
//   closed    true: the server must close after the last response;
//             false: the connection must stay open; absent: not checked
//   skipInterim  1xx responses may appear and are dropped before comparing
//   wholeOnly    only sent whole (timing cases)
//   timeout      { minMs, maxMs }: the server must close the connection no
//                earlier than minMs and no later than maxMs after connecting
//   mayBeSilent  closing without any response also passes
//   trickleMs    send one byte every trickleMs ms (slowloris; implies wholeOnly)
//   sameHeaders  these header fields must be equal in every response (HEAD vs GET)
//   bodyStep     when sent byte by byte, bytes after the first head go bodyStep at a time
//
// Every final response is also checked against the rules that hold for all
// of them (see conformance.test.mjs: checkCommon): "HTTP/1.1 <code> <reason>",
// Date as IMF-fixdate, Server: fourfold, Content-Length or chunked framing on
// every response that has a body, none on 1xx/204, "Connection: close" only on
// the last response of a closed connection.

const CRLF = '\r\n';

/** A request head: request line, field lines, empty line. */
const head = (line, ...fields) => line + CRLF + fields.map((f) => f + CRLF).join('') + CRLF;
/** HTTP/1.1 request with Host. */
const req = (method, target, ...fields) => head(`${method} ${target} HTTP/1.1`, 'Host: localhost', ...fields);
const get = (target, ...fields) => req('GET', target, ...fields);
/** POST with a Content-Length body. */
const post = (target, body, ...fields) => req('POST', target, `Content-Length: ${body.length}`, ...fields) + body;
/** POST /echo with the given framing fields and raw body bytes. */
const postRaw = (fields, body, target = '/echo') => req('POST', target, ...fields) + body;
const chunked = (body) => postRaw(['Transfer-Encoding: chunked'], body);

const HELLO = 'Hello, fixture!\n';
const hello200 = { status: 200, body: HELLO };
const bad = { status: 400 };
const NOT_PASSWD = /root:/;
const traversal = { status: [400, 403, 404], bodyNot: NOT_PASSWD };
const IMF_LAST_MODIFIED = 'Sat, 01 Feb 2020 12:00:00 GMT';
const allowsGetHead = /^(?=.*\bGET\b)(?=.*\bHEAD\b)/;

const bigHeaders = Array.from({ length: 20 }, (_, i) => `X-Big-${i}: ${'x'.repeat(1000)}`);
const manyHeaders = (n) => Array.from({ length: n }, (_, i) => `X-N-${i}: ${i}`);

export const cases = [
  // ── Basics: a well-formed exchange, message framing of responses ──────────
  {
    name: 'GET a static file',
    rfc: '9110 §9.3.1',
    request: get('/hello.txt'),
    expect: [
      {
        status: 200,
        reason: 'OK',
        headers: {
          'content-type': /^text\/plain; ?charset=utf-8$/i,
          'content-length': '16',
          etag: /^(W\/)?"[\x21\x23-\x7e]*"$/,
          'last-modified': IMF_LAST_MODIFIED,
          'accept-ranges': 'bytes',
        },
        body: HELLO,
      },
    ],
    closed: false,
  },
  {
    name: 'HEAD has the GET headers and no body',
    rfc: '9110 §9.3.2',
    request: req('HEAD', '/hello.txt'),
    expect: [{ status: 200, head: true, headers: { 'content-length': '16', 'content-type': /^text\/plain/i } }],
    closed: false,
  },
  {
    name: 'HEAD of a 4 KiB file announces Content-Length 4096',
    rfc: '9110 §9.3.2',
    request: req('HEAD', '/file4k.txt'),
    expect: [{ status: 200, head: true, headers: { 'content-length': '4096' } }],
    closed: false,
  },
  {
    name: 'HEAD then GET pipelined: no stray body after HEAD',
    rfc: '9112 §6.3',
    request: req('HEAD', '/file4k.txt') + get('/hello.txt'),
    expect: [{ status: 200, head: true, headers: { 'content-length': '4096' } }, hello200],
    closed: false,
  },
  {
    name: 'HEAD and GET of the same file agree on their headers',
    rfc: '9110 §9.3.2',
    request: req('HEAD', '/style.css') + get('/style.css'),
    expect: [{ status: 200, head: true }, { status: 200, body: { file: 'style.css' } }],
    sameHeaders: ['content-length', 'content-type', 'etag', 'last-modified', 'accept-ranges'],
    closed: false,
  },
  {
    name: 'GET a 4 KiB text file byte-exact',
    rfc: '9110 §9.3.1',
    request: get('/file4k.txt'),
    expect: [{ status: 200, headers: { 'content-length': '4096' }, body: { file: 'file4k.txt' } }],
    closed: false,
  },
  {
    name: 'GET a 100,000-byte binary file byte-exact',
    rfc: '9110 §9.3.1',
    request: get('/blob.bin'),
    expect: [{ status: 200, headers: { 'content-length': '100000' }, body: { file: 'blob.bin' } }],
    closed: false,
  },
  {
    name: 'GET / serves index.html',
    rfc: '9110 §9.3.1',
    request: get('/'),
    expect: [{ status: 200, headers: { 'content-type': /^text\/html/i }, body: { file: 'index.html' } }],
    closed: false,
  },
  {
    name: 'GET /dir/ serves dir/index.html',
    rfc: '9110 §9.3.1',
    request: get('/dir/'),
    expect: [{ status: 200, body: { file: 'dir/index.html' } }],
    closed: false,
  },
  {
    name: 'query string does not change the file',
    rfc: '9110 §4.2.1',
    request: get('/hello.txt?v=1&x'),
    expect: [hello200],
    closed: false,
  },
  {
    name: 'percent-encoded path is decoded (/hell%6f.txt)',
    rfc: '9110 §4.2.3',
    request: get('/hell%6f.txt'),
    expect: [hello200],
    closed: false,
  },
  {
    name: 'Accept-Encoding: identity gets the file as is',
    rfc: '9110 §12.5.3',
    request: get('/style.css', 'Accept-Encoding: identity'),
    expect: [{ status: 200, headers: { 'content-encoding': null, 'content-type': /^text\/css/i }, body: { file: 'style.css' } }],
    closed: false,
  },
  {
    name: 'native handler echoes the parsed request',
    rfc: '9112 §3',
    request: get('/echo?q=1', 'X-One: 1', 'x-two: two'),
    expect: [{ status: 200, body: 'GET /echo?q=1 minor=1\nhost: localhost\nx-one: 1\nx-two: two\n\n' }],
    closed: false,
  },

  // ── Request line (RFC 9112 §3) ─────────────────────────────────────────────
  {
    name: 'leading empty line before the request line is ignored',
    rfc: '9112 §2.2',
    request: CRLF + get('/hello.txt'),
    expect: [hello200],
    closed: false,
  },
  {
    name: 'unknown method token BREW → 501',
    rfc: '9110 §9.1',
    request: req('BREW', '/hello.txt'),
    expect: [{ status: 501 }],
  },
  {
    name: 'methods are case-sensitive: "get" is an unknown method → 501',
    rfc: '9110 §9.1',
    request: req('get', '/hello.txt'),
    expect: [{ status: 501 }],
  },
  {
    name: 'method with a non-token character "GE(T" → 400',
    rfc: '9112 §3.1',
    request: req('GE(T', '/hello.txt'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'NUL inside the method → 400',
    rfc: '9112 §3.1',
    request: req('G\x00ET', '/hello.txt'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'method with "@" → 400',
    rfc: '9112 §3.1',
    request: req('G@T', '/hello.txt'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'missing HTTP version ("GET /hello.txt") → 400',
    rfc: '9112 §3',
    request: head('GET /hello.txt', 'Host: localhost'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'missing request-target ("GET HTTP/1.1") → 400',
    rfc: '9112 §3',
    request: head('GET HTTP/1.1', 'Host: localhost'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'two spaces between method and target → 400',
    rfc: '9112 §3',
    request: head('GET  /hello.txt HTTP/1.1', 'Host: localhost'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'trailing space after the version → 400',
    rfc: '9112 §3',
    request: head('GET /hello.txt HTTP/1.1 ', 'Host: localhost'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'tab as separator → 400',
    rfc: '9112 §3',
    request: head('GET\t/hello.txt\tHTTP/1.1', 'Host: localhost'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'space inside the request-target → 400',
    rfc: '9112 §3.2',
    request: head('GET /hello world.txt HTTP/1.1', 'Host: localhost'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'control character (0x01) in the request-target → 400',
    rfc: '9112 §3.2',
    request: head('GET /hel\x01lo.txt HTTP/1.1', 'Host: localhost'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'DEL (0x7f) in the request-target → 400',
    rfc: '9112 §3.2',
    request: head('GET /hello\x7f.txt HTTP/1.1', 'Host: localhost'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'bare CR inside the request line → 400',
    rfc: '9112 §2.2',
    request: head('GET /hello.txt\r HTTP/1.1', 'Host: localhost'),
    expect: [bad],
    closed: true,
  },
  // ── Bytes that can never begin a request: refused at the first byte, not at the header timeout ──
  {
    name: 'binary garbage instead of a request line → 400 at once',
    rfc: '9112 §3 (method = token)',
    request: '\x00\xff\xfe\x80 garbage',
    expect: [bad],
    closed: true,
  },
  {
    name: 'a TLS ClientHello on the plain-HTTP port → 400 at once, saying so',
    rfc: '9112 §3 (method = token)',
    // record type 22 (handshake), TLS 1.0 record version, a length, ClientHello (1), TLS 1.2 client version…
    request: '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03',
    expect: [{ status: 400, body: /TLS/ }],
    closed: true,
  },
  {
    name: 'a request line starting with a space → 400 at once',
    rfc: '9112 §3',
    request: ' GET /hello.txt HTTP/1.1',
    expect: [bad],
    closed: true,
  },
  {
    name: 'bare LF as line terminator → 400 (strict)',
    rfc: '9112 §2.2',
    request: 'GET /hello.txt HTTP/1.1\nHost: localhost\n\n',
    expect: [bad],
    closed: true,
  },
  {
    name: 'bare LF ending one header line → 400 (strict)',
    rfc: '9112 §2.2',
    request: 'GET /hello.txt HTTP/1.1\r\nHost: localhost\nX-A: 1\r\n\r\n',
    expect: [bad],
    closed: true,
  },
  {
    name: 'HTTP/1.0 request is answered and closed',
    rfc: '9112 §9.3',
    request: head('GET /hello.txt HTTP/1.0'),
    expect: [hello200],
    closed: true,
  },
  {
    name: 'HTTP/1.0 seen as minor=0 by the handler',
    rfc: '9112 §2.3',
    request: head('GET /echo HTTP/1.0'),
    expect: [{ status: 200, body: /^GET \/echo minor=0\n/ }],
    closed: true,
  },
  {
    name: 'HTTP/1.2 is handled as HTTP/1.1',
    rfc: '9110 §2.5',
    request: head('GET /echo HTTP/1.2', 'Host: localhost'),
    expect: [{ status: 200, body: /^GET \/echo minor=1\n/ }],
    closed: false,
  },
  {
    name: 'HTTP/2.0 → 505',
    rfc: '9110 §15.6.6',
    request: head('GET /hello.txt HTTP/2.0', 'Host: localhost'),
    expect: [{ status: 505 }],
  },
  {
    name: 'HTTP/3.0 → 505',
    rfc: '9110 §15.6.6',
    request: head('GET /hello.txt HTTP/3.0', 'Host: localhost'),
    expect: [{ status: 505 }],
  },
  {
    // A well-formed HTTP-version whose major version we do not serve: 505 by
    // RFC 9110 §15.6.6; 400 would also be defensible (0.9 has no version token).
    name: 'HTTP/0.9 in a request line → 505 (or 400)',
    rfc: '9112 §2.3, 9110 §15.6.6',
    request: head('GET /hello.txt HTTP/0.9', 'Host: localhost'),
    expect: [{ status: [505, 400] }],
    closed: true,
  },
  {
    name: 'lower-case "http/1.1" → 400 (HTTP-name is case-sensitive)',
    rfc: '9112 §2.3',
    request: head('GET /hello.txt http/1.1', 'Host: localhost'),
    expect: [bad],
    closed: true,
  },
  {
    name: '"HTTP/1.10" (two-digit minor) → 400',
    rfc: '9112 §2.3',
    request: head('GET /hello.txt HTTP/1.10', 'Host: localhost'),
    expect: [bad],
    closed: true,
  },
  {
    name: '"HTTP/1" (no minor) → 400',
    rfc: '9112 §2.3',
    request: head('GET /hello.txt HTTP/1', 'Host: localhost'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'request-target longer than 8192 bytes → 414',
    rfc: '9112 §3',
    request: get('/' + 'a'.repeat(9000)),
    expect: [{ status: 414 }],
    closed: true,
  },
  {
    name: 'long (7000-byte) but allowed request-target is served',
    rfc: '9112 §3',
    request: get('/echo?' + 'a'.repeat(7000)),
    expect: [{ status: 200, body: new RegExp(`^GET /echo\\?a{7000} minor=1\\n`) }],
    closed: false,
  },
  {
    name: 'absolute-form request-target',
    rfc: '9112 §3.2.2',
    request: get('http://localhost/hello.txt'),
    expect: [hello200],
    closed: false,
  },
  {
    name: 'absolute-form target reaches the handler as sent',
    rfc: '9112 §3.2.2',
    request: get('http://localhost/echo?x=1'),
    expect: [{ status: 200, body: /^GET http:\/\/localhost\/echo\?x=1 minor=1\n/ }],
    closed: false,
  },
  {
    name: 'OPTIONS * → 204 with Allow',
    rfc: '9112 §3.2.4',
    request: req('OPTIONS', '*'),
    expect: [{ status: 204, headers: { allow: /^(?=.*\bGET\b)(?=.*\bHEAD\b)(?=.*\bOPTIONS\b)/ } }],
    closed: false,
  },
  {
    name: 'GET * → 400 (asterisk-form is for OPTIONS only)',
    rfc: '9112 §3.2.4',
    request: get('*'),
    expect: [bad],
  },
  {
    name: 'origin-form without the leading "/" → 400',
    rfc: '9112 §3.2.1',
    request: get('hello.txt'),
    expect: [bad],
  },
  {
    name: 'authority-form with GET → 400',
    rfc: '9112 §3.2.3',
    request: get('localhost:80'),
    expect: [bad],
  },

  // ── Header fields (RFC 9112 §5, RFC 9110 §5) ───────────────────────────────
  {
    name: 'HTTP/1.1 without Host → 400',
    rfc: '9112 §3.2',
    request: head('GET /hello.txt HTTP/1.1'),
    expect: [bad],
  },
  {
    name: 'two Host fields → 400',
    rfc: '9112 §3.2',
    request: get('/hello.txt', 'Host: localhost'),
    expect: [bad],
  },
  {
    name: 'Host with a space ("a b") → 400',
    rfc: '9112 §3.2',
    request: head('GET /hello.txt HTTP/1.1', 'Host: a b'),
    expect: [bad],
  },
  {
    name: 'Host with an unclosed IPv6 literal ("[::1") → 400',
    rfc: '9112 §3.2',
    request: head('GET /hello.txt HTTP/1.1', 'Host: [::1'),
    expect: [bad],
  },
  {
    name: 'Host "exa mple.com" → 400',
    rfc: '9112 §3.2',
    request: head('GET /hello.txt HTTP/1.1', 'Host: exa mple.com'),
    expect: [bad],
  },
  {
    name: 'Host with a non-numeric port ("localhost:8o") → 400',
    rfc: '9112 §3.2',
    request: head('GET /hello.txt HTTP/1.1', 'Host: localhost:8o'),
    expect: [bad],
  },
  {
    name: 'Host with port and IPv6 literal are accepted',
    rfc: '9112 §3.2',
    request: head('GET /hello.txt HTTP/1.1', 'Host: localhost:8080') + head('GET /hello.txt HTTP/1.1', 'Host: [::1]:80'),
    expect: [hello200, hello200],
    closed: false,
  },
  {
    name: 'empty Host value is valid (no authority) → 200',
    rfc: '9112 §3.2',
    request: head('GET /hello.txt HTTP/1.1', 'Host:'),
    expect: [hello200],
    closed: false,
  },
  {
    name: 'HTTP/1.0 without Host is fine',
    rfc: '9112 §3.2',
    request: head('GET /hello.txt HTTP/1.0', 'User-Agent: old'),
    expect: [hello200],
    closed: true,
  },
  {
    name: 'field names are case-insensitive ("hOsT")',
    rfc: '9110 §5.1',
    request: head('GET /hello.txt HTTP/1.1', 'hOsT: localhost'),
    expect: [hello200],
    closed: false,
  },
  {
    name: 'whitespace between field name and colon → 400',
    rfc: '9112 §5.1',
    request: get('/hello.txt', 'X-Foo : bar'),
    expect: [bad],
  },
  {
    name: 'whitespace before colon on Host ("Host : localhost") → 400',
    rfc: '9112 §5.1',
    request: head('GET /hello.txt HTTP/1.1', 'Host : localhost'),
    expect: [bad],
  },
  {
    name: 'obs-fold (continuation line) → 400',
    rfc: '9112 §5.2',
    request: get('/hello.txt', 'X-Foo: a', '  b'),
    expect: [bad],
  },
  {
    name: 'whitespace-led line right after the request line → 400',
    rfc: '9112 §2.2',
    request: head('GET /hello.txt HTTP/1.1', ' Host: localhost'),
    expect: [bad],
  },
  {
    name: 'field name with "[" "]" → 400',
    rfc: '9110 §5.1',
    request: get('/hello.txt', 'Bad[Name]: x'),
    expect: [bad],
  },
  {
    name: 'empty field name (": x") → 400',
    rfc: '9110 §5.1',
    request: get('/hello.txt', ': x'),
    expect: [bad],
  },
  {
    name: 'field line without a colon → 400',
    rfc: '9112 §5',
    request: get('/hello.txt', 'NoColonHere'),
    expect: [bad],
  },
  {
    name: 'NUL in a field value → 400',
    rfc: '9110 §5.5',
    request: get('/hello.txt', 'X-Foo: a\x00b'),
    expect: [bad],
  },
  {
    name: 'bare CR in a field value → 400',
    rfc: '9110 §5.5',
    request: get('/hello.txt', 'X-Foo: a\rb'),
    expect: [bad],
  },
  {
    name: 'control character 0x01 in a field value → 400',
    rfc: '9110 §5.5',
    request: get('/hello.txt', 'X-Foo: a\x01b'),
    expect: [bad],
  },
  {
    name: 'DEL (0x7f) in a field value → 400',
    rfc: '9110 §5.5',
    request: get('/hello.txt', 'X-Foo: a\x7fb'),
    expect: [bad],
  },
  {
    name: 'HTAB inside a field value is kept',
    rfc: '9110 §5.5',
    request: get('/echo', 'X-Tab: a\tb'),
    expect: [{ status: 200, body: /\nx-tab: a\tb\n/ }],
    closed: false,
  },
  {
    name: 'obs-text (0x80-0xff) in a field value is accepted',
    rfc: '9110 §5.5',
    request: get('/echo', 'X-Latin: caf\xe9'),
    expect: [{ status: 200, body: /\nx-latin: caf/ }],
    closed: false,
  },
  {
    name: 'field values are trimmed of surrounding SP/HTAB, inner spaces kept',
    rfc: '9112 §5.1',
    request: get('/echo', 'X-Pad: \t  hello  \t', 'X-In:a  b', 'X-Empty:   '),
    expect: [{ status: 200, body: /\nx-pad: hello\nx-in: a {2}b\nx-empty: \n/ }],
    closed: false,
  },
  {
    name: 'header section over 16384 bytes → 431',
    rfc: '9110 §15.5 / RFC 6585 §5',
    request: get('/hello.txt', ...bigHeaders),
    expect: [{ status: 431 }],
    closed: true,
  },
  {
    name: 'more than 100 header fields → 431',
    rfc: 'RFC 6585 §5',
    request: get('/hello.txt', ...manyHeaders(100)),
    expect: [{ status: 431 }],
  },
  {
    name: 'exactly 100 header fields are accepted',
    rfc: 'RFC 6585 §5',
    request: get('/hello.txt', ...manyHeaders(99)),
    expect: [hello200],
    closed: false,
  },

  // ── Content-Length (RFC 9112 §6.2, §6.3; RFC 9110 §8.6) ─────────────────────
  {
    name: 'POST with Content-Length reaches the handler',
    rfc: '9112 §6.2',
    request: post('/echo', 'hello'),
    expect: [{ status: 200, body: 'POST /echo minor=1\nhost: localhost\ncontent-length: 5\n\nhello' }],
    closed: false,
  },
  {
    name: 'Content-Length with a leading zero ("05") is valid',
    rfc: '9110 §8.6',
    request: postRaw(['Content-Length: 05'], 'hello'),
    expect: [{ status: 200, body: /\n\nhello$/ }],
    closed: false,
  },
  {
    name: 'Content-Length surrounded by OWS is valid',
    rfc: '9112 §5.1',
    request: postRaw(['Content-Length:\t 5 \t'], 'hello'),
    expect: [{ status: 200, body: /\n\nhello$/ }],
    closed: false,
  },
  {
    name: 'Content-Length "+5" → 400',
    rfc: '9112 §6.3',
    request: postRaw(['Content-Length: +5'], 'hello'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'Content-Length "-1" → 400',
    rfc: '9112 §6.3',
    request: postRaw(['Content-Length: -1'], 'hello'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'Content-Length "0x10" → 400',
    rfc: '9112 §6.3',
    request: postRaw(['Content-Length: 0x10'], 'hello'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'Content-Length "5 5" → 400',
    rfc: '9112 §6.3',
    request: postRaw(['Content-Length: 5 5'], 'hello'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'empty Content-Length → 400',
    rfc: '9112 §6.3',
    request: postRaw(['Content-Length: '], 'hello'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'two Content-Length fields with different values → 400',
    rfc: '9112 §6.3',
    request: postRaw(['Content-Length: 5', 'Content-Length: 6'], 'hello!'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'Content-Length list "5, 6" → 400',
    rfc: '9112 §6.3',
    request: postRaw(['Content-Length: 5, 6'], 'hello!'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'Content-Length list of equal values "5, 5" → 400 (strict choice)',
    rfc: '9110 §8.6',
    request: postRaw(['Content-Length: 5, 5'], 'hello'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'two identical Content-Length fields → 400 (strict choice)',
    rfc: '9110 §8.6',
    request: postRaw(['Content-Length: 5', 'Content-Length: 5'], 'hello'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'Content-Length 99999999999999999999 → 413',
    rfc: '9110 §15.5.14',
    request: postRaw(['Content-Length: 99999999999999999999'], 'hello'),
    expect: [{ status: 413 }],
    closed: true,
  },
  {
    name: 'Content-Length above --max-body → 413 before reading the body',
    rfc: '9110 §15.5.14',
    request: postRaw(['Content-Length: 70000'], ''),
    expect: [{ status: 413, reason: 'Content Too Large' }],
    closed: true,
  },
  {
    name: 'body of exactly --max-body (65536) is accepted',
    rfc: '9110 §15.5.14',
    request: post('/echo', 'a'.repeat(65536)),
    bodyStep: 97,
    expect: [{ status: 200, body: /\ncontent-length: 65536\n\na{65536}$/ }],
    closed: false,
  },
  {
    name: 'GET with a body: body is read and skipped, next request works',
    rfc: '9112 §6.3',
    request: get('/hello.txt', 'Content-Length: 5') + 'hello' + get('/hello.txt'),
    expect: [hello200, hello200],
    closed: false,
  },
  {
    name: '405 to POST with a body keeps the connection, next request works',
    rfc: '9112 §9.3',
    request: post('/hello.txt', 'hello') + get('/hello.txt'),
    expect: [{ status: 405, headers: { allow: allowsGetHead } }, hello200],
    closed: false,
  },
  {
    name: '404 to POST with a body keeps the connection, next request works',
    rfc: '9112 §9.3',
    request: post('/no-such-file.txt', 'hello') + get('/hello.txt'),
    expect: [{ status: 404 }, hello200],
    closed: false,
  },

  // ── An error answers no earlier request (found by the sans-I/O suite) ─────
  {
    name: 'pipelined HEAD, then a malformed request: the 400 carries the body it announces',
    rfc: '9112 §6.3, 9110 §9.3.2',
    request: 'HEAD /hello.txt HTTP/1.1\r\nHost: localhost\r\n\r\n' + 'GET /hello.txt HTTP/1.1 x\r\nHost: localhost\r\n\r\n',
    expect: [{ status: 200, head: true, headers: { 'content-length': '16' } }, { status: 400 }],
    closed: true,
  },
  {
    name: 'pipelined HEAD, then a request over --max-body: the 413 carries the body it announces',
    rfc: '9112 §6.3, 9110 §15.5.14',
    request: 'HEAD /hello.txt HTTP/1.1\r\nHost: localhost\r\n\r\n' + 'POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 70000\r\n\r\n',
    expect: [{ status: 200, head: true }, { status: 413 }],
    closed: true,
  },

  // ── Responses a handler cannot break (RFC 9112 §4, RFC 9110 §15.3.6) ──────
  {
    name: 'a reason phrase with U+010D U+010A cannot split the response → 500',
    rfc: '9112 §4, §11.1',
    request: get('/reason?OK%C4%8D%C4%8ASet-Cookie%3A%20pwn%3D1') + get('/hello.txt'),
    expect: [{ status: 500, headers: { 'set-cookie': null } }, hello200],
  },
  {
    name: 'a reason phrase with CR LF cannot split the response → 500',
    rfc: '9112 §4, §11.1',
    request: get('/reason?OK%0D%0ASet-Cookie%3A%20pwn%3D1') + get('/hello.txt'),
    expect: [{ status: 500, headers: { 'set-cookie': null } }, hello200],
  },
  {
    name: 'a reason phrase of latin1 letters is sent as it is',
    rfc: '9112 §4',
    request: get('/reason?Tr%C3%A8s%20bien'),
    expect: [{ status: 200, reason: 'Tr\xe8s bien' }],
  },
  {
    // The server may drop the content or refuse the reply (500); it never sends it.
    name: 'a 205 never has content, even when the handler gives one',
    rfc: '9110 §15.3.6',
    request: get('/status205') + get('/hello.txt'),
    expect: [{ status: [205, 500], bodyNot: /a 205 has no content/ }, hello200],
    closed: false,
  },

  // ── Transfer-Encoding and request smuggling (RFC 9112 §6.1, §6.3, §7.1) ────
  {
    name: 'Transfer-Encoding + Content-Length (CL.TE smuggling) → 400',
    rfc: '9112 §6.3',
    request: postRaw(['Content-Length: 6', 'Transfer-Encoding: chunked'], '0\r\n\r\nG') + get('/hello.txt'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'Content-Length after Transfer-Encoding (TE.CL smuggling) → 400',
    rfc: '9112 §6.3',
    request: postRaw(['Transfer-Encoding: chunked', 'Content-Length: 3'], '5\r\nhello\r\n0\r\n\r\n'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'Transfer-Encoding in HTTP/1.0 → 400',
    rfc: '9112 §6.1',
    request: head('POST /echo HTTP/1.0', 'Transfer-Encoding: chunked') + '5\r\nhello\r\n0\r\n\r\n',
    expect: [bad],
    closed: true,
  },
  {
    name: 'Transfer-Encoding: gzip (final coding not chunked) → 400',
    rfc: '9112 §6.3',
    request: postRaw(['Transfer-Encoding: gzip'], 'hello'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'Transfer-Encoding: chunked, gzip → 400',
    rfc: '9112 §6.3',
    request: postRaw(['Transfer-Encoding: chunked, gzip'], '5\r\nhello\r\n0\r\n\r\n'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'Transfer-Encoding: xchunked (unknown, not chunked) → 400',
    rfc: '9112 §6.3',
    request: postRaw(['Transfer-Encoding: xchunked'], '5\r\nhello\r\n0\r\n\r\n'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'Transfer-Encoding: identity (not a transfer coding any more) → 400',
    rfc: '9112 §6.3',
    request: postRaw(['Transfer-Encoding: identity'], 'hello'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'vertical tab before "chunked" in Transfer-Encoding → 400',
    rfc: '9110 §5.5',
    request: postRaw(['Transfer-Encoding: \x0bchunked'], '5\r\nhello\r\n0\r\n\r\n'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'chunked applied twice in one field → 400',
    rfc: '9112 §6.1',
    request: postRaw(['Transfer-Encoding: chunked, chunked'], '5\r\nhello\r\n0\r\n\r\n'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'chunked applied twice across two fields → 400',
    rfc: '9112 §6.1',
    request: postRaw(['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\n\r\n'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'unknown coding before chunked ("foo, chunked") → 501',
    rfc: '9112 §6.1',
    request: postRaw(['Transfer-Encoding: foo, chunked'], '5\r\nhello\r\n0\r\n\r\n'),
    expect: [{ status: 501 }],
    closed: true,
  },
  // Obfuscated Transfer-Encoding: only SP and HTAB are whitespace (String.trim() would also strip
  // NBSP after latin1 decoding), and parameters make a coding we do not know. Never a second
  // response to what follows.
  ...[
    ['chunked\xa0', 'NBSP after chunked'],
    ['\xa0chunked', 'NBSP before chunked'],
    ['chunked;x=1', 'chunked with a parameter'],
    ['chunked;', 'chunked with an empty parameter'],
    ['chunked\x0c', 'form feed after chunked'],
    ['chunked\x85', 'NEL (0x85) after chunked'],
  ].map(([te, what]) => ({
    name: `Transfer-Encoding: ${what} → 400 or 501, and nothing smuggled`,
    rfc: '9112 §6.1, §11.2; 9110 §5.6.3',
    request: postRaw([`Transfer-Encoding: ${te}`], '5\r\nhello\r\n0\r\n\r\n') + get('/hello.txt'),
    expect: [{ status: [400, 501] }],
    closed: true,
  })),
  {
    name: 'Transfer-Encoding: Chunked is case-insensitive',
    rfc: '9112 §7',
    request: postRaw(['Transfer-Encoding: Chunked'], '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'),
    expect: [{ status: 200, body: /^POST \/echo minor=1\n[^]*\n\nhello world$/ }],
    closed: false,
  },
  {
    name: 'Transfer-Encoding with HTAB as OWS is chunked',
    rfc: '9112 §5.1',
    request: postRaw(['Transfer-Encoding:\tchunked'], '5\r\nhello\r\n0\r\n\r\n'),
    expect: [{ status: 200, body: /\n\nhello$/ }],
    closed: false,
  },
  {
    name: 'chunked body, then a pipelined request on the same connection',
    rfc: '9112 §7.1',
    request: chunked('5\r\nhello\r\n0\r\n\r\n') + get('/hello.txt'),
    expect: [{ status: 200, body: /\n\nhello$/ }, hello200],
    closed: false,
  },
  {
    name: 'chunk sizes in upper- and lower-case hex, with leading zeros',
    rfc: '9112 §7.1',
    request: chunked('A\r\n0123456789\r\nb\r\nabcdefghijk\r\n000C\r\nABCDEFGHIJKL\r\n0\r\n\r\n'),
    expect: [{ status: 200, body: /\n\n0123456789abcdefghijkABCDEFGHIJKL$/ }],
    closed: false,
  },
  {
    name: 'empty chunked body (last-chunk only)',
    rfc: '9112 §7.1',
    request: chunked('0\r\n\r\n'),
    expect: [{ status: 200, body: /\n\n$/ }],
    closed: false,
  },
  {
    name: 'chunk extensions are accepted and ignored',
    rfc: '9112 §7.1.1',
    request: chunked('5;foo=bar\r\nhello\r\n6;foo="q s";x\r\n world\r\n0;last\r\n\r\n'),
    expect: [{ status: 200, body: /\n\nhello world$/ }],
    closed: false,
  },
  {
    name: 'BWS before a chunk extension is allowed ("5 ;a=b")',
    rfc: '9112 §7.1.1',
    request: chunked('5 ;a=b\r\nhello\r\n0\r\n\r\n'),
    expect: [{ status: 200, body: /\n\nhello$/ }],
    closed: false,
  },
  {
    name: 'trailer fields are accepted and not merged into the headers',
    rfc: '9112 §7.1.2',
    request: chunked('5\r\nhello\r\n0\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n') + get('/hello.txt'),
    expect: [{ status: 200, body: /\n\nhello$/, bodyNot: /x-trailer/i }, hello200],
    closed: false,
  },
  {
    name: 'malformed trailer field ("Bad Trailer: x") → 400',
    rfc: '9112 §7.1.2',
    request: chunked('5\r\nhello\r\n0\r\nBad Trailer: x\r\n\r\n'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'chunk size "g" (not hex) → 400',
    rfc: '9112 §7.1',
    request: chunked('g\r\nhello\r\n0\r\n\r\n'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'empty chunk size → 400',
    rfc: '9112 §7.1',
    request: chunked('\r\nhello\r\n0\r\n\r\n'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'chunk size "-1" → 400',
    rfc: '9112 §7.1',
    request: chunked('-1\r\nhello\r\n0\r\n\r\n'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'chunk size with a leading space → 400',
    rfc: '9112 §7.1',
    request: chunked(' 5\r\nhello\r\n0\r\n\r\n'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'chunk size with trailing whitespace before CRLF → 400',
    rfc: '9112 §7.1',
    request: chunked('5 \r\nhello\r\n0\r\n\r\n'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'chunk size "0x5" → 400',
    rfc: '9112 §7.1',
    request: chunked('0x5\r\nhello\r\n0\r\n\r\n'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'chunk data not followed by CRLF → 400',
    rfc: '9112 §7.1',
    request: chunked('5\r\nhelloXX\r\n0\r\n\r\n'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'bare LF in chunk framing → 400',
    rfc: '9112 §7.1',
    request: chunked('5\nhello\n0\n\n'),
    expect: [bad],
    closed: true,
  },
  {
    name: 'chunk size overflow (ffffffffffffffffffff) → 400 or 413',
    rfc: '9112 §7.1',
    request: chunked('ffffffffffffffffffff\r\nhello\r\n0\r\n\r\n'),
    expect: [{ status: [400, 413] }],
    closed: true,
  },
  {
    name: 'chunked body over --max-body → 413',
    rfc: '9110 §15.5.14',
    request: chunked(`8000\r\n${'a'.repeat(0x8000)}\r\n8001\r\n${'b'.repeat(0x8001)}\r\n0\r\n\r\n`),
    bodyStep: 97,
    expect: [{ status: 413 }],
    closed: true,
  },

  // ── Expect (RFC 9110 §10.1.1) ───────────────────────────────────────────────
  {
    name: 'Expect: 100-continue gets 100 before the body is sent',
    rfc: '9110 §10.1.1',
    request: [req('POST', '/echo', 'Content-Length: 5', 'Expect: 100-continue'), 'hello'],
    expect: [{ status: 100, reason: 'Continue' }, { status: 200, body: /\n\nhello$/ }],
    closed: false,
  },
  {
    name: 'Expect: 100-continue sent together with its body',
    rfc: '9110 §10.1.1',
    request: post('/echo', 'hello', 'Expect: 100-continue') + get('/hello.txt'),
    skipInterim: true,
    expect: [{ status: 200, body: /\n\nhello$/ }, hello200],
    closed: false,
  },
  {
    name: 'Expect: 100-continue in HTTP/1.0 is ignored (no 100)',
    rfc: '9110 §10.1.1',
    request: head('POST /echo HTTP/1.0', 'Content-Length: 5', 'Expect: 100-continue') + 'hello',
    expect: [{ status: 200, body: /\n\nhello$/ }],
    closed: true,
  },
  {
    name: 'Expect: 100-continue with Content-Length over --max-body → 413',
    rfc: '9110 §10.1.1',
    request: req('POST', '/echo', 'Content-Length: 70000', 'Expect: 100-continue'),
    skipInterim: true,
    expect: [{ status: 413 }],
    closed: true,
  },
  {
    name: 'unknown expectation → 417',
    rfc: '9110 §10.1.1',
    request: get('/hello.txt', 'Expect: foo'),
    expect: [{ status: 417 }],
  },

  // ── Connection management (RFC 9112 §9) ─────────────────────────────────────
  {
    name: 'two pipelined GETs are answered in order, connection stays open',
    rfc: '9112 §9.3.2',
    request: get('/hello.txt') + get('/dir/'),
    expect: [hello200, { status: 200, body: { file: 'dir/index.html' } }],
    closed: false,
  },
  {
    name: '20 pipelined requests are answered in order',
    rfc: '9112 §9.3.2',
    request: Array.from({ length: 10 }, () => get('/hello.txt') + get('/dir/')).join(''),
    expect: Array.from({ length: 10 }, () => [hello200, { status: 200, body: { file: 'dir/index.html' } }]).flat(),
    closed: false,
  },
  {
    name: 'Connection: close → "Connection: close" and the server closes',
    rfc: '9112 §9.6',
    request: get('/hello.txt', 'Connection: close'),
    expect: [{ status: 200, headers: { connection: /^close$/i }, body: HELLO }],
    closed: true,
  },
  {
    name: 'Connection: close is case-insensitive and found in a list',
    rfc: '9110 §7.6.1',
    request: get('/hello.txt', 'Connection: keep-alive, Close'),
    expect: [{ status: 200, headers: { connection: /^close$/i }, body: HELLO }],
    closed: true,
  },
  {
    name: 'requests pipelined after Connection: close are not processed',
    rfc: '9112 §9.6',
    request: get('/hello.txt', 'Connection: close') + get('/hello.txt'),
    expect: [{ status: 200, headers: { connection: /^close$/i }, body: HELLO }],
    closed: true,
  },
  {
    name: 'HTTP/1.0 with Connection: keep-alive stays open',
    rfc: '9112 §9.3',
    request: head('GET /hello.txt HTTP/1.0', 'Connection: keep-alive'),
    expect: [{ status: 200, headers: { connection: /^keep-alive$/i }, body: HELLO }],
    closed: false,
  },
  {
    name: 'HTTP/1.0 keep-alive then a plain HTTP/1.0 request: two answers, then close',
    rfc: '9112 §9.3',
    request: head('GET /hello.txt HTTP/1.0', 'Connection: keep-alive') + head('GET /hello.txt HTTP/1.0'),
    expect: [{ status: 200, headers: { connection: /^keep-alive$/i }, body: HELLO }, hello200],
    closed: true,
  },
  {
    name: 'pipelined: good, malformed, good → 200, 400, then close',
    rfc: '9112 §9.3.2',
    request: get('/hello.txt') + 'GET /hello.txt HTTP/1.1 x\r\nHost: localhost\r\n\r\n' + get('/hello.txt'),
    expect: [hello200, bad],
    closed: true,
  },

  // ── Static files: validators, ranges, paths (RFC 9110 §13, §14) ───────────
  {
    name: 'If-None-Match with the current ETag → 304 with ETag, no body',
    rfc: '9110 §13.1.2',
    request: get('/hello.txt', 'If-None-Match: {{etag:/hello.txt}}'),
    expect: [{ status: 304, headers: { etag: /./ } }],
    closed: false,
  },
  {
    name: 'If-None-Match: * on an existing file → 304',
    rfc: '9110 §13.1.2',
    request: get('/hello.txt', 'If-None-Match: *'),
    expect: [{ status: 304 }],
    closed: false,
  },
  {
    name: 'If-None-Match with another ETag → 200',
    rfc: '9110 §13.1.2',
    request: get('/hello.txt', 'If-None-Match: "no-such-etag"'),
    expect: [hello200],
    closed: false,
  },
  {
    name: 'If-Modified-Since equal to Last-Modified → 304',
    rfc: '9110 §13.1.3',
    request: get('/hello.txt', `If-Modified-Since: ${IMF_LAST_MODIFIED}`),
    expect: [{ status: 304 }],
    closed: false,
  },
  {
    name: 'If-Modified-Since in the future → 304',
    rfc: '9110 §13.1.3',
    request: get('/hello.txt', 'If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT'),
    expect: [{ status: 304 }],
    closed: false,
  },
  {
    name: 'If-Modified-Since before Last-Modified → 200',
    rfc: '9110 §13.1.3',
    request: get('/hello.txt', 'If-Modified-Since: Tue, 01 Jan 2019 00:00:00 GMT'),
    expect: [hello200],
    closed: false,
  },
  {
    name: 'If-Modified-Since is ignored when If-None-Match is present',
    rfc: '9110 §13.1.3',
    request: get('/hello.txt', 'If-None-Match: "no-such-etag"', `If-Modified-Since: ${IMF_LAST_MODIFIED}`),
    expect: [hello200],
    closed: false,
  },
  {
    name: 'Range bytes=0-4 → 206',
    rfc: '9110 §14.2',
    request: get('/hello.txt', 'Range: bytes=0-4'),
    expect: [{ status: 206, headers: { 'content-range': 'bytes 0-4/16', 'content-length': '5' }, body: 'Hello' }],
    closed: false,
  },
  {
    name: 'Range bytes=5- (open end) → 206',
    rfc: '9110 §14.1.2',
    request: get('/hello.txt', 'Range: bytes=5-'),
    expect: [{ status: 206, headers: { 'content-range': 'bytes 5-15/16' }, body: ', fixture!\n' }],
    closed: false,
  },
  {
    name: 'suffix Range bytes=-3 → last 3 bytes',
    rfc: '9110 §14.1.2',
    request: get('/hello.txt', 'Range: bytes=-3'),
    expect: [{ status: 206, headers: { 'content-range': 'bytes 13-15/16' }, body: 'e!\n' }],
    closed: false,
  },
  {
    name: 'Range end past the file is clamped (bytes=0-999)',
    rfc: '9110 §14.1.2',
    request: get('/hello.txt', 'Range: bytes=0-999'),
    expect: [{ status: 206, headers: { 'content-range': 'bytes 0-15/16' }, body: HELLO }],
    closed: false,
  },
  {
    name: 'Range on the binary file (bytes=99990-)',
    rfc: '9110 §14.2',
    request: get('/blob.bin', 'Range: bytes=99990-'),
    expect: [{ status: 206, headers: { 'content-range': 'bytes 99990-99999/100000' }, body: { file: 'blob.bin', start: 99990 } }],
    closed: false,
  },
  {
    name: 'unsatisfiable Range bytes=100- → 416 with Content-Range */16',
    rfc: '9110 §15.5.17',
    request: get('/hello.txt', 'Range: bytes=100-'),
    expect: [{ status: 416, reason: 'Range Not Satisfiable', headers: { 'content-range': 'bytes */16' } }],
    closed: false,
  },
  {
    name: 'invalid Range syntax is ignored → 200',
    rfc: '9110 §14.2',
    request: get('/hello.txt', 'Range: bytes=abc'),
    expect: [hello200],
    closed: false,
  },
  {
    name: 'traversal /../../etc/passwd',
    rfc: '9110 §17.1',
    request: get('/../../etc/passwd'),
    expect: [traversal],
  },
  {
    name: 'traversal /%2e%2e/%2e%2e/etc/passwd',
    rfc: '9110 §17.1',
    request: get('/%2e%2e/%2e%2e/etc/passwd'),
    expect: [traversal],
  },
  {
    name: 'traversal /..%2f..%2fetc/passwd',
    rfc: '9110 §17.1',
    request: get('/..%2f..%2fetc/passwd'),
    expect: [traversal],
  },
  {
    name: 'traversal /dir/..%2f..%2f..%2fetc%2fpasswd',
    rfc: '9110 §17.1',
    request: get('/dir/..%2f..%2f..%2fetc%2fpasswd'),
    expect: [traversal],
  },
  {
    name: 'traversal with backslashes /..%5c..%5cetc%5cpasswd',
    rfc: '9110 §17.1',
    request: get('/..%5c..%5c..%5cetc%5cpasswd'),
    expect: [traversal],
  },
  {
    name: 'NUL in the decoded path (/%00) → 400',
    rfc: '9110 §17.1',
    request: get('/%00'),
    expect: [bad],
  },
  {
    name: 'dotfile /.secret → 404',
    rfc: '9110 §15.5.5',
    request: get('/.secret'),
    expect: [{ status: 404, bodyNot: /do-not-serve/ }],
    closed: false,
  },
  {
    name: 'percent-encoded dotfile /%2esecret → 404',
    rfc: '9110 §15.5.5',
    request: get('/%2esecret'),
    expect: [{ status: 404, bodyNot: /do-not-serve/ }],
    closed: false,
  },
  {
    name: 'directory without trailing slash → 301 to /dir/',
    rfc: '9110 §15.4.2',
    request: get('/dir'),
    expect: [{ status: 301, headers: { location: '/dir/' } }],
    closed: false,
  },
  {
    name: 'directory without index.html → 404',
    rfc: '9110 §15.5.5',
    request: get('/nodir/'),
    expect: [{ status: 404 }],
    closed: false,
  },
  {
    name: 'unknown file → 404',
    rfc: '9110 §15.5.5',
    request: get('/no-such-file.txt'),
    expect: [{ status: 404 }],
    closed: false,
  },
  {
    name: 'DELETE on a static file → 405 with Allow',
    rfc: '9110 §15.5.6',
    request: req('DELETE', '/hello.txt'),
    expect: [{ status: 405, headers: { allow: allowsGetHead } }],
    closed: false,
  },

  // ── Timeouts (whole-send only; --header-timeout 2, --idle-timeout 2) ───────
  {
    name: 'partial request line then silence → 408 (or close) within header-timeout',
    rfc: '9110 §15.5.9',
    request: 'GET /hel',
    wholeOnly: true,
    mayBeSilent: true,
    timeout: { minMs: 1000, maxMs: 4500 },
    expect: [{ status: 408 }],
    closed: true,
  },
  {
    name: 'slowloris: header bytes trickling past header-timeout → 408 (or close)',
    rfc: '9110 §15.5.9',
    request: get('/hello.txt', `X-Slow: ${'s'.repeat(40)}`),
    trickleMs: 150,
    wholeOnly: true,
    mayBeSilent: true,
    timeout: { minMs: 1000, maxMs: 4500 },
    expect: [{ status: 408 }],
    closed: true,
  },
  {
    name: 'idle keep-alive connection is closed within idle-timeout',
    rfc: '9112 §9.5',
    request: get('/hello.txt'),
    wholeOnly: true,
    timeout: { minMs: 1000, maxMs: 4500 },
    expect: [hello200],
    closed: true,
  },
];
