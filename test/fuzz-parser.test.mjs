// Property-based and mutation fuzzing of the HTTP/1.1 parser, in process
// (sans-I/O: no sockets, no clock). Hostile input is generated three ways —
// valid requests mutated byte by byte, a "soup" of protocol fragments and
// stray bytes, and either of them under small random limits — and every case
// is fed to http/'s HttpConnection by helpers/sans-io.mjs transcript(), which
// checks on every step what must hold for ANY input:
//
//  - nothing throws: a request that cannot be read is an Error event carrying
//    an HttpError with a 4xx/5xx status, never an exception;
//  - it terminates: next() is called at most pieces + 2·(input length) + 4
//    times, so feeding until it needs data always ends;
//  - memory is bounded: buffered input stays within the head limits (+ one
//    piece), body memory within the body limit, and all of it is given back;
//
// and then, per property, that the outcome (the requests with method, target,
// headers, body — or the error status — and how the connection ended) is the
// same however the bytes are split: whole, byte by byte, at random points.
//
//   FOURFOLD_FUZZ_SEED=n    replay: the seed fast-check prints on failure
//                           (default: a new one each run, printed)
//   FOURFOLD_FUZZ_PATH=p    replay exactly the failing case (with its seed)
//   FOURFOLD_FUZZ_RUNS=n    cases per property (default 2000-3000 each)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { defaultLimits } from '../dist/http/index.js';
import { transcript, whole, bytewise, cutAt, RecvBuffer, requestsOf } from './helpers/sans-io.mjs';

const SEED = process.env.FOURFOLD_FUZZ_SEED !== undefined ? Number(process.env.FOURFOLD_FUZZ_SEED) | 0 : (Date.now() ^ (Math.random() * 0x100000000)) | 0;
const PATH = process.env.FOURFOLD_FUZZ_PATH;
const RUNS = process.env.FOURFOLD_FUZZ_RUNS !== undefined ? Number(process.env.FOURFOLD_FUZZ_RUNS) : null;

/** fast-check's parameters for a property of `runs` cases (FOURFOLD_FUZZ_RUNS overrides). */
const params = (runs) => ({ seed: SEED, path: PATH, numRuns: RUNS ?? runs, endOnFailure: PATH !== undefined, includeErrorInReport: true });
const replay = `FOURFOLD_FUZZ_SEED=${SEED}`;

const recv = new RecvBuffer(); // one receive buffer for every case, as one model thread has
const run = (pieces, limits = defaultLimits) => transcript(pieces, { limits, recv });
const latin1 = (s) => Buffer.from(s, 'latin1');
const show = (b) => JSON.stringify(b.toString('latin1')).replace(/\\u00([0-9a-f]{2})/g, '\\x$1');

// ── The corpus: valid requests that reach every part of the parser ──────────

const CORPUS = [
  'GET /a/b?c=d&e HTTP/1.1\r\nHost: example.com\r\nUser-Agent: fuzz/1.0\r\nAccept: */*\r\n\r\n',
  'POST /submit HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world',
  'POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n6;q="a b";x\r\n world\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n',
  'GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc',
  'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  'PUT /big HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody',
  'PUT /c HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\nA\r\n0123456789\r\n0\r\n\r\n',
  'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nHEAD /h HTTP/1.0\r\n\r\n',
  'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\nGET http://x:8080/abs?q HTTP/1.1\r\nHost: x:8080\r\n\r\n',
  '\r\nDELETE /d HTTP/1.1\r\nHost: [::1]:80\r\nX-Obs: caf\xe9\tb\r\nX-Empty:\r\nContent-Length: 000\r\n\r\n',
].map(latin1);

test('the corpus is valid: every entry gives requests and no error', () => {
  for (const bytes of CORPUS) {
    const t = run(whole(bytes));
    assert.ok(requestsOf(t).length >= 1, show(bytes));
    assert.ok(!t.events.some((e) => e.error), `${show(bytes)}: ${JSON.stringify(t.events)}`);
    assert.deepEqual(run(bytewise(bytes)).events, t.events);
  }
});

// ── Mutations ────────────────────────────────────────────────────────────────

/** The bytes that matter to an HTTP parser, plus a few that should not. */
const SPECIAL = [0x0d, 0x0a, 0x00, 0x20, 0x09, 0x3a, 0x3b, 0x2c, 0x0b, 0x0c, 0x7f, 0x22, 0x5c, 0x2f, 0x3f, 0x23, 0x30, 0x2b, 0x2d, 0x66];
const byteArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xff }) },
);
/** What an insertion puts in: a byte, a line ending, or a field that changes the framing. */
const FRAGMENTS = [
  '\r\n', '\r', '\n', '\r\n\r\n', ' ', '\t', '\xa0', ': ', ';', ',', '"', '0', 'f', '-1', '+', '0x', 'ffffffffffffffff',
  'chunked', ', chunked', 'identity', 'Content-Length: 3\r\n', 'Content-Length: 0\r\n', 'Transfer-Encoding: chunked\r\n',
  'Transfer-Encoding: gzip\r\n', 'Expect: 100-continue\r\n', 'Connection: close\r\n', 'Connection: keep-alive\r\n', 'Host: y\r\n',
  '0\r\n\r\n', '5\r\nhello\r\n', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', ' HTTP/1.1', 'HTTP/1.0', '\x16\x03\x01',
];
const insertion = fc.oneof(
  { weight: 3, arbitrary: byteArb.map((b) => Buffer.of(b)) },
  { weight: 3, arbitrary: fc.constantFrom(...FRAGMENTS).map(latin1) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 6 }).map((a) => Buffer.from(a)) },
);
const mutation = fc.oneof(
  fc.record({ op: fc.constant('flip'), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set'), at: fc.nat(), byte: byteArb }),
  fc.record({ op: fc.constant('insert'), at: fc.nat(), bytes: insertion }),
  fc.record({ op: fc.constant('delete'), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('dupLine'), line: fc.nat(), times: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ op: fc.constant('case'), at: fc.nat(), n: fc.integer({ min: 1, max: 24 }) }),
  fc.record({ op: fc.constant('truncate'), at: fc.nat() }),
  fc.record({ op: fc.constant('copy'), from: fc.nat(), n: fc.integer({ min: 1, max: 40 }), at: fc.nat() }),
);

/** Apply one mutation; positions wrap around the current length, so every mutation applies to every input. */
function mutate(b, m) {
  const at = m.at % (b.length + 1);
  switch (m.op) {
    case 'flip':
      if (b.length === 0) return b;
      return Buffer.concat([b.subarray(0, at % b.length), Buffer.of(b[at % b.length] ^ (1 << m.bit)), b.subarray((at % b.length) + 1)]);
    case 'set':
      if (b.length === 0) return b;
      return Buffer.concat([b.subarray(0, at % b.length), Buffer.of(m.byte), b.subarray((at % b.length) + 1)]);
    case 'insert':
      return Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
    case 'delete':
      return Buffer.concat([b.subarray(0, at), b.subarray(at + m.n)]);
    case 'truncate':
      return b.subarray(0, at);
    case 'case': {
      const out = Buffer.from(b);
      for (let i = at; i < Math.min(out.length, at + m.n); i++) {
        const c = out[i];
        if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) out[i] = c ^ 0x20;
      }
      return out;
    }
    case 'copy': {
      const from = m.from % (b.length + 1);
      return Buffer.concat([b.subarray(0, at), b.subarray(from, from + m.n), b.subarray(at)]);
    }
    case 'dupLine': {
      // Repeat one CRLF-terminated line (a header field, a chunk line…) in place.
      const starts = [0];
      for (let i = b.indexOf('\r\n'); i >= 0; i = b.indexOf('\r\n', i + 2)) starts.push(i + 2);
      const k = m.line % starts.length;
      const end = k + 1 < starts.length ? starts[k + 1] : b.length;
      const line = b.subarray(starts[k], end);
      return Buffer.concat([b.subarray(0, end), ...Array(m.times).fill(line), b.subarray(end)]);
    }
  }
  throw new Error(`unknown mutation ${m.op}`);
}

const mutated = fc
  .tuple(fc.nat(CORPUS.length - 1), fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.boolean(), fc.nat(CORPUS.length - 1))
  .map(([i, ms, pair, j]) => {
    // Sometimes two corpus entries back to back: mutations then reach a pipelined second request.
    let b = pair ? Buffer.concat([CORPUS[i], CORPUS[j]]) : CORPUS[i];
    for (const m of ms) b = mutate(b, m);
    return b;
  });

// ── A soup of protocol fragments ─────────────────────────────────────────────

const SOUP = [
  'GET', 'POST', 'HEAD', 'PUT', 'OPTIONS', 'CONNECT', 'BREW', ' ', ' ', '/', '/x?y=1', '*', 'http://h/p', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.9',
  '\r\n', '\r\n', '\r\n\r\n', '\n', '\r', '\t', 'Host: x', 'Host:', 'Content-Length: ', 'Content-Length:', 'Transfer-Encoding: ', 'chunked', 'identity',
  'Expect: 100-continue', 'Connection: ', 'close', 'keep-alive', 'X-A: b', 'X', ':', ';', ',', '=', '"', '0', '1', '5', '9', 'a', 'F', 'ff', '00000',
  '0\r\n\r\n', '5\r\nhello\r\n', '3;e=v\r\nabc\r\n', 'T: v\r\n', '\x00', '\x7f', '\x80', '\xff', '\xa0', '\x0b',
];
const soup = fc
  .array(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...SOUP) }, { weight: 1, arbitrary: byteArb.map((c) => String.fromCharCode(c)) }), { maxLength: 80 })
  .map((parts) => latin1(parts.join('')));

// ── Splits ───────────────────────────────────────────────────────────────────

/** Random cut points (as fractions of the length, so they fit any input). */
const cutsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 16 });
const cutsFor = (bytes, fractions) => cutAt(bytes, fractions.map((f) => Math.floor(f * bytes.length)));

/** Small pieces of 1..7 bytes in a repeating pattern (a slow client, without the cost of strictly bytewise). */
function smallPieces(bytes, pattern) {
  const out = [];
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const n = pattern[k % pattern.length];
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

const explain = (bytes, how, got, want) =>
  `${how} differs from whole (${replay}):\n  input: ${show(bytes)}\n  whole: ${JSON.stringify(want)}\n  ${how}: ${JSON.stringify(got)}`;

/**
 * The property on one input under the default limits (inputs stay far below
 * them, so no limit can be met earlier in one split than in another): the
 * same events whole, byte by byte and cut at random; and a prefix of the
 * input (a truncated stream) gives a prefix of those events — every request
 * it completes is one the whole stream completes, and an error it finds is
 * the error the whole stream finds there.
 */
function sameEverywhere(bytes, fractions) {
  const w = run(whole(bytes)).events;
  const b = run(bytewise(bytes)).events;
  if (!isDeepEqual(b, w)) assert.fail(explain(bytes, 'bytewise', b, w));
  const pieces = cutsFor(bytes, fractions);
  const r = run(pieces).events;
  if (!isDeepEqual(r, w)) assert.fail(explain(bytes, `split ${pieces.map((p) => p.length).join('+')}`, r, w));

  const cut = Math.floor(fractions[0] * bytes.length);
  const p = run(whole(bytes.subarray(0, cut))).events;
  const last = p.length - 1;
  const consistent = isDeepEqual(p.slice(0, last), w.slice(0, last)) && (p[last].closed === 'eof' || isDeepEqual(p[last], w[last]));
  if (!consistent) assert.fail(`the first ${cut} bytes give events the whole input does not (${replay}):\n  input: ${show(bytes)}\n  whole: ${JSON.stringify(w)}\n  prefix: ${JSON.stringify(p)}`);
}

function isDeepEqual(a, b) {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

test(`mutated valid requests: no exception, bounded, same events however split (${replay})`, { timeout: 120_000 }, () => {
  fc.assert(fc.property(mutated, cutsArb, sameEverywhere), params(3000));
});

test(`a soup of protocol fragments: no exception, bounded, same events however split (${replay})`, { timeout: 120_000 }, () => {
  fc.assert(fc.property(soup, cutsArb, sameEverywhere), params(2000));
});

// ── Small limits ─────────────────────────────────────────────────────────────

const limitsArb = fc.record({
  maxTarget: fc.integer({ min: 8, max: 200 }),
  maxHeaderBytes: fc.integer({ min: 16, max: 400 }),
  maxHeaderCount: fc.integer({ min: 1, max: 8 }),
  maxBody: fc.integer({ min: 0, max: 300 }),
  // Sometimes less than a chunked body's first buffer (16 KiB): the 503 path.
  maxBodyMemory: fc.constantFrom(4096, 1 << 20),
});

/** Blow an input up: a long run of one of its pieces (many fields, many chunks, a huge value). */
const blowup = fc.record({ from: fc.nat(), n: fc.integer({ min: 1, max: 12 }), times: fc.integer({ min: 1, max: 400 }), at: fc.nat() });
const blowUp = (b, { from, n, times, at }) => {
  const f = from % (b.length + 1);
  const a = at % (b.length + 1);
  return Buffer.concat([b.subarray(0, a), ...Array(times).fill(b.subarray(f, f + n)), b.subarray(a)]);
};

/** Limit errors an incomplete head meets (limits.ts headOverflow): a split run can meet them before the byte that decides the whole run. */
const HEAD_OVERFLOW = new Set([414, 431]);

test(`small random limits: memory stays within them, and splits agree (${replay})`, { timeout: 120_000 }, () => {
  const input = fc.tuple(fc.oneof(mutated, soup), fc.option(blowup, { freq: 2 })).map(([b, up]) => (up ? blowUp(b, up) : b));
  fc.assert(
    fc.property(input, limitsArb, cutsArb, fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }), (bytes, limits, fractions, pattern) => {
      const l = { ...defaultLimits, ...limits };
      const w = run(whole(bytes), l).events;
      const splits = [['split', cutsFor(bytes, fractions)]];
      if (bytes.length <= 4096) splits.push(['small pieces', smallPieces(bytes, pattern)]);
      for (const [how, pieces] of splits) {
        const s = run(pieces, l).events;
        if (isDeepEqual(s, w)) continue;
        // The one allowed difference: the split run refused an incomplete head for its size
        // (414/431) before the bytes that decided the whole run arrived. Same requests before it.
        const end = s.length - 1;
        const allowed = s.length === w.length && isDeepEqual(s.slice(0, end), w.slice(0, end)) && w[end].error !== undefined && HEAD_OVERFLOW.has(s[end].error);
        if (!allowed) assert.fail(`${explain(bytes, how, s, w)}\n  limits: ${JSON.stringify(limits)}`);
      }
    }),
    params(2000),
  );
});

// ── Worst cases, by construction ─────────────────────────────────────────────

test('many tiny chunks, a flood of fields, an endless line: bounded and refused or served as the limits say', () => {
  const limits = { ...defaultLimits, maxBody: 4096, maxHeaderBytes: 1024, maxTarget: 256 };
  const ones = latin1('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' + '1\r\na\r\n'.repeat(5000) + '0\r\n\r\n');
  // 5000 one-byte chunks are 30000 bytes of framing: over the 4096 bytes of maxBody as sent (chunked.ts counts the framing).
  assert.deepEqual(run(whole(ones), limits).events, [{ error: 413 }]);
  assert.deepEqual(run(smallPieces(ones, [3, 1, 7]), limits).events, [{ error: 413 }]);
  const fields = latin1('GET / HTTP/1.1\r\nHost: x\r\n' + 'X: y\r\n'.repeat(5000) + '\r\n');
  assert.deepEqual(run(whole(fields), limits).events, [{ error: 431 }]);
  const endless = latin1('GET /' + 'a'.repeat(100_000));
  for (const pieces of [whole(endless), smallPieces(endless, [1000])]) assert.deepEqual(run(pieces, limits).events, [{ error: 414 }]);
  const endlessField = latin1('GET / HTTP/1.1\r\nHost: x\r\nX: ' + 'v'.repeat(100_000));
  assert.deepEqual(run(smallPieces(endlessField, [512]), limits).events, [{ error: 431 }]);
});
