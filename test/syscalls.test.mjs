// The system calls one exchange costs, counted by the sys layer itself
// (every call through sys/ increments its counter), so that a regression —
// an extra setsockopt, a getpeername, a lingering close that was not needed —
// fails here, in CI, not in a benchmark.
//
// The server runs in this process (serve() with an in-process model), the
// clients are node:net sockets, which go through libuv and are not counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from '../dist/index.js';
import { SYSCALLS, syscallCounts } from '../dist/sys/index.js';

const hello = { status: 200, headers: ['Content-Type', 'text/plain'], body: 'Hello, World!' };
const app = { handle: () => hello };

function exchange(port, request) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port }, () => sock.write(request));
    const chunks = [];
    sock.on('data', (d) => chunks.push(d));
    sock.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    sock.on('error', reject);
  });
}

/**
 * `n` exchanges from a client in another process: a blocking model keeps
 * this process's event loop waiting in accept()/recv(), so a client on it
 * would only get to write when a timeout gives it a turn.
 */
function clientProcess(port, n, request) {
  const script = `
    const net = require('node:net');
    let left = ${n};
    const one = () => {
      const s = net.connect(${port}, '127.0.0.1', () => s.write(${JSON.stringify(request)}));
      let got = '';
      s.on('data', (d) => (got += d));
      s.on('end', () => { if (!got.endsWith('Hello, World!')) process.exit(1); if (--left > 0) one(); });
      s.on('error', () => process.exit(2));
    };
    one();`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`client exited with ${code}`))));
  });
}

/** Calls made while `work` ran, by name, per exchange (epoll_wait is the loop's: reported, not asserted). */
async function countDuring(n, work, repeat = true) {
  const before = Float64Array.from(syscallCounts());
  if (repeat) for (let i = 0; i < n; i++) await work();
  else await work();
  await new Promise((r) => setTimeout(r, 50)); // the server finishes its side (close) before we look
  const after = syscallCounts();
  const per = {};
  SYSCALLS.forEach((name, i) => {
    const d = after[i] - before[i];
    if (d > 0) per[name] = d / n;
  });
  return per;
}

const CLOSE_REQUEST = 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n';
const N = 40;

for (const model of ['event-loop', 'iterative']) {
  test(`${model}: one Connection: close exchange costs accept, recv, send, close (and, in the loop, at most one epoll_ctl)`, async (t) => {
    const server = await serve({ app, model, port: 0, log: 'off', quiet: true });
    t.after(() => server.close());
    await clientProcess(server.port, 1, CLOSE_REQUEST); // warm-up
    const per = await countDuring(N, () => clientProcess(server.port, N, CLOSE_REQUEST), false);
    const { epoll_wait: waits = 0, poll: polls = 0, ...exact } = per;
    // A blocking accept() wakes up once a second to give Node a turn: now and then one comes back empty.
    assert.ok(exact.accept4 >= 1 && exact.accept4 < 1.25, `accept4 ${exact.accept4} per exchange`);
    const calls = { ...exact, accept4: Math.round(exact.accept4) };
    if (model === 'event-loop') {
      // One client at a time: its request comes after accept() returns, so the loop mostly
      // waits for it in the poller (one epoll_ctl); an eager read that finds nothing costs a
      // recv, and is tried again only after 16 more connections.
      assert.ok(calls.recv >= 1 && calls.recv <= 1 + 2 / 16 + 1e-9, `recv ${calls.recv} per exchange`);
      assert.ok((calls.epoll_ctl ?? 0) <= 1, `epoll_ctl ${calls.epoll_ctl} per exchange`);
      const { recv: _r, epoll_ctl: _c, ...rest } = calls;
      assert.deepEqual(rest, { accept4: 1, send: 1, close: 1 }, `per exchange: ${JSON.stringify(per)}`);
    } else assert.deepEqual(calls, { accept4: 1, recv: 1, send: 1, close: 1 }, `per exchange: ${JSON.stringify(per)}`);
    const total = Object.values(calls).reduce((a, b) => a + b, 0);
    assert.ok(total <= 6, `${total} calls per exchange, nginx makes 6`);
    t.diagnostic(`${model}: ${JSON.stringify(per)} (epoll_wait/poll ${waits + polls} per exchange, the loop's own)`);
  });
}

test('event-loop: a connection whose request is already there when it is accepted costs accept, recv, send, close: no epoll_ctl', async (t) => {
  const server = await serve({ app, model: 'event-loop', port: 0, log: 'off', quiet: true });
  t.after(() => server.close());
  await clientProcess(server.port, 1, CLOSE_REQUEST); // warm-up
  // A client process opens N connections and writes a request on each, then leaves a mark.
  // Meanwhile this thread (the server's) is held, so the kernel queues the connections with
  // their requests; let go, the server accepts them with their bytes already waiting.
  const dir = mkdtempSync(path.join(tmpdir(), 'ff-eager-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let batch = 0;
  const heldBatch = async () => {
    const mark = path.join(dir, `written-${batch++}`);
    const script = `
      const net = require('node:net'), fs = require('node:fs');
      let written = 0, left = ${N};
      for (let i = 0; i < ${N}; i++) {
        const s = net.connect(${server.port}, '127.0.0.1', () => s.write(${JSON.stringify(CLOSE_REQUEST)}, () => { if (++written === ${N}) fs.writeFileSync(${JSON.stringify(mark)}, ''); }));
        let got = '';
        s.on('data', (d) => (got += d));
        s.on('end', () => { if (!got.endsWith('Hello, World!')) process.exit(1); if (--left === 0) process.exit(0); });
        s.on('error', () => process.exit(2));
      }`;
    const child = spawn(process.execPath, ['-e', script], { stdio: 'inherit' });
    const exited = new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`client exited with ${code}`)))));
    const cell = new Int32Array(new SharedArrayBuffer(4));
    for (let waited = 0; !existsSync(mark); waited += 10) {
      assert.ok(waited < 20_000, 'the client wrote its requests within 20 s');
      Atomics.wait(cell, 0, 0, 10); // hold this thread: the server cannot accept meanwhile
    }
    await exited;
  };
  // The warm-up's one-at-a-time client made an eager read miss (a pause of 16 connections follows): one held batch first.
  await heldBatch();
  const per = await countDuring(N, heldBatch, false);
  const { epoll_wait: _w, accept4, ...calls } = per;
  // (The last accept of a burst may find the queue empty.)
  assert.ok(accept4 >= 1 && accept4 <= 1 + 2 / N, `accept4 ${accept4} per exchange`);
  assert.deepEqual(calls, { recv: 1, send: 1, close: 1 }, JSON.stringify(per));
});

test('event-loop: a keep-alive request costs one recv and one send', async (t) => {
  const server = await serve({ app, model: 'event-loop', port: 0, log: 'off', quiet: true });
  t.after(() => server.close());
  const sock = net.connect({ host: '127.0.0.1', port: server.port });
  await new Promise((r) => sock.on('connect', r));
  let pending = null;
  let text = '';
  sock.on('data', (d) => {
    text += d.toString('latin1');
    if (text.endsWith('Hello, World!')) {
      text = '';
      pending?.();
    }
  });
  const one = () => new Promise((resolve) => {
    pending = resolve;
    sock.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  });
  await one();
  const per = await countDuring(N, one);
  const { epoll_wait: _waits, ...calls } = per;
  assert.deepEqual(calls, { recv: 1, send: 1 }, JSON.stringify(per));
  sock.destroy();
});
