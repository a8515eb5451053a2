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
  test(`${model}: one Connection: close exchange costs accept, recv, send, close (and, in the loop, one epoll_ctl)`, async (t) => {
    const server = await serve({ app, model, port: 0, log: 'off', quiet: true });
    t.after(() => server.close());
    await clientProcess(server.port, 1, CLOSE_REQUEST); // warm-up
    const per = await countDuring(N, () => clientProcess(server.port, N, CLOSE_REQUEST), false);
    const { epoll_wait: waits = 0, poll: polls = 0, ...exact } = per;
    // A blocking accept() wakes up once a second to give Node a turn: now and then one comes back empty.
    assert.ok(exact.accept4 >= 1 && exact.accept4 < 1.25, `accept4 ${exact.accept4} per exchange`);
    const calls = { ...exact, accept4: Math.round(exact.accept4) };
    const expected = model === 'event-loop' ? { accept4: 1, epoll_ctl: 1, recv: 1, send: 1, close: 1 } : { accept4: 1, recv: 1, send: 1, close: 1 };
    assert.deepEqual(calls, expected, `per exchange: ${JSON.stringify(per)}`);
    const total = Object.values(calls).reduce((a, b) => a + b, 0);
    assert.ok(total <= 6, `${total} calls per exchange, nginx makes 6`);
    t.diagnostic(`${model}: ${JSON.stringify(per)} (epoll_wait/poll ${waits + polls} per exchange, the loop's own)`);
  });
}

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
