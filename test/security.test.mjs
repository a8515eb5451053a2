// Defects found by probing the server as an attacker would, each with the
// regression test that failed before its fix — over real sockets, under
// every model where the defect could live. (Response splitting through a
// reason phrase, obfuscated Transfer-Encoding and 205 bodies are conformance
// cases: test/conformance/cases.mjs runs them under every model.)
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, CLI, ROOT } from './helpers/server.mjs';
import { configurations, words } from './helpers/models.mjs';

const SITE = path.join(ROOT, 'test/fixtures/site');
const HOSTILE = path.join(ROOT, 'test/fixtures/apps/hostile-app.mjs');
const ECHO = path.join(ROOT, 'test/fixtures/apps/echo-app.mjs');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Every configuration (or FOURFOLD_MODELS's); the pools with two workers, so that
// a held worker shows.
const ALL_MODELS = configurations()
  .map(words)
  .map(([model, ...rest]) => ((model === 'prefork' || model === 'threadpool') && rest.length === 0 ? [model, '--workers', '2'] : [model, ...rest]));
const modelArgs = ([model, ...rest]) => ['--model', model, ...rest];

/**
 * A raw connection: write parts (strings, or numbers = pause ms), collect
 * everything until the server closes or `untilMs` passes.
 */
function converse(port, parts, { untilMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const sock = net.connect({ host: '127.0.0.1', port });
    const chunks = [];
    let closedAt = null;
    const done = () => {
      clearTimeout(cap);
      sock.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: closedAt !== null, elapsed: (closedAt ?? Date.now()) - started });
    };
    const cap = setTimeout(done, untilMs);
    sock.on('data', (d) => chunks.push(d));
    sock.on('end', () => {
      closedAt ??= Date.now();
      setImmediate(done);
    });
    sock.on('error', (e) => {
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') {
        closedAt ??= Date.now();
        setImmediate(done);
      } else reject(e);
    });
    sock.on('connect', async () => {
      for (const p of parts) {
        if (typeof p === 'number') await sleep(p);
        else if (!sock.destroyed) sock.write(Buffer.from(p, 'latin1'));
      }
    });
  });
}

const statuses = (text) => [...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));
const GET = (target) => `GET ${target} HTTP/1.1\r\nHost: a\r\n\r\n`;

// ── 1. One clock, whatever is buffered ─────────────────────────────────────
describe('header timeout: exactly one clock runs between and during requests, whatever is buffered', { concurrency: 2 }, () => {
  for (const m of ALL_MODELS) {
    test(`${m.join(' ')}`, async () => {
      const s = await startServer([SITE, ...modelArgs(m), '--app', ECHO, '--header-timeout', '1', '--idle-timeout', '1']);
      try {
        // A response, then one stray byte of a next request that never completes: 408 at the header timeout.
        const stray = await converse(s.port, [GET('/hello.txt') + 'G']);
        assert.deepEqual(statuses(stray.text), [200, 408], stray.text);
        assert.ok(stray.closed && stray.elapsed >= 800 && stray.elapsed < 3500, `closed after ${stray.elapsed} ms`);

        // The leftover is a complete head whose body never comes.
        const bodyless = await converse(s.port, [GET('/hello.txt') + 'POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n']);
        assert.deepEqual(statuses(bodyless.text), [200, 408], bodyless.text);
        assert.ok(bodyless.closed && bodyless.elapsed < 3500, `closed after ${bodyless.elapsed} ms`);

        // A legitimate pipelined request split across two packets 50 ms apart is served, not timed out.
        // (Until the idle timeout closes it: a process model's child may take a while to start.)
        const split = await converse(s.port, [GET('/hello.txt') + 'GET /hel', 50, 'lo.txt HTTP/1.1\r\nHost: a\r\n\r\n'], { untilMs: 4000 });
        assert.deepEqual(statuses(split.text), [200, 200], split.text);

        // The body's clock starts when its head is complete: a head that took most of
        // the header timeout, then a client that waits for our 100 before it sends
        // the body, is served (1.2 s from the first byte; neither part took 1 s).
        const late = await converse(s.port, ['POST /echo HTTP/1.1\r\n', 300, 'Host: a\r\nContent-Length: 5\r\n', 300, 'Expect: 100-continue\r\n\r\n', 600, 'hello'], { untilMs: 4000 });
        assert.deepEqual(statuses(late.text), [100, 200], late.text);
      } finally {
        await s.stop();
      }
    });
  }
});

test('300 connections left mid-request under a descriptor limit: a normal client is served, all 300 are closed by the header timeout', async () => {
  const proc = spawn('prlimit', ['--nofile=256:256', process.execPath, CLI, 'serve', SITE, '--port', '0', '--log', 'off', '--header-timeout', '1', '--idle-timeout', '1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  try {
    for (let i = 0; i < 100 && !/listening on http:\/\/127\.0\.0\.1:(\d+)/.test(out); i++) await sleep(50);
    const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)[1]);
    const held = Array.from({ length: 300 }, () => converse(port, [GET('/hello.txt') + 'G'], { untilMs: 8000 }));
    await sleep(300);
    let served = false;
    for (let i = 0; i < 40 && !served; i++) {
      const r = await converse(port, ['GET /hello.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'], { untilMs: 2000 });
      served = statuses(r.text)[0] === 200 && r.text.endsWith('Hello, fixture!\n');
      if (!served) await sleep(100);
    }
    assert.ok(served, 'a normal client was never served');
    const results = await Promise.all(held);
    assert.equal(results.filter((r) => r.closed).length, 300, 'every held connection is closed by the server');
    assert.ok(results.every((r) => r.elapsed < 7000));
    assert.equal(proc.exitCode, null, `the server died: ${out}`);
  } finally {
    proc.kill('SIGKILL');
  }
});

// ── 2. Request bodies cost what they weigh ────────────────────────────────
function rssOf(pid) {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
}

describe('request bodies', () => {
  test('two million 1-byte chunks: one body buffer, not millions (RSS grows by far less than 100 MB)', async () => {
    const s = await startServer([SITE, '--app', HOSTILE, '--max-body', '32mb']);
    try {
      const before = rssOf(s.proc.pid);
      const chunks = Buffer.from('1\r\na\r\n'.repeat(2_000_000) + '0\r\n\r\n', 'latin1');
      const r = await converse(s.port, ['POST /body-length HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n', chunks.toString('latin1')], { untilMs: 30000 });
      assert.equal(statuses(r.text)[0], 200, r.text.slice(0, 200));
      assert.ok(r.text.endsWith('\r\n\r\n2000000\n'), r.text.slice(-100));
      const grown = rssOf(s.proc.pid) - before;
      assert.ok(grown < 100 * 1024 * 1024, `RSS grew by ${(grown / 1048576).toFixed(0)} MB`);
    } finally {
      await s.stop();
    }
  });

  test('chunk framing counts against --max-body: a million 1-byte chunks (6 MB on the wire) exceed --max-body 2mb', async () => {
    const s = await startServer([SITE, '--app', HOSTILE, '--max-body', '2mb']);
    try {
      const r = await converse(s.port, ['POST /body-length HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n', '1\r\na\r\n'.repeat(1_000_000)], { untilMs: 20000 });
      assert.deepEqual(statuses(r.text), [413]);
    } finally {
      await s.stop();
    }
  });

  test('40 bodies of 10 MB to a static file (405) are discarded as they arrive, not stored', async () => {
    const s = await startServer([SITE, '--max-body', '16mb']);
    try {
      const before = rssOf(s.proc.pid);
      const body = 'x'.repeat(10 * 1024 * 1024);
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, rssOf(s.proc.pid))), 20);
      const results = await Promise.all(
        Array.from({ length: 40 }, () => converse(s.port, [`POST /hello.txt HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`, body], { untilMs: 30000 })),
      );
      clearInterval(sampler);
      assert.ok(results.every((r) => statuses(r.text)[0] === 405), results.map((r) => r.text.slice(0, 40)).join('|'));
      const grown = peak - before;
      assert.ok(grown < 120 * 1024 * 1024, `RSS peaked ${(grown / 1048576).toFixed(0)} MB above the start`);
    } finally {
      await s.stop();
    }
  });

  test('--max-body-memory: a body beyond what all bodies may hold gets 503; the others are served', async () => {
    const s = await startServer([SITE, '--app', HOSTILE, '--max-body', '8mb', '--max-body-memory', '8mb']);
    try {
      const head = (n) => `POST /body-length HTTP/1.1\r\nHost: a\r\nContent-Length: ${n}\r\nConnection: close\r\n\r\n`;
      const size = 3 * 1024 * 1024;
      // Two bodies of 3 MB are under way (their heads reserved 6 MB); a third does not fit.
      const first = converse(s.port, [head(size), 500, 'a'.repeat(size)], { untilMs: 10000 });
      const second = converse(s.port, [head(size), 500, 'b'.repeat(size)], { untilMs: 10000 });
      await sleep(200);
      const third = await converse(s.port, [head(size), 'c'.repeat(size)], { untilMs: 5000 });
      assert.deepEqual(statuses(third.text), [503], third.text.slice(0, 200));
      for (const r of await Promise.all([first, second])) assert.ok(r.text.endsWith(`\r\n\r\n${size}\n`), r.text.slice(0, 200));
      // Memory came back: the same body fits again.
      const again = await converse(s.port, [head(size), 'd'.repeat(size)], { untilMs: 10000 });
      assert.ok(again.text.endsWith(`\r\n\r\n${size}\n`), again.text.slice(0, 200));
    } finally {
      await s.stop();
    }
  });

  test('the default --max-body is 1 MiB (as nginx)', async () => {
    const s = await startServer([SITE, '--app', HOSTILE]);
    try {
      const over = await converse(s.port, [`POST /body-length HTTP/1.1\r\nHost: a\r\nContent-Length: ${1024 * 1024 + 1}\r\n\r\n`]);
      assert.deepEqual(statuses(over.text), [413]);
      const at = await converse(s.port, [`POST /body-length HTTP/1.1\r\nHost: a\r\nContent-Length: ${1024 * 1024}\r\nConnection: close\r\n\r\n`, 'z'.repeat(1024 * 1024)]);
      assert.ok(at.text.endsWith(`\r\n\r\n${1024 * 1024}\n`));
    } finally {
      await s.stop();
    }
  });
});

// ── 4. A handler bug cannot stop the service ──────────────────────────────
describe('a handler bug cannot stop the service', () => {
  for (const m of [['iterative'], ['event-loop'], ['event-loop', '--workers', '2'], ['prefork', '--workers', '2'], ['threadpool', '--workers', '2']]) {
    test(`${m.join(' ')}: a dropped rejection and a throw in a timer are logged, and the server goes on`, async () => {
      const s = await startServer([SITE, ...modelArgs(m), '--app', HOSTILE]);
      // One connection per request: a blocking model serves one at a time.
      const get = (p) => fetch(`${s.url}${p}`, { headers: { connection: 'close' } });
      try {
        for (const p of ['/dropped-rejection', '/timer-throw', '/dropped-rejection', '/timer-throw']) {
          assert.equal((await get(p)).status, 200);
        }
        // A blocking model reports them when its thread next gives Node a turn (at the latest after the 1 s accept wake-up).
        for (let i = 0; i < 60 && !/thrown from a timer[^]*thrown from a timer/.test(s.output().stderr); i++) await sleep(50);
        for (let i = 0; i < 4; i++) assert.equal(await (await get('/hello.txt')).text(), 'Hello, fixture!\n');
        const { stderr } = s.output();
        assert.match(stderr, /a rejection nobody handles/);
        assert.match(stderr, /thrown from a timer/);
        assert.doesNotMatch(stderr, /died with/);
      } finally {
        await s.stop();
      }
    });
  }

  test('a supervisor whose workers keep dying gives up and exits non-zero, saying why', async () => {
    // Three workers killed at once, round after round: more than 10 deaths in 10 s even when a
    // loaded machine takes a second or two to start each replacement (one worker at a time, it may not).
    const s = await startServer([SITE, '--model', 'prefork', '--workers', '3', '--app', HOSTILE]);
    const deadline = Date.now() + 60_000;
    while (s.proc.exitCode === null && Date.now() < deadline) {
      await Promise.all([1, 2, 3].map(() => fetch(`${s.url}/exit`, { signal: AbortSignal.timeout(5000) }).catch(() => {})));
      await sleep(100);
    }
    const { code } = await Promise.race([s.exited, sleep(5000).then(() => ({ code: 'still running 60 s on' }))]);
    assert.equal(code, 1);
    assert.match(s.output().stderr, /dying too fast.*giving up/);
  });

  test('iterative: a handler promise that never settles gets a 503 at --handler-timeout; the server does not drain away', async () => {
    const s = await startServer([SITE, '--model', 'iterative', '--app', HOSTILE, '--handler-timeout', '1']);
    try {
      const t0 = Date.now();
      const r = await fetch(`${s.url}/never`);
      assert.equal(r.status, 503);
      assert.ok(Date.now() - t0 >= 900);
      assert.equal(await (await fetch(`${s.url}/hello.txt`)).text(), 'Hello, fixture!\n');
      assert.equal(s.proc.exitCode, null);
    } finally {
      await s.stop();
    }
  });

  test('notices to a stderr nobody reads any more do not kill the server', async () => {
    const s = await startServer([SITE, '--app', HOSTILE]);
    try {
      s.proc.stderr.destroy(); // the reader of stderr is gone: the next notice meets EPIPE
      await sleep(100);
      for (let i = 0; i < 3; i++) await fetch(`${s.url}/timer-throw`);
      await sleep(200);
      assert.equal(await (await fetch(`${s.url}/hello.txt`)).text(), 'Hello, fixture!\n');
    } finally {
      await s.stop();
    }
  });
});

// ── 6. Handler timeout, and clients that leave ────────────────────────────
function closeWaitCount(port) {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  let n = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 3 && f[1].endsWith(`:${hex}`) && f[3] === '08') n++; // 08 = CLOSE_WAIT
    }
  }
  return n;
}

describe('handler timeout and clients that leave', () => {
  for (const m of [['event-loop'], ['threadpool', '--workers', '2']]) {
    test(`${m.join(' ')}: a handler that never answers gets 503; a stream that stalls is cut`, async () => {
      const s = await startServer([SITE, ...modelArgs(m), '--app', HOSTILE, '--handler-timeout', '1']);
      try {
        const r = await converse(s.port, [GET('/never')], { untilMs: 4000 });
        assert.deepEqual(statuses(r.text), [503]);
        assert.ok(r.closed && r.elapsed >= 900 && r.elapsed < 3000, `${r.elapsed} ms`);
        const stalled = await converse(s.port, [GET('/stream-stall')], { untilMs: 4000 });
        assert.deepEqual(statuses(stalled.text), [200]);
        assert.match(stalled.text, /first\n/);
        assert.ok(stalled.closed && stalled.elapsed < 3000, `${stalled.elapsed} ms`);
      } finally {
        await s.stop();
      }
    });
  }

  test('event-loop: clients that send FIN while the handler runs abort its request.signal; no socket is left in CLOSE_WAIT', async () => {
    const s = await startServer([SITE, '--app', HOSTILE, '--handler-timeout', '5']);
    try {
      const socks = await Promise.all(
        Array.from({ length: 50 }, () => new Promise((resolve) => {
          const sock = net.connect({ host: '127.0.0.1', port: s.port }, () => {
            sock.end(GET('/abort-watch')); // request, then FIN
            resolve(sock);
          });
          sock.on('error', () => {});
        })),
      );
      await sleep(1000);
      assert.equal(await (await fetch(`${s.url}/aborted`)).text(), '50\n');
      assert.equal(closeWaitCount(s.port), 0);
      socks.forEach((x) => x.destroy());
    } finally {
      await s.stop();
    }
  });
});

// ── 7. The access log loses nothing ───────────────────────────────────────
describe('access log', () => {
  for (const m of [['event-loop'], ['prefork', '--workers', '2']]) {
    test(`${m.join(' ')}: with a slow reader, all 2,000 lines arrive, whole (more than a pipe holds)`, async () => {
      const proc = spawn(process.execPath, [CLI, 'serve', SITE, ...modelArgs(m), '--port', '0', '--log', 'combined'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      proc.stderr.on('data', (d) => (err += d));
      const port = await new Promise((resolve, reject) => {
        proc.stderr.on('data', () => {
          const mm = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
          if (mm) resolve(Number(mm[1]));
        });
        proc.stdout.once('data', (d) => {
          const mm = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(String(d));
          if (mm) resolve(Number(mm[1]));
        });
        proc.on('exit', () => reject(new Error(err)));
      });
      try {
        proc.stdout.pause(); // the reader falls behind: the pipe fills up
        let text = '';
        proc.stdout.on('data', (d) => (text += d));
        proc.stdout.pause();
        // Two clients, each on its own keep-alive connection (a pool of 2 serves both at once).
        const agent = Array.from({ length: 2 }, async () => {
          for (let i = 0; i < 1000; i++) await (await fetch(`http://127.0.0.1:${port}/hello.txt`)).arrayBuffer();
        });
        await Promise.all(agent);
        await sleep(300);
        proc.stdout.resume();
        for (let i = 0; i < 100 && text.split('\n').filter((l) => l.includes('"GET /hello.txt HTTP/1.1" 200')).length < 2000; i++) await sleep(50);
        const lines = text.split('\n').filter((l) => l.includes('/hello.txt'));
        assert.equal(lines.length, 2000, `got ${lines.length} lines`);
        for (const l of lines) assert.match(l, /^127\.0\.0\.1 - - \[[^\]]+\] "GET \/hello\.txt HTTP\/1\.1" 200 16 "-" "[^"]*"( \d+)?$/);
      } finally {
        proc.kill('SIGKILL');
      }
    });
  }
});

// ── 8. Files and ranges past 4 GiB ────────────────────────────────────────
describe('files of 4 GiB and more', () => {
  for (const m of [['event-loop'], ['iterative']]) {
    test(`${m.join(' ')}: a 5 GiB (sparse) file is announced right and a range past 4 GiB is sent exactly`, async (t) => {
      const { mkdtempSync, openSync, ftruncateSync, writeSync, closeSync, rmSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const dir = mkdtempSync(path.join(tmpdir(), 'fourfold-big-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const fd = openSync(path.join(dir, 'big.bin'), 'w');
      const size = 5 * 1024 ** 3;
      ftruncateSync(fd, size); // sparse: no disk used
      const at = 4 * 1024 ** 3 + 7; // just past the 32-bit boundary
      writeSync(fd, Buffer.from('past four gigabytes'), 0, 19, at);
      closeSync(fd);
      const s = await startServer([dir, ...modelArgs(m)]);
      try {
        const head = await converse(s.port, ['HEAD /big.bin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n']);
        assert.match(head.text, new RegExp(`^HTTP/1\\.1 200 OK\\r\\n[^]*Content-Length: ${size}\\r\\n`));
        const range = await converse(s.port, [`GET /big.bin HTTP/1.1\r\nHost: a\r\nRange: bytes=${at}-${at + 18}\r\nConnection: close\r\n\r\n`]);
        assert.match(range.text, new RegExp(`^HTTP/1\\.1 206 Partial Content\\r\\n[^]*Content-Range: bytes ${at}-${at + 18}/${size}\\r\\n`));
        assert.ok(range.text.endsWith('\r\n\r\npast four gigabytes'), range.text.slice(-60));
        // A range that spans the boundary: its first and last bytes are where they should be.
        const across = await converse(s.port, [`GET /big.bin HTTP/1.1\r\nHost: a\r\nRange: bytes=${at - 3}-${at + 3}\r\nConnection: close\r\n\r\n`]);
        assert.ok(across.text.endsWith('\r\n\r\n\0\0\0past'), JSON.stringify(across.text.slice(-20)));
      } finally {
        await s.stop();
      }
    });
  }
});
