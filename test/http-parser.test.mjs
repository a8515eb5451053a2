// The sans-I/O parser on its own: the same bytes must give the same events
// however they are split (whole, byte by byte, at random points).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpConnection, Event, defaultLimits, encodeResponse, Outgoing } from '../dist/http/index.js';

/** Feed `bytes` in the given pieces; collect a transcript of events. */
function run(bytes, cuts, limits = defaultLimits) {
  const conn = new HttpConnection(limits);
  const log = [];
  const drain = () => {
    for (;;) {
      const ev = conn.next();
      if (ev === Event.NeedData) return true;
      if (ev === Event.Continue) {
        log.push('continue');
        continue;
      }
      if (ev === Event.Request) {
        const r = conn.request;
        log.push({ method: r.method, target: r.target, path: r.path, query: r.query, minor: r.minor, headers: [...r.headers], body: r.body.toString('latin1'), keepAlive: conn.keepAlive });
        conn.responseSent();
        continue;
      }
      if (ev === Event.Error) {
        log.push({ error: conn.error.status });
        return false;
      }
      log.push('closed');
      return false;
    }
  };
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut <= at) continue;
    // a fresh buffer per piece, reused garbage around it, to prove nothing is kept by reference
    const piece = Buffer.alloc(cut - at + 8, 0x58);
    bytes.copy(piece, 4, at, cut);
    conn.feed(piece, 4, 4 + cut - at);
    at = cut;
    const more = drain();
    piece.fill(0x5a); // the caller reuses its buffer once next() has returned
    if (!more) return log;
  }
  conn.feedEof();
  drain();
  return log;
}

function splits(bytes) {
  const n = bytes.length;
  const out = { whole: [], bytewise: Array.from({ length: n }, (_, i) => i + 1) };
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let k = 0; k < 5; k++) {
    const cuts = new Set();
    const count = 1 + Math.floor(rand() * Math.min(8, n));
    for (let j = 0; j < count; j++) cuts.add(1 + Math.floor(rand() * (n - 1)));
    out[`random${k}`] = [...cuts].sort((a, b) => a - b);
  }
  return out;
}

const CASES = {
  simple: 'GET /a?b=c HTTP/1.1\r\nHost: x\r\nAccept:  */* \r\n\r\n',
  pipelined: 'GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  chunked: 'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext="a b"\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n',
  continue: 'PUT /u HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc',
  http10: 'GET / HTTP/1.0\r\n\r\n',
  leadingCrlf: '\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n',
  bareLf: 'GET / HTTP/1.1\nHost: x\n\n',
  smuggle: 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  badChunk: 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n',
  obsFold: 'GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n',
  truncated: 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc',
};

for (const [name, text] of Object.entries(CASES)) {
  test(`split-invariance: ${name}`, () => {
    const bytes = Buffer.from(text, 'latin1');
    const all = splits(bytes);
    // "continue" depends on timing by design (not asked when the body is already here)
    const events = (cuts) => run(bytes, cuts).filter((e) => e !== 'continue');
    const expected = events(all.whole);
    for (const [how, cuts] of Object.entries(all)) assert.deepEqual(events(cuts), expected, `${name} split ${how}`);
  });
}

test('events: pipelined requests in order with bodies', () => {
  const log = run(Buffer.from(CASES.pipelined, 'latin1'), []);
  assert.deepEqual(log.map((e) => e.target ?? e), ['/1', '/2', '/3', 'closed']);
  assert.equal(log[1].body, 'hello');
  assert.equal(log[2].keepAlive, false);
});

test('events: chunked body de-chunked, trailers dropped, next request follows', () => {
  const log = run(Buffer.from(CASES.chunked, 'latin1'), []);
  assert.equal(log[0].body, 'hello0123456789');
  assert.ok(!log[0].headers.includes('x-trailer'));
  assert.equal(log[1].target, '/after');
});

test('events: 100-continue asked once before the body', () => {
  const head = CASES.continue.indexOf('\r\n\r\n') + 4;
  const log = run(Buffer.from(CASES.continue, 'latin1'), [head]);
  assert.equal(log[0], 'continue');
  assert.equal(log[1].body, 'abc');
});

test('events: errors carry the right status', () => {
  assert.deepEqual(run(Buffer.from(CASES.bareLf, 'latin1'), []), [{ error: 400 }]);
  assert.deepEqual(run(Buffer.from(CASES.smuggle, 'latin1'), []), [{ error: 400 }]);
  assert.deepEqual(run(Buffer.from(CASES.badChunk, 'latin1'), []), [{ error: 400 }]);
  assert.deepEqual(run(Buffer.from(CASES.obsFold, 'latin1'), []), [{ error: 400 }]);
  assert.deepEqual(run(Buffer.from('GET / HTTP/2.0\r\n\r\n', 'latin1'), []), [{ error: 505 }]);
  assert.deepEqual(run(Buffer.from('BREW / HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1'), []), [{ error: 501 }]);
  assert.deepEqual(run(Buffer.from('GET / HTTP/1.1\r\n\r\n', 'latin1'), []), [{ error: 400 }]);
});

test('chunk extensions follow RFC 9112 §7.1.1 (BWS ";" BWS name [BWS "=" BWS token / quoted-string]), whole and byte by byte', () => {
  const chunked = (line) => Buffer.from(`POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${line}\r\nabc\r\n0\r\n\r\n`, 'latin1');
  const bytewise = (b) => Array.from({ length: b.length - 1 }, (_, i) => i + 1);
  const good = ['3;a', '3;a=b', '3 ;a', '3; a', '3;a =b', '3;a= b', '3;a="x y;\\"z"', '3;a;b=c;d="e"', '3;a=b ', '3;a ', '3;a="\x80\xff"'];
  const bad = ['3;', '3; ', '3;;a', '3;=b', '3;a=', '3;a= ', '3;a=b c', '3;a b', '3;a="unterminated', '3;a="x"y', '3;a=b=c', '3;a@b', '3;a="\x7f"', '3;a="\\\x01"', '3;a=\x80'];
  for (const line of good) {
    for (const cuts of [[], bytewise(chunked(line))]) {
      const log = run(chunked(line), cuts);
      assert.equal(log[0]?.body, 'abc', `${JSON.stringify(line)} is a valid extension`);
    }
  }
  for (const line of bad) {
    for (const cuts of [[], bytewise(chunked(line))]) assert.deepEqual(run(chunked(line), cuts), [{ error: 400 }], `${JSON.stringify(line)} is not`);
  }
});

test('limits: long target → 414, big header section → 431, big body → 413', () => {
  const limits = { ...defaultLimits, maxTarget: 100, maxHeaderBytes: 200, maxBody: 10 };
  assert.deepEqual(run(Buffer.from(`GET /${'a'.repeat(200)} HTTP/1.1\r\nHost: x\r\n\r\n`, 'latin1'), [], limits), [{ error: 414 }]);
  assert.deepEqual(run(Buffer.from(`GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(300)}\r\n\r\n`, 'latin1'), [], limits), [{ error: 431 }]);
  assert.deepEqual(run(Buffer.from('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n', 'latin1'), [], limits), [{ error: 413 }]);
  // without a line end in sight, the limit still applies (no unbounded buffering)
  assert.deepEqual(run(Buffer.from(`GET /${'a'.repeat(5000)}`, 'latin1'), [], limits), [{ error: 414 }]);
});

test('a truncated body ends the connection without a request', () => {
  assert.deepEqual(run(Buffer.from(CASES.truncated, 'latin1'), []), ['closed']);
});

test('responses: frozen replies are encoded once per second and stay correct', () => {
  const conn = new HttpConnection(defaultLimits);
  const b = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  conn.feed(b, 0, b.length);
  assert.equal(conn.next(), Event.Request);
  const reply = Object.freeze({ status: 200, headers: Object.freeze(['Content-Type', 'text/plain']), body: 'héllo' });
  const out = new Outgoing();
  encodeResponse(conn, reply, out); // first sighting: encoded, not cached
  encodeResponse(conn, reply, out);
  const first = out.head;
  encodeResponse(conn, reply, out);
  assert.equal(out.head, first, 'from the second use on, the same bytes are reused');
  const text = first.toString('latin1');
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(text, /\r\nContent-Length: 6\r\n/);
  assert.match(text, /\r\nDate: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n/);
  assert.ok(first.subarray(first.length - 6).equals(Buffer.from('héllo')));
});

test('responses: header injection is refused', () => {
  const conn = new HttpConnection(defaultLimits);
  const b = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  conn.feed(b, 0, b.length);
  conn.next();
  assert.throws(() => encodeResponse(conn, { status: 200, headers: ['X-A', 'a\r\nSet-Cookie: evil=1'], body: '' }, new Outgoing()), TypeError);
  assert.throws(() => encodeResponse(conn, { status: 200, headers: ['Bad Name', 'a'], body: '' }, new Outgoing()), TypeError);
});

test('responses: a frozen reply to a closing HTTP/1.1 request is cached too, and says Connection: close', () => {
  const conn = new HttpConnection(defaultLimits);
  const b = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  conn.feed(b, 0, b.length);
  assert.equal(conn.next(), Event.Request);
  const reply = Object.freeze({ status: 200, headers: Object.freeze([]), body: 'bye' });
  const out = new Outgoing();
  encodeResponse(conn, reply, out);
  encodeResponse(conn, reply, out);
  const closing = out.head;
  assert.equal(out.close, true);
  assert.match(closing.toString('latin1'), /\r\nConnection: close\r\n\r\nbye$/);
  encodeResponse(conn, reply, out);
  assert.equal(out.head, closing, 'the closing variant is reused');
  const ka = new HttpConnection(defaultLimits);
  const k = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  ka.feed(k, 0, k.length);
  assert.equal(ka.next(), Event.Request);
  encodeResponse(ka, reply, out);
  assert.equal(out.close, false);
  assert.doesNotMatch(out.head.toString('latin1'), /Connection/i, 'the keep-alive variant is its own');
});

test('reset(): a used connection — an error, pipelined bytes, a body, a TLS guess — is as good as new', () => {
  const used = [
    'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nab',
    'GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHo',
    'GET / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n',
    '\x16\x03\x01\x00',
  ];
  const fresh = new HttpConnection(defaultLimits);
  for (const bytes of used) {
    const conn = new HttpConnection(defaultLimits);
    conn.remoteAddress = '192.0.2.1';
    conn.remotePort = 4711;
    const b = Buffer.from(bytes, 'latin1');
    conn.feed(b, 0, b.length);
    for (let ev = conn.next(); ev === Event.Request || ev === Event.Continue; ev = conn.next()) if (ev === Event.Request) conn.responseSent();
    conn.feedEof();
    conn.reset();
    // Field by field, as the constructor leaves them (a field reset() forgot fails here).
    assert.deepEqual({ ...conn }, { ...fresh }, `after ${JSON.stringify(bytes)}`);
    // And it works: a new request parses.
    const next = Buffer.from('GET /again HTTP/1.1\r\nHost: y\r\n\r\n');
    conn.feed(next, 0, next.length);
    assert.equal(conn.next(), Event.Request);
    assert.equal(conn.request.target, '/again');
  }
});
