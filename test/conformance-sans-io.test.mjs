// The conformance cases of conformance/cases.mjs in-process: no sockets, no
// CLI, no clock. A tiny in-memory model drives http/'s sans-I/O state machine
// (HttpConnection) with the request bytes — whole, one byte at a time, and in
// random splits — answers every request through the app the CLI builds for
// the socket suite (static files of SITE + the echo handler), and collects the
// bytes a model would send. The judgement is the socket suite's own
// (helpers/conformance-checks.mjs). "bytewise" is one byte per feed() for the
// whole request, bodies included (the socket suite's bodyStep exists only to
// beat its clock, which this run does not have).
//
//   FOURFOLD_CASES=regexp     run only the cases whose name matches
//   FOURFOLD_SEED=n           seed of the random splits (printed; default fixed)
//   FOURFOLD_SPLITS=n         random splits per pipelined case (default 300)
//   FOURFOLD_SPLITS_OTHER=n   random splits per other case (default 20)
//
// What cannot be judged without a clock is skipped, case by case
// (skipReason): the cases whose answer is a timeout. `closed` is judged by what the state
// machine says right after the answer (out.close, Event.Closed, conn.closed),
// not by watching a socket for a while. Once a case's input is in and the
// connection is still open, EOF is fed: it must end the connection quietly.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { cases } from './conformance/cases.mjs';
import { prepareSite, SITE, ECHO_APP } from './conformance/fixtures.mjs';
import { checkResponses, responseShape, show } from './helpers/conformance-checks.mjs';
import { whole, bytewise, prng, hash, randomSplit, RecvBuffer } from './helpers/sans-io.mjs';
import { HttpConnection, Event, Outgoing, encodeResponse, errorReply } from '../dist/http/index.js';
import { buildApp, createContext } from '../dist/models/context.js';
import { resolveConfig } from '../dist/models/config.js';
import { callApp, prepare, release } from '../dist/models/exchange.js';

const ONLY = process.env.FOURFOLD_CASES ? new RegExp(process.env.FOURFOLD_CASES, 'i') : null;
const SEED = Number(process.env.FOURFOLD_SEED ?? 0x5eed1234) >>> 0;
const SPLITS = Number(process.env.FOURFOLD_SPLITS ?? 300);
const SPLITS_OTHER = Number(process.env.FOURFOLD_SPLITS_OTHER ?? 20);

/** The socket suite's flags (conformance.test.mjs serveArgs), as serve() options. */
const OPTIONS = {
  root: SITE,
  app: ECHO_APP,
  limits: { maxBody: 65536 },
  timeouts: { headerMs: 2000, idleMs: 2000 },
  log: 'off',
  quiet: true,
};
const MODEL_SHAPE = { name: 'iterative', runsIn: 'main' };

/** Cases that cannot be judged in-process, with the reason. Keep this short and honest. */
function skipReason(c) {
  if (c.trickleMs) return `timing: bytes trickle every ${c.trickleMs} ms until the header timeout fires; the state machine has no clock (the model's timers decide)`;
  if (c.timeout) return `timing: the answer is a close within ${c.timeout.minMs}-${c.timeout.maxMs} ms of connecting (a timeout), which only a model with a clock can give`;
  return null;
}

// ── The in-memory model ──────────────────────────────────────────────────────

/**
 * Serve one connection in memory. `parts` are the request parts (as bytes);
 * each part is cut into pieces by split(part, index) → array of Buffers, fed one after
 * the other. Like a model, it feeds from one reused receive buffer, which is
 * scribbled over after every feed (http/ must not keep references into it).
 *
 * Returns { bytes, text (the same, latin1), closed, how, phase, afterEof, problems }:
 *  closed: the state machine ended the connection once the input was in
 *          (how: 'out.close' after a response, 'Error', 'Closed' from next(),
 *          'conn.closed'); further input is not fed (the socket is gone);
 *  phase: conn.phase at that moment;
 *  at the end, when still open, EOF is fed (the client goes away, as the socket
 *  suite's client does once it has its answer) and that must end the
 *  connection without another byte: reported in `afterEof`.
 */
async function serve(ctx, limits, parts, split) {
  // The models' own exchange (callApp: a failing app is a 500; prepare: a reply that cannot be encoded is a 500).
  const conn = new HttpConnection(limits, ctx.bodyBudget);
  conn.keepBody = ctx.keepBody;
  conn.remoteAddress = '127.0.0.1';
  conn.remotePort = 40000;
  const out = new Outgoing();
  const sent = [];
  const recv = new RecvBuffer();
  let closed = false;
  let how = null;
  const problems = [];

  const send = (bytes) => sent.push(Buffer.from(bytes)); // a copy: heads may lie in http/'s shared buffer

  /** Send `out` as a model does: head, then body or file range or stream. */
  async function sendOutgoing() {
    send(out.head);
    if (out.body !== null) send(out.body);
    if (out.file !== null) {
      const { fd, offset, length } = out.file;
      const buf = Buffer.alloc(length);
      let got = 0;
      while (got < length) {
        const n = fs.readSync(fd, buf, got, length - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      if (got < length) throw new Error(`file shorter than announced: ${got} of ${length} bytes at ${offset}`);
      send(buf);
    }
    if (out.stream !== null) {
      for await (const chunk of out.stream) for (const piece of out.frame(chunk)) send(piece);
      const last = out.end();
      if (last !== null) send(last);
    }
  }

  /** next() until the state machine needs bytes or the connection ends. */
  async function drain() {
    for (;;) {
      const ev = conn.next();
      if (ev === Event.NeedData) return;
      if (ev === Event.Continue) {
        send(conn.continueResponse());
        continue;
      }
      if (ev === Event.Closed) {
        closed = true;
        how ??= 'Closed';
        return;
      }
      if (ev === Event.Error) {
        const e = conn.error;
        const reply = errorReply(e.status, e.message);
        encodeResponse(conn, reply, out);
        await sendOutgoing();
        if (!out.close) problems.push(`the ${e.status} for a protocol error does not close the connection (out.close is false)`);
        conn.responseSent();
        closed = true;
        how = 'Error';
        return;
      }
      if (ev === Event.Request) {
        let reply = callApp(ctx, conn.request);
        if (reply instanceof Promise) reply = await reply;
        try {
          reply = prepare(ctx, conn, reply, out);
          await sendOutgoing();
        } finally {
          release(reply);
        }
        conn.responseSent();
        if (out.close) {
          closed = true;
          how = 'out.close';
          return;
        }
        continue;
      }
      throw new Error(`unknown event ${ev}`);
    }
  }

  for (const [index, part] of parts.entries()) {
    for (const piece of split(part, index)) {
      if (closed) break;
      recv.feed(conn, piece);
      await drain();
      recv.scribble(); // the next recv() overwrites the buffer
    }
  }
  if (conn.closed && !closed) {
    closed = true;
    how = 'conn.closed';
  }
  const bytes = Buffer.concat(sent);
  const result = { text: bytes.toString('latin1'), bytes, closed, how, phase: conn.phase, afterEof: null, problems };
  if (!closed) {
    const before = sent.length;
    conn.feedEof();
    await drain();
    result.afterEof = { closed: conn.closed && closed, extra: Buffer.concat(sent.slice(before)).toString('latin1') };
  }
  return result;
}

// ── Cases ────────────────────────────────────────────────────────────────────

const toBytes = (s) => Buffer.from(s, 'latin1');
const requestParts = (c) => (Array.isArray(c.request) ? c.request : [c.request]);

/** Substitute {{etag:/path}} placeholders with the ETag the app gives /path (asked in-process). */
async function resolvePlaceholders(c, env) {
  const parts = [];
  for (const part of requestParts(c)) {
    let s = part;
    for (const [, target] of part.matchAll(/\{\{etag:([^}]+)\}\}/g)) {
      if (!env.etags.has(target)) {
        const got = await serve(env.ctx, env.limits, [toBytes(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`)], whole);
        const m = /\r\netag: *([^\r\n]*)\r\n/i.exec(got.text.slice(0, got.text.indexOf('\r\n\r\n') + 2));
        env.etags.set(target, m ? m[1] : '"(the server sent no ETag)"');
      }
      s = s.replaceAll(`{{etag:${target}}}`, env.etags.get(target));
    }
    parts.push(s);
  }
  return parts.map(toBytes);
}

/** Every check of the socket suite that does not need a clock. */
function judge(c, got, env) {
  const { isHead } = responseShape(c);
  const problems = [...got.problems, ...checkResponses(c, got, isHead, env.files)];
  if (c.closed === true && !got.closed) problems.push(`the connection must end after the answer; the state machine waits for more (phase ${got.phase})`);
  if (c.closed === false && got.closed) problems.push(`the connection must stay open; the state machine ended it (${got.how})`);
  if (got.afterEof !== null) {
    if (!got.afterEof.closed) problems.push('EOF after the exchange did not end the connection');
    if (got.afterEof.extra) problems.push(`EOF after the exchange made the connection send more: ${show(got.afterEof.extra, 200)}`);
  }
  return problems;
}

function report(c, mode, parts, got, problems) {
  return `${c.name} [${c.rfc}] fed ${mode}:\n  - ${problems.join('\n  - ')}\n  request: ${show(Buffer.concat(parts).toString('latin1'), 400)}\n  sent: ${show(got.text)}${got.closed ? ` <ended: ${got.how}>` : ' <open>'}`;
}

const IMF_DATE_LINE = /\r\nDate: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n/g;
const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';
/**
 * The bytes out with every Date field made equal (a run may straddle a
 * second). Where a case allows interim responses to come or not
 * (skipInterim: the body arrived with the head, and RFC 9110 §10.1.1 lets the
 * server skip the 100), they are dropped too: whether the body had begun to
 * arrive when the head was complete depends on the split.
 */
const normalized = (c, b) => {
  const s = b.toString('latin1').replace(IMF_DATE_LINE, '\r\nDate: (date)\r\n');
  return c.skipInterim ? s.replaceAll(CONTINUE, '') : s;
};

/** More than one request in the bytes, or more than one response expected. */
const isPipelined = (c) => c.expect.length > 1 || (requestParts(c).join('').match(/ HTTP\/\d\.\d\r\n/g) ?? []).length > 1;

// ── The suite ────────────────────────────────────────────────────────────────

const selected = cases.filter((c) => !ONLY || ONLY.test(c.name));

describe('HTTP/1.1 conformance in-process (sans-I/O)', () => {
  const env = { app: null, limits: null, etags: new Map(), files: {} };
  let fdsBefore = 0;
  const openFds = () => fs.readdirSync('/proc/self/fd').length;

  before(async () => {
    prepareSite();
    fdsBefore = openFds();
    const config = resolveConfig(OPTIONS, MODEL_SHAPE);
    env.app = await buildApp(config, null);
    env.ctx = await createContext(config, { app: env.app });
    env.limits = config.limits;
  });
  const closeApp = async () => {
    const app = env.app;
    env.app = null;
    await app?.close?.();
  };
  after(closeApp);

  test('the socket suite options resolve to the limits the cases assume', () => {
    assert.equal(env.limits.maxBody, 65536);
    assert.equal(env.limits.maxTarget, 8192);
    assert.equal(env.limits.maxHeaderBytes, 16384);
    assert.equal(env.limits.maxHeaderCount, 100);
  });

  for (const c of selected) {
    const skip = skipReason(c);
    const modes = c.wholeOnly || c.trickleMs ? [['whole', whole]] : [['whole', whole], ['bytewise', bytewise]]; // as the socket suite
    for (const [mode, split] of modes) {
      test(`${c.name} [${mode}]`, skip ? { skip } : c.todo ? { todo: c.todo } : {}, async () => {
        const parts = await resolvePlaceholders(c, env);
        const got = await serve(env.ctx, env.limits, parts, split);
        const problems = judge(c, got, env);
        if (problems.length) assert.fail(report(c, mode, parts, got, problems));
      });
    }
  }

  describe(`random splits give the bytes of the whole run (FOURFOLD_SEED=${SEED}; ${SPLITS} splits per pipelined case, ${SPLITS_OTHER} per other case)`, () => {
    const splittable = selected.filter((c) => !skipReason(c) && !c.todo);
    test('there are pipelined cases to split', () => {
      if (!ONLY) assert.ok(splittable.filter(isPipelined).length >= 10);
    });
    for (const c of splittable) {
      const count = isPipelined(c) ? SPLITS : SPLITS_OTHER;
      if (count === 0) continue;
      test(`${c.name} [${count} splits${isPipelined(c) ? ', pipelined' : ''}]`, async () => {
        const parts = await resolvePlaceholders(c, env);
        const reference = await serve(env.ctx, env.limits, parts, whole);
        const want = normalized(c, reference.bytes);
        const seed = (SEED ^ hash(c.name)) >>> 0; // per case, so FOURFOLD_CASES does not change it
        const rand = prng(seed);
        for (let i = 0; i < count; i++) {
          const pieces = parts.map(randomSplit(rand));
          const got = await serve(env.ctx, env.limits, parts, (_, index) => pieces[index]);
          const have = normalized(c, got.bytes);
          if (have !== want || got.closed !== reference.closed) {
            const cuts = pieces.map((p) => p.map((x) => x.length).join('+')).join(' | ');
            assert.fail(
              `split #${i} (FOURFOLD_SEED=${SEED}, case seed ${seed}, piece sizes ${cuts}) differs from the whole run:\n  whole: ${show(want, 600)}${reference.closed ? ' <ended>' : ' <open>'}\n  split: ${show(have, 600)}${got.closed ? ' <ended>' : ' <open>'}`,
            );
          }
        }
      });
    }
  });

  test('no file descriptor leaked (every reply released, the app closed)', async () => {
    await closeApp();
    assert.equal(openFds(), fdsBefore);
  });
});
