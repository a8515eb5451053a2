// Slow and stalled clients under every model: each one is closed by its
// timeout — with a 408 while a response can still be sent, without one once
// a response has begun — and meanwhile a normal client is served. Where a
// model cannot serve it meanwhile (iterative; a pool whose workers are all
// held), the normal client is served once a timeout frees a worker: later,
// never not at all.
//
//   FOURFOLD_MODELS="iterative,prefork,threadpool,event-loop --poller poll"   (see helpers/models.mjs)
//
// Two configurations run side by side; within one, the scenarios run at
// once on their own connections (one after the other where the model serves
// one connection at a time). The machine may be loaded: every bound on time
// is the timeout plus seconds, never an exact figure.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, ROOT } from './helpers/server.mjs';
import { MODELS, modelArgs, servesAtOnce, startsPerConnection } from './helpers/models.mjs';

// --header-timeout, for a head and a stalled body: long enough that "served meanwhile" is told apart
// from "served once it fired" — longer where every connection first starts a worker of its own
// (a thread takes ~0.3 s to start here, and only 4 start at once: the 7th client waits for two rounds).
const HEADER_MS = 2000;
const HEADER_MS_PER_CONNECTION = 3000;
const IDLE_MS = 1000; // --idle-timeout
const SEND_MS = 1000; // --send-timeout
const SLACK_MS = 3000; // how much later than its timeout a connection may be closed on a loaded machine
const START_SLACK_MS = 3000; // process, thread: a connection's clock starts once its new worker runs
const EARLY_MS = 250; // how much earlier than the client's own clock says a timer may fire (it started on accept)
const TRICKLE_MS = 300; // slowloris: one byte every this long

const BIG_SIZE = 8 * 1024 * 1024; // the slow reader's file …
const BIG_REQUESTS = 6; // … asked for this many times: far more than the socket buffers on both sides hold
const HELLO = 'Hello from the fixture, to a normal client.\n';
const ECHO_APP = path.join(ROOT, 'test/fixtures/apps/echo-app.mjs');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const statuses = (text) => [...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));
const GET_HELLO = 'GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n';
/** A head that never ends: one more header byte at a time. */
const SLOWLORIS = 'GET /hello.txt HTTP/1.1\r\nHost: a\r\nX-Slow: ' + 'a'.repeat(10_000);

let site;
before(() => {
  site = mkdtempSync(path.join(tmpdir(), 'fourfold-slow-clients-'));
  writeFileSync(path.join(site, 'hello.txt'), HELLO);
  writeFileSync(path.join(site, 'big.bin'), Buffer.alloc(BIG_SIZE, 'x'));
});
after(() => rmSync(site, { recursive: true, force: true }));

// ── A client connection ─────────────────────────────────────────────────────

/** A raw connection that keeps what it receives and when the server closed it. */
class Client {
  chunks = [];
  connectedAt = null;
  closedAt = null;

  constructor(port, { reading = true } = {}) {
    const sock = (this.sock = net.connect({ host: '127.0.0.1', port }));
    sock.setNoDelay(true);
    if (!reading) sock.pause(); // read nothing: what the server sends stays in the kernel's buffers
    else this.read();
    this.connected = new Promise((resolve, reject) => {
      sock.once('connect', () => resolve((this.connectedAt = Date.now())));
      sock.once('error', reject);
    });
    this.connected.catch(() => {});
    this.closed = new Promise((resolve) => {
      const gone = () => {
        if (this.closedAt === null) this.closedAt = Date.now();
        setImmediate(() => sock.destroy()); // (let data already read land first)
        resolve(this.closedAt);
      };
      sock.on('end', gone); // FIN: the server closed
      sock.on('close', gone);
      sock.on('error', gone); // ECONNRESET: closed too
    });
  }

  read() {
    this.sock.on('data', (d) => this.chunks.push(d));
    this.sock.resume();
  }

  get bytes() {
    return Buffer.concat(this.chunks);
  }

  get text() {
    return this.bytes.toString('latin1');
  }

  write(s) {
    if (this.closedAt === null && !this.sock.destroyed) this.sock.write(Buffer.from(s, 'latin1'));
  }

  /** Write one byte every `everyMs` until the text is out or the server closes. */
  async trickle(s, everyMs) {
    for (let i = 0; i < s.length && this.closedAt === null; i++) {
      this.write(s[i]);
      await sleep(everyMs);
    }
  }

  /** Resolves true once the server has closed, false when `ms` pass first. */
  async closedWithin(ms) {
    let timer;
    const late = new Promise((resolve) => (timer = setTimeout(() => resolve(this.closedAt !== null), ms)));
    const closed = await Promise.race([this.closed.then(() => true), late]);
    clearTimeout(timer); // (a pending timer would keep the run alive after the last test)
    return closed;
  }

  destroy() {
    this.sock.destroy();
  }
}

/** Poll `check` every `everyMs` until it holds (true) or `ms` pass (false). */
async function until(check, ms, everyMs = 20) {
  const end = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() >= end) return false;
    await sleep(everyMs);
  }
}

/**
 * The kernel's view of one TCP connection on the loopback, from /proc/net/tcp
 * (Linux): its state (01 = ESTABLISHED) and the bytes waiting in its receive
 * queue; null when there is no such socket (any more).
 */
function tcpSocket(localPort, remotePort) {
  const hex = (p) => ':' + p.toString(16).toUpperCase().padStart(4, '0');
  const local = hex(localPort);
  const remote = hex(remotePort);
  for (const line of readFileSync('/proc/net/tcp', 'latin1').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length > 4 && f[1].endsWith(local) && f[2].endsWith(remote)) return { state: f[3], rxQueue: parseInt(f[4].split(':')[1], 16) };
  }
  return null;
}

/** `ms` lies in [lo, hi]. */
function between(what, ms, lo, hi) {
  assert.ok(ms >= lo && ms <= hi, `${what} after ${ms} ms; expected ${lo}–${hi} ms`);
}

const show = (c) => JSON.stringify(c.text.length > 300 ? c.text.slice(0, 300) + '…' : c.text);

// ── The scenarios ───────────────────────────────────────────────────────────
// Each gets { port, headerMs, startSlack, shared } and asserts what its client saw.

const SCENARIOS = [
  {
    name: 'slowloris (a head trickled a byte at a time, never finished) gets 408 at the header timeout',
    async run(ctx) {
      const c = new Client(ctx.port);
      ctx.shared.slowloris = c;
      try {
        await c.connected;
        void c.trickle(SLOWLORIS, TRICKLE_MS);
        const limit = ctx.headerMs + SLACK_MS + ctx.startSlack;
        assert.ok(await c.closedWithin(limit), `still open after ${limit} ms, having sent ${Math.round(limit / TRICKLE_MS)} bytes of its head`);
        assert.deepEqual(statuses(c.text), [408], show(c));
        between('closed', c.closedAt - c.connectedAt, ctx.headerMs - EARLY_MS, limit);
      } finally {
        c.destroy();
      }
    },
  },
  {
    name: 'a client that waits most of the header timeout before it starts its head gets no second one: 408 counted from its connection',
    async run(ctx) {
      const c = new Client(ctx.port);
      try {
        await c.connected;
        const wait = ctx.headerMs - 200;
        await sleep(wait);
        const firstByteAt = Date.now();
        void c.trickle(SLOWLORIS, TRICKLE_MS);
        const limit = ctx.headerMs + SLACK_MS + ctx.startSlack;
        assert.ok(await c.closedWithin(limit), `still open ${wait + limit} ms after it connected`);
        assert.deepEqual(statuses(c.text), [408], show(c));
        between('closed', c.closedAt - c.connectedAt, ctx.headerMs - EARLY_MS, wait + limit);
        // A new connection's wait for its first byte and its head share one header timeout. (The
        // clock of a process or thread per connection starts with its worker: no tight bound there.)
        if (ctx.startSlack === 0) {
          assert.ok(c.closedAt - firstByteAt < ctx.headerMs - 100, `closed ${c.closedAt - firstByteAt} ms after its first byte: its head got a header timeout of its own on top of the ${wait} ms it waited`);
        }
      } finally {
        c.destroy();
      }
    },
  },
  {
    name: 'a connection that never sends a byte is closed at the header timeout, without a response',
    async run(ctx) {
      const c = new Client(ctx.port);
      try {
        await c.connected;
        const limit = ctx.headerMs + SLACK_MS + ctx.startSlack;
        assert.ok(await c.closedWithin(limit), `still open after ${limit} ms`);
        assert.equal(c.text, '', 'nothing is answered to a client that asked nothing');
        between('closed', c.closedAt - c.connectedAt, ctx.headerMs - EARLY_MS, limit);
      } finally {
        c.destroy();
      }
    },
  },
  {
    name: 'a body that trickles, then stalls, gets 408 a header timeout after its last byte',
    async run(ctx) {
      const c = new Client(ctx.port);
      try {
        await c.connected;
        c.write('POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n');
        await c.trickle('body!', 150); // it keeps moving for 0.75 s …
        const lastByteAt = Date.now(); // … and then stops
        const limit = ctx.headerMs + SLACK_MS + ctx.startSlack;
        assert.ok(await c.closedWithin(limit), `still open ${limit} ms after the last byte of its body`);
        assert.deepEqual(statuses(c.text), [408], show(c));
        between('closed (since the last body byte)', c.closedAt - lastByteAt, ctx.headerMs - EARLY_MS, limit);
      } finally {
        c.destroy();
      }
    },
  },
  {
    name: 'a request followed by half of the next one: 200, then 408 at the header timeout',
    async run(ctx) {
      const c = new Client(ctx.port);
      try {
        await c.connected;
        c.write(GET_HELLO + 'GET /hello.txt HTTP/1.1\r\nHo');
        assert.ok(await until(() => c.text.includes(HELLO), 5000 + ctx.startSlack), `the complete request was not answered: ${show(c)}`);
        const answeredAt = Date.now();
        const limit = ctx.headerMs + SLACK_MS;
        assert.ok(await c.closedWithin(limit), `still open ${limit} ms after the first answer`);
        assert.deepEqual(statuses(c.text), [200, 408], show(c));
        between('closed (since the first answer)', c.closedAt - answeredAt, ctx.headerMs - EARLY_MS, limit);
      } finally {
        c.destroy();
      }
    },
  },
  {
    name: `a slow reader (${BIG_REQUESTS} pipelined requests for ${BIG_SIZE >> 20} MiB, nothing read) is cut at the send timeout, without a 408`,
    async run(ctx) {
      const c = new Client(ctx.port, { reading: false });
      try {
        await c.connected;
        const here = c.sock.localPort;
        c.write(`GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n`.repeat(BIG_REQUESTS));
        // The response begins: its first bytes wait, unread, in our receive queue.
        const begun = await until(() => (tcpSocket(here, ctx.port)?.rxQueue ?? 0) > 0, 5000 + ctx.startSlack);
        assert.ok(begun, 'no response began');
        const begunAt = Date.now();
        // The server's end of the connection leaves ESTABLISHED when the server closes it,
        // though its FIN waits behind the bytes nobody reads.
        const limit = SEND_MS + SLACK_MS;
        const cut = await until(() => tcpSocket(ctx.port, here)?.state !== '01', limit, 50);
        assert.ok(cut, `the server still sends (or waits to) ${limit} ms after the response began`);
        between('the server closed its end', Date.now() - begunAt, SEND_MS - EARLY_MS, limit);
        // Now read what it did send: the beginning of the responses, cut short, and no 408 after it.
        c.read();
        assert.ok(await c.closedWithin(10_000), 'after the buffered bytes, the connection ends');
        const got = c.bytes;
        assert.equal(got.subarray(0, 12).toString('latin1'), 'HTTP/1.1 200', 'the first response had begun');
        assert.ok(got.length < BIG_REQUESTS * BIG_SIZE, `cut short (${got.length} bytes arrived)`);
        assert.ok(!got.includes('HTTP/1.1 408'), 'no 408 once a response is partly sent');
      } finally {
        c.destroy();
      }
    },
  },
];

/** While the slow ones are at it: a normal client is served at once, then its idle keep-alive connection is closed quietly. */
async function normalMeanwhile(ctx) {
  assert.ok(await until(() => ctx.shared.slowloris?.connectedAt != null, 10_000), 'the slowloris connection never connected');
  await sleep(400); // the slow clients are under way
  const loris = ctx.shared.slowloris;
  const c = new Client(ctx.port);
  try {
    const sentAt = await c.connected;
    c.write(GET_HELLO);
    const served = await until(() => c.text.includes(HELLO), ctx.headerMs + SLACK_MS + ctx.startSlack);
    const servedAt = Date.now();
    assert.ok(served, `not served: ${show(c)}`);
    assert.deepEqual(statuses(c.text), [200]);
    assert.ok(
      loris.closedAt === null || loris.closedAt > servedAt,
      `served ${servedAt - sentAt} ms after asking, only once the header timeout had closed the slowloris connection: the slow clients held it up`,
    );
    const answer = c.text;
    const limit = IDLE_MS + SLACK_MS;
    assert.ok(await c.closedWithin(limit), `its idle keep-alive connection is still open ${limit} ms after the answer`);
    assert.equal(c.text, answer, 'an idle connection is closed without a response');
    between('the idle connection closed', c.closedAt - servedAt, IDLE_MS - EARLY_MS, limit);
  } finally {
    c.destroy();
  }
}

/** Every worker held by a slowloris: the normal client waits for the first header timeout, and is served then. */
async function normalAfterHeld(ctx, workers) {
  const lorises = Array.from({ length: workers }, () => new Client(ctx.port));
  try {
    await Promise.all(lorises.map((l) => l.connected));
    for (const l of lorises) void l.trickle(SLOWLORIS, TRICKLE_MS);
    await sleep(300); // each has a worker now, or waits for one
    const c = new Client(ctx.port);
    try {
      const sentAt = await c.connected;
      c.write('GET /hello.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
      const limit = ctx.headerMs + SLACK_MS + ctx.startSlack;
      const served = await until(() => c.text.includes(HELLO), limit);
      const servedAt = Date.now();
      assert.ok(served, `a normal client was not served within ${limit} ms, though a header timeout frees a worker: ${show(c)}`);
      assert.deepEqual(statuses(c.text), [200]);
      const freed = Math.min(...lorises.map((l) => l.closedAt ?? Infinity));
      assert.ok(freed <= servedAt, `served after ${servedAt - sentAt} ms while all ${workers} workers were still held: the model serves more at once than it says`);
      const heldFrom = Math.min(...lorises.map((l) => l.connectedAt));
      between('served (counted from the first slowloris)', servedAt - heldFrom, ctx.headerMs - EARLY_MS, limit + 1000);
    } finally {
      c.destroy();
    }
    const limit = ctx.headerMs + SLACK_MS + ctx.startSlack;
    await Promise.all(lorises.map((l) => l.closedWithin(limit)));
    for (const l of lorises) {
      assert.ok(l.closedAt !== null, `a slowloris connection is still open after ${limit} ms`);
      assert.deepEqual(statuses(l.text), [408], show(l));
    }
  } finally {
    for (const l of lorises) l.destroy();
  }
}

/** At most `n` of the functions given run at once. */
function lanes(n) {
  let busy = 0;
  const waiting = [];
  return async (fn) => {
    while (busy >= n) await new Promise((r) => waiting.push(r));
    busy++;
    try {
      return await fn();
    } finally {
      busy--;
      waiting.shift()?.();
    }
  };
}

function assertAlive(server) {
  const p = server.proc;
  assert.ok(p.exitCode === null && p.signalCode === null, `the server died (exit ${p.exitCode}, signal ${p.signalCode})\nstderr: ${server.output().stderr.slice(-2000)}`);
}

// ── The suite ────────────────────────────────────────────────────────────────

describe('slow and stalled clients', { concurrency: 2 }, () => {
  for (const config of MODELS) {
    test(config, { concurrency: true, timeout: 120_000 }, async (t) => {
      const perConnection = startsPerConnection(config);
      const headerMs = perConnection ? HEADER_MS_PER_CONNECTION : HEADER_MS;
      const server = await startServer([
        site,
        ...modelArgs(config),
        '--app', ECHO_APP,
        '--header-timeout', `${headerMs}ms`,
        '--idle-timeout', `${IDLE_MS}ms`,
        '--send-timeout', `${SEND_MS}ms`,
      ]);
      t.after(() => server.stop());
      const ctx = { port: server.port, headerMs, startSlack: perConnection ? START_SLACK_MS : 0, shared: {} };
      const atOnce = servesAtOnce(config);

      // The slow clients, at once where the model serves several connections at once
      // (leaving a worker for the normal client), else one after the other.
      const lane = lanes(Math.max(1, Math.min(SCENARIOS.length, atOnce - 1)));
      const runs = SCENARIOS.map((s) => t.test(s.name, () => lane(() => s.run(ctx))));
      if (atOnce > 1) runs.push(t.test('meanwhile a normal client is served at once; its idle keep-alive connection is then closed without a response', () => normalMeanwhile(ctx)));
      await Promise.all(runs);
      assertAlive(server);

      if (Number.isFinite(atOnce)) {
        await t.test(
          `${atOnce === 1 ? 'its one connection at a time' : `all ${atOnce} workers`} held by slowloris: a normal client is served once the header timeout frees one, not before`,
          () => normalAfterHeld(ctx, atOnce),
        );
        assertAlive(server);
      }
    });
  }
});
