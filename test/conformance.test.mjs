// Raw-socket HTTP/1.1 conformance suite: every case of conformance/cases.mjs
// against the real CLI, once per model, each case sent whole and byte by byte.
//
//   FOURFOLD_MODELS="iterative,event-loop --poller poll"   configurations to run
//                                            (default: every model and poller, and --workers 2)
//   FOURFOLD_EXTRA_ARGS="--poller poll"      extra serve flags for every model
//   FOURFOLD_EXTRA_ARGS_EVENT_LOOP="--workers 2"   extra flags for one model
//   FOURFOLD_CASES=regexp                    run only the cases whose name matches
//   FOURFOLD_GRACE_MS=200                    how long "the connection stays open" is watched
//
// The exchange is our own (not rawExchange) because the suite needs three things
// rawExchange cannot do: stop waiting as soon as the expected responses are in
// (so ~320 exchanges per model fit in under a minute), send a request in parts
// (Expect: 100-continue), and never time out while a large body is still being
// written byte by byte.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from './helpers/server.mjs';
import { cases } from './conformance/cases.mjs';
import { prepareSite, fixtureText, SITE, ECHO_APP } from './conformance/fixtures.mjs';

// Each configuration gets its own server; two run side by side (a case
// mostly waits on the network), which halves the wall time without
// stretching the timing cases past their bounds on two cores.
const DEFAULT_MODELS = 'iterative,event-loop,event-loop --poller poll,event-loop --poller select,event-loop --workers 2';
const MODELS = (process.env.FOURFOLD_MODELS ?? DEFAULT_MODELS).split(',').map((m) => m.trim()).filter(Boolean);
const GRACE_MS = Number(process.env.FOURFOLD_GRACE_MS ?? 200);
const PART_PAUSE_MS = 1000; // longest wait for an interim answer between request parts
const IDLE_MS = 3000; // no byte from the server for this long (before the answers are complete): give up
const MAX_MS = 15000; // hard cap per exchange
const ONLY = process.env.FOURFOLD_CASES ? new RegExp(process.env.FOURFOLD_CASES, 'i') : null;

const words = (s) => (s ?? '').split(/\s+/).filter(Boolean);
const serveArgs = (config) => {
  const [model, ...rest] = words(config);
  return [
  SITE,
  '--model', model,
  ...rest,
  '--app', ECHO_APP,
  '--max-body', '65536',
  '--header-timeout', '2',
  '--idle-timeout', '2',
  ...words(process.env.FOURFOLD_EXTRA_ARGS),
  ...words(process.env[`FOURFOLD_EXTRA_ARGS_${model.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`]),
  ];
};

// ── Response stream parsing (strict: anything unexpected is reported) ────────

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Split the bytes a server sent into responses. isHead(i) says whether the
 * i-th final response answers a HEAD request (no body follows it).
 * Returns { responses, rest, error }: responses are complete ones only; rest is
 * what could not (yet) be parsed.
 */
function parseStream(text, { isHead, closed }) {
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

// ── The exchange ─────────────────────────────────────────────────────────────

const tick = () => new Promise((r) => setImmediate(r));

/**
 * Connect, send parts (split 'whole', or one byte per write: 'bytes' on every
 * tick, 'trickle' every trickleMs), collect the answer.
 * Finishes when the server closes, or graceMs after the expected number of
 * responses is complete, or idleMs without data before that.
 */
function converse(port, parts, { split, isHead, wanted, graceMs, idleMs = IDLE_MS, trickleMs = 0, bodyStep = 1 }) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.setNoDelay(true);
    const chunks = [];
    let closed = false;
    let closedAt = null;
    let writing = true;
    let done = false;
    let timer = null;
    let onData = null; // wakes the part-by-part sender
    const text = () => Buffer.concat(chunks).toString('latin1');
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(cap);
      sock.destroy();
      resolve({ text: text(), closed, elapsed: (closedAt ?? Date.now()) - started });
    };
    const cap = setTimeout(finish, MAX_MS);
    const arm = () => {
      if (writing || done) return;
      clearTimeout(timer);
      const complete = parseStream(text(), { isHead, closed: false }).responses.filter(wanted.counts).length;
      timer = setTimeout(finish, complete >= wanted.n ? graceMs : idleMs);
    };
    const serverClosed = () => {
      if (closed) return;
      closed = true;
      closedAt = Date.now();
      setImmediate(finish); // let pending 'data' land first
    };
    sock.on('data', (d) => {
      chunks.push(d);
      onData?.();
      arm();
    });
    sock.on('end', serverClosed);
    sock.on('close', serverClosed);
    sock.on('error', (e) => {
      if (chunks.length > 0 || ['ECONNRESET', 'EPIPE', 'ERR_STREAM_WRITE_AFTER_END', 'ERR_STREAM_DESTROYED'].includes(e.code)) serverClosed();
      else if (!done) {
        done = true;
        clearTimeout(cap);
        reject(e);
      }
    });
    sock.on('connect', async () => {
      try {
        for (let i = 0; i < parts.length; i++) {
          const bytes = Buffer.from(parts[i], 'latin1');
          if (split === 'whole') {
            if (!closed) sock.write(bytes);
          } else {
            // Past the first head, a case may ask for bodyStep-byte writes: a 64 KiB body
            // sent one byte per tick would outlast the 2 s request timeout on slow pollers.
            const headEnd = bodyStep > 1 ? bytes.indexOf('\r\n\r\n') + 4 : bytes.length;
            for (let b = 0; b < bytes.length && !closed && !done; ) {
              const step = b < headEnd ? 1 : bodyStep;
              sock.write(bytes.subarray(b, b + step));
              b += step;
              await (trickleMs ? new Promise((r) => setTimeout(r, trickleMs)) : tick());
            }
          }
          if (i < parts.length - 1 && !closed) {
            // Give the server the chance to answer (100 Continue) before the next part.
            const before = chunks.length;
            await new Promise((r) => {
              const t = setTimeout(r, PART_PAUSE_MS);
              onData = () => {
                if (chunks.length > before) {
                  clearTimeout(t);
                  r();
                }
              };
            });
            onData = null;
            await new Promise((r) => setTimeout(r, 20)); // let the whole interim response arrive
          }
        }
      } catch {
        /* the server closed while we wrote: seen through 'close' */
      }
      writing = false;
      arm();
    });
  });
}

// ── Checks ───────────────────────────────────────────────────────────────────

const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

const show = (s, max = 1200) =>
  JSON.stringify(s.length > max ? s.slice(0, max) + `…(+${s.length - max} bytes)` : s).replace(/\\u00([0-9a-f]{2})/g, '\\x$1');

const one = (r, name) => r.headers.get(name)?.join(', ');

/** Rules every response obeys, whatever the request. */
function checkCommon(r, i, count, closed, problems) {
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
function checkExpected(want, r, i, problems, fileCache) {
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

/** Substitute {{etag:/path}} placeholders. */
async function resolvePlaceholders(request, port, etags) {
  const parts = [];
  for (const part of request) {
    let out = part;
    for (const [, target] of part.matchAll(/\{\{etag:([^}]+)\}\}/g)) {
      if (!etags.has(target)) {
        const got = await converse(port, [`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`], {
          split: 'whole',
          isHead: () => false,
          wanted: { n: 1, counts: () => true },
          graceMs: GRACE_MS,
        });
        const etag = parseStream(got.text, { isHead: () => false, closed: got.closed }).responses[0]?.headers.get('etag')?.[0];
        etags.set(target, etag ?? '"(the server sent no ETag)"');
      }
      out = out.replaceAll(`{{etag:${target}}}`, etags.get(target));
    }
    parts.push(out);
  }
  return parts;
}

async function runCase(c, split, port, state) {
  const parts = await resolvePlaceholders(Array.isArray(c.request) ? c.request : [c.request], port, state.etags);
  const finalsWanted = c.expect.filter((e) => e.status === undefined || [].concat(e.status).some((s) => s >= 200));
  const heads = finalsWanted.map((e) => e.head === true);
  const isHead = (i) => heads[i] === true;
  const wanted = c.skipInterim ? { n: finalsWanted.length, counts: (r) => r.status >= 200 } : { n: c.expect.length, counts: () => true };
  // Timing cases wait past the allowed window, so "too late" is told apart from "never".
  const graceMs = c.timeout ? c.timeout.maxMs + 500 : GRACE_MS;
  const idleMs = c.timeout ? c.timeout.maxMs + 500 : IDLE_MS;

  const got = await converse(port, parts, { split, isHead, wanted, graceMs, idleMs, trickleMs: c.trickleMs, bodyStep: c.bodyStep });
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
      if (responses[i]) checkExpected(want, responses[i], i, problems, state.files);
    });
  }
  for (const name of c.sameHeaders ?? []) {
    const values = responses.map((r) => one(r, name));
    if (values.some((v) => v === undefined || v !== values[0])) problems.push(`header ${name} differs between the responses: ${JSON.stringify(values)}`);
  }
  if (c.closed === true && !got.closed) problems.push(`the server must close the connection, it stayed open for ${graceMs} ms after the answer`);
  if (c.closed === false && got.closed) problems.push('the connection must stay open, the server closed it');
  if (c.timeout && got.closed) {
    if (got.elapsed < c.timeout.minMs) problems.push(`closed after ${got.elapsed} ms, too early (want ≥ ${c.timeout.minMs} ms)`);
    if (got.elapsed > c.timeout.maxMs) problems.push(`closed after ${got.elapsed} ms, too late (want ≤ ${c.timeout.maxMs} ms)`);
  }
  if (problems.length) {
    assert.fail(`${c.name} [${c.rfc}] sent ${split}:\n  - ${problems.join('\n  - ')}\n  request: ${show(parts.join(''), 400)}\n  received: ${show(got.text)}${got.closed ? ' <closed>' : ' <open>'}`);
  }
}

// ── The suite ────────────────────────────────────────────────────────────────

const selected = cases.filter((c) => !ONLY || ONLY.test(c.name));

test('conformance case table is well-formed', () => {
  const names = new Set();
  for (const c of cases) {
    assert.ok(c.name && !names.has(c.name), `duplicate or missing name: ${c.name}`);
    names.add(c.name);
    assert.match(c.rfc, /\S/, `${c.name}: rfc reference`);
    assert.ok(typeof c.request === 'string' || Array.isArray(c.request), `${c.name}: request`);
    assert.ok(Array.isArray(c.expect) && c.expect.length > 0, `${c.name}: expect`);
  }
  assert.ok(cases.length >= 70, `at least 70 cases, have ${cases.length}`);
});

describe('HTTP/1.1 conformance', { concurrency: 2 }, () => {
for (const model of MODELS) {
  describe(`model: ${model}`, () => {
    const state = { server: null, etags: new Map(), files: {}, crashes: [] };
    const ensureServer = async () => {
      const s = state.server;
      if (s && s.proc.exitCode === null && s.proc.signalCode === null) return;
      if (s) state.crashes.push({ after: state.lastCase, ...s.output(), code: s.proc.exitCode, signal: s.proc.signalCode });
      state.server = await startServer(serveArgs(model));
      state.etags.clear();
    };

    before(async () => {
      prepareSite();
      await ensureServer();
    });
    after(async () => {
      await state.server?.stop();
    });

    for (const c of selected) {
      for (const split of c.trickleMs ? ['trickle'] : c.wholeOnly ? ['whole'] : ['whole', 'bytes']) {
        test(`${c.name} [${split}]`, async () => {
          await ensureServer();
          state.lastCase = `${c.name} [${split}]`;
          try {
            await runCase(c, split, state.server.port, state);
          } finally {
            await new Promise((r) => setTimeout(r, 5));
            const p = state.server.proc;
            if (p.exitCode !== null || p.signalCode !== null) {
              const { stderr } = state.server.output();
              // eslint-disable-next-line no-unsafe-finally
              assert.fail(`the server died during this case (exit ${p.exitCode}, signal ${p.signalCode})\nstderr: ${stderr.slice(-2000)}`);
            }
          }
        });
      }
    }

    test('the server survived every case', () => {
      const s = state.server;
      if (s && (s.proc.exitCode !== null || s.proc.signalCode !== null)) state.crashes.push({ after: state.lastCase, ...s.output() });
      assert.deepEqual(
        state.crashes.map((c) => `died after "${c.after}": ${(c.stderr ?? '').slice(-500)}`),
        [],
      );
    });
  });
}
});
