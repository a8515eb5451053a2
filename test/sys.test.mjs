// sys/: real sockets, real syscalls. Our server side talks to node:net clients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { spawn } from 'node:child_process';
import * as sys from '../dist/sys/index.js';

const {
  WOULD_BLOCK,
  SysError,
  platform: P,
} = sys;

// --- helpers ---------------------------------------------------------------

/** A listening socket plus a connected node:net client and our accepted fd (non-blocking). */
async function pair(host = '127.0.0.1', { blocking = false } = {}) {
  const lfd = sys.listenTcp(host, 0, { nonblocking: true });
  const { port } = sys.localAddress(lfd);
  const client = net.connect({ host: host === '::' ? '::1' : host, port });
  await once(client, 'connect');
  const fd = await acceptSoon(lfd, !blocking);
  const close = () => {
    client.destroy();
    for (const f of [fd, lfd]) {
      try {
        sys.close(f);
      } catch {}
    }
  };
  return { lfd, port, client, fd, close };
}

async function acceptSoon(lfd, nonblocking = true) {
  for (let i = 0; i < 400; i++) {
    const fd = sys.accept(lfd, nonblocking);
    if (fd >= 0) return fd;
    assert.equal(fd, WOULD_BLOCK);
    await delay(5);
  }
  throw new Error('no connection arrived');
}

/** recv on a non-blocking fd until `want` bytes or EOF. */
async function recvSoon(fd, want) {
  const buf = Buffer.alloc(65536);
  let got = 0;
  for (let i = 0; i < 400 && got < want; i++) {
    const n = sys.recv(fd, buf, got, buf.length - got);
    if (n === 0) break;
    if (n > 0) got += n;
    else await delay(5);
  }
  return buf.subarray(0, got);
}

/** Everything a node:net client receives until `bytes` arrived. */
function readClient(client, bytes) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let total = 0;
    const onData = (d) => {
      chunks.push(d);
      total += d.length;
      if (total >= bytes) {
        client.off('data', onData);
        resolve(Buffer.concat(chunks));
      }
    };
    client.on('data', onData);
    client.once('error', reject);
  });
}

// --- tests -------------------------------------------------------------------

test('listen on 127.0.0.1:0, accept, recv and send round-trip', async () => {
  const p = await pair('127.0.0.1');
  try {
    assert.deepEqual(sys.localAddress(p.lfd), { family: 4, address: '127.0.0.1', port: p.port });
    const peer = sys.remoteAddress(p.fd);
    assert.equal(peer.address, '127.0.0.1');
    assert.equal(peer.port, p.client.localPort);

    p.client.write('GET / HTTP/1.1\r\n\r\n');
    assert.equal((await recvSoon(p.fd, 18)).toString(), 'GET / HTTP/1.1\r\n\r\n');

    const reading = readClient(p.client, 5);
    const out = Buffer.from('xxhelloxx');
    assert.equal(sys.send(p.fd, out, 2, 5), 5);
    assert.equal((await reading).toString(), 'hello');
  } finally {
    p.close();
  }
});

test('listen on ::1 port 0', async () => {
  const p = await pair('::1');
  try {
    const local = sys.localAddress(p.lfd);
    assert.equal(local.family, 6);
    assert.equal(local.address, '::1');
    assert.equal(sys.remoteAddress(p.fd).address, '::1');
    p.client.write('six');
    assert.equal((await recvSoon(p.fd, 3)).toString(), 'six');
  } finally {
    p.close();
  }
});

test("'::' is dual-stack: an IPv4 client shows up as ::ffff:127.0.0.1", async () => {
  const lfd = sys.listenTcp('::', 0, { nonblocking: true });
  const { port } = sys.localAddress(lfd);
  const client = net.connect({ host: '127.0.0.1', port });
  await once(client, 'connect');
  const fd = await acceptSoon(lfd);
  try {
    assert.deepEqual(sys.remoteAddress(fd), { family: 6, address: '::ffff:127.0.0.1', port: client.localPort });
  } finally {
    client.destroy();
    sys.close(fd);
    sys.close(lfd);
  }
});

test('recv returns 0 at orderly EOF; shutdown(write) ends the client', async () => {
  const p = await pair();
  try {
    const ended = once(p.client, 'end');
    sys.shutdown(p.fd, 'write');
    await ended;
    p.client.end();
    const buf = Buffer.alloc(16);
    let n = WOULD_BLOCK;
    for (let i = 0; i < 200 && n === WOULD_BLOCK; i++) {
      n = sys.recv(p.fd, buf, 0, buf.length);
      if (n === WOULD_BLOCK) await delay(5);
    }
    assert.equal(n, 0);
  } finally {
    p.close();
  }
});

test('sendv gathers several buffers (first one from an offset) in one call', async () => {
  const p = await pair();
  try {
    const parts = [Buffer.from('__HTTP/1.1 200 OK\r\n'), Buffer.from('Content-Length: 5\r\n\r\n'), Buffer.from('hello')];
    const expected = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello';
    const reading = readClient(p.client, expected.length);
    // a longer array than count: only the first 3 are sent
    assert.equal(sys.sendv(p.fd, [...parts, Buffer.from('NOT SENT')], 3, 2), expected.length);
    assert.equal((await reading).toString(), expected);
    assert.throws(() => sys.sendv(p.fd, parts, 65, 0), RangeError);
    assert.throws(() => sys.sendv(p.fd, parts, 1, 999), RangeError);
  } finally {
    p.close();
  }
});

test('sendv: small totals (copied) and large ones (iovecs), resumed after partial writes', async () => {
  const p = await pair();
  try {
    // small, from offset 0: the copy path; a single buffer: plain send
    let reading = readClient(p.client, 6);
    assert.equal(sys.sendv(p.fd, [Buffer.from('ab'), Buffer.from('cd'), Buffer.from('ef')], 3, 0), 6);
    assert.equal((await reading).toString(), 'abcdef');
    reading = readClient(p.client, 2);
    assert.equal(sys.sendv(p.fd, [Buffer.from('xyz')], 1, 1), 2);
    assert.equal((await reading).toString(), 'yz');

    // large: more than the socket buffer takes at once, so we resume where it stopped
    const parts = [Buffer.from('HEAD\r\n'), Buffer.alloc(16 << 20, 'b'), Buffer.from('TAIL')];
    const total = parts.reduce((n, b) => n + b.length, 0);
    reading = readClient(p.client, total);
    let index = 0;
    let offset = 0;
    let calls = 0;
    while (index < parts.length) {
      const n = sys.sendv(p.fd, parts.slice(index), parts.length - index, offset);
      calls++;
      if (n === WOULD_BLOCK) {
        await delay(1);
        continue;
      }
      offset += n;
      while (index < parts.length && offset >= parts[index].length) offset -= parts[index++].length;
    }
    const got = await reading;
    assert.equal(got.length, total);
    assert.ok(got.equals(Buffer.concat(parts)));
    assert.ok(calls > 1, 'the kernel took it in several writes');
  } finally {
    p.close();
  }
});

test('sendfile sends a file range without reading it into JS', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fourfold-sys-'));
  const file = path.join(dir, 'data.txt');
  fs.writeFileSync(file, '0123456789abcdefghij');
  const ffd = fs.openSync(file, 'r');
  const p = await pair();
  try {
    const reading = readClient(p.client, 8);
    assert.equal(sys.sendfile(p.fd, ffd, 10, 8), 8);
    assert.equal((await reading).toString(), 'abcdefgh');
    assert.equal(sys.sendfile(p.fd, ffd, 20, 8), 0, 'at the end of the file: 0');
  } finally {
    p.close();
    fs.closeSync(ffd);
    fs.rmSync(dir, { recursive: true });
  }
});

test('non-blocking accept with nothing pending returns WOULD_BLOCK', () => {
  const lfd = sys.listenTcp('127.0.0.1', 0, { nonblocking: true });
  try {
    assert.equal(sys.accept(lfd, true), WOULD_BLOCK);
  } finally {
    sys.close(lfd);
  }
});

test('a blocking recv with SO_RCVTIMEO 100 ms returns WOULD_BLOCK', async () => {
  const p = await pair('127.0.0.1', { blocking: true });
  try {
    sys.setRecvTimeout(p.fd, 100);
    const start = performance.now();
    assert.equal(sys.recv(p.fd, Buffer.alloc(64), 0, 64), WOULD_BLOCK);
    const elapsed = performance.now() - start;
    assert.ok(elapsed >= 80 && elapsed < 2000, `waited ${elapsed} ms`);
  } finally {
    p.close();
  }
});

test('options: TCP_NODELAY, SO_SNDTIMEO, O_NONBLOCK toggle', async () => {
  const p = await pair('127.0.0.1', { blocking: true });
  try {
    sys.setNoDelay(p.fd, true);
    sys.setSendTimeout(p.fd, 250);
    sys.setRecvTimeout(p.fd, 0);
    sys.setNonBlocking(p.fd, true);
    assert.equal(sys.recv(p.fd, Buffer.alloc(8), 0, 8), WOULD_BLOCK); // returns at once
    sys.setNonBlocking(p.fd, false);
    assert.throws(() => sys.setRecvTimeout(p.fd, -1), RangeError);
  } finally {
    p.close();
  }
});

test('EADDRINUSE: a readable message and the errno code', () => {
  const lfd = sys.listenTcp('127.0.0.1', 0);
  const { port } = sys.localAddress(lfd);
  try {
    assert.throws(
      () => sys.listenTcp('127.0.0.1', port),
      (e) =>
        e instanceof SysError &&
        e.code === 'EADDRINUSE' &&
        e.errno === os.constants.errno.EADDRINUSE &&
        e.syscall === 'bind' &&
        e.message.includes('already in use') &&
        e.message.includes(String(port)),
    );
  } finally {
    sys.close(lfd);
  }
});

test('other errors: bad addresses, unavailable address, double close', () => {
  assert.throws(() => sys.listenTcp('example.com', 0), /expected an IPv4 or IPv6 address/);
  assert.throws(() => sys.listenTcp('127.0.0.1', 70000), RangeError);
  assert.throws(() => sys.listenTcp('192.0.2.1', 0), (e) => e.code === 'EADDRNOTAVAIL' && /not available on this machine/.test(e.message));
  const fd = sys.socket(4);
  sys.close(fd);
  assert.throws(() => sys.close(fd), (e) => e instanceof SysError && e.code === 'EBADF');
  assert.equal(sys.sysError('accept', os.constants.errno.EMFILE).message, 'accept: too many open files (raise ulimit -n) (EMFILE)');
  assert.match(sys.sysError('bind', os.constants.errno.EACCES, { address: '0.0.0.0', port: 80 }).message, /ports below 1024 need root/);
});

test('recv/send reject ranges outside the buffer', async () => {
  const p = await pair();
  try {
    const buf = Buffer.alloc(8);
    assert.throws(() => sys.recv(p.fd, buf, 4, 5), RangeError);
    assert.throws(() => sys.send(p.fd, buf, -1, 2), RangeError);
    assert.throws(() => sys.send(p.fd, buf, 0.5, 2), RangeError);
  } finally {
    p.close();
  }
});

test('send to a peer that has gone throws EPIPE/ECONNRESET and the process survives', async () => {
  const p = await pair();
  try {
    p.client.resetAndDestroy(); // RST: the connection is gone at once
    await delay(20);
    const chunk = Buffer.alloc(1024, 120);
    let error;
    for (let i = 0; i < 100 && !error; i++) {
      try {
        sys.send(p.fd, chunk, 0, chunk.length);
      } catch (e) {
        error = e;
      }
      await delay(2);
    }
    assert.ok(error instanceof SysError, 'send eventually fails');
    assert.ok(['EPIPE', 'ECONNRESET'].includes(error.code), error.code);
    assert.equal(error.syscall, 'send');
  } finally {
    p.close();
  }
});

test('recv after the peer reset the connection throws ECONNRESET', async () => {
  const p = await pair();
  try {
    p.client.resetAndDestroy();
    await delay(20);
    assert.throws(
      () => sys.recv(p.fd, Buffer.alloc(16), 0, 16),
      (e) => e instanceof SysError && e.code === 'ECONNRESET' && /connection reset by peer/.test(e.message),
    );
  } finally {
    p.close();
  }
});

test('epoll reports a readable socket, with the fd stored in data', async () => {
  const p = await pair();
  const epfd = sys.epollCreate();
  try {
    sys.epollCtl(epfd, 'add', p.fd, P.EPOLLIN | P.EPOLLRDHUP);
    const events = new sys.EpollEvents(16);
    assert.equal(sys.epollWait(epfd, events, 0), 0, 'nothing yet');
    p.client.write('ping');
    await delay(10);
    assert.equal(sys.epollWait(epfd, events, 1000), 1);
    assert.equal(events.fd(0), p.fd);
    assert.ok(events.events(0) & P.EPOLLIN);
    sys.epollCtl(epfd, 'mod', p.fd, P.EPOLLOUT);
    assert.equal(sys.epollWait(epfd, events, 1000), 1);
    assert.equal(events.events(0) & (P.EPOLLIN | P.EPOLLOUT), P.EPOLLOUT);
    sys.epollCtl(epfd, 'del', p.fd, 0);
    assert.equal(sys.epollWait(epfd, events, 0), 0);
  } finally {
    sys.close(epfd);
    p.close();
  }
});

test('poll reports a readable socket', async () => {
  const a = await pair();
  const b = await pair();
  try {
    const set = new sys.PollSet(1); // grows on demand
    set.set(0, a.fd, P.POLLIN);
    set.set(1, b.fd, P.POLLIN);
    assert.equal(set.length, 2);
    assert.equal(sys.poll(set, set.length, 0), 0);
    b.client.write('x');
    await delay(10);
    assert.equal(sys.poll(set, set.length, 1000), 1);
    assert.equal(set.revents(0), 0);
    assert.ok(set.revents(1) & P.POLLIN);
    assert.equal(set.fd(1), b.fd);
  } finally {
    a.close();
    b.close();
  }
});

test('select reports a readable socket; FdSet rejects fd 1024', async () => {
  const a = await pair();
  const b = await pair();
  try {
    const read = new sys.FdSet();
    const nfds = Math.max(a.fd, b.fd) + 1;
    read.add(a.fd);
    read.add(b.fd);
    assert.equal(sys.select(nfds, read, null, 0), 0);
    assert.equal(read.has(a.fd) || read.has(b.fd), false, 'the kernel cleared the set');

    a.client.write('x');
    await delay(10);
    read.clear();
    read.add(a.fd);
    read.add(b.fd);
    const write = new sys.FdSet();
    write.add(b.fd);
    assert.equal(sys.select(nfds, read, write, 1000), 2);
    assert.equal(read.has(a.fd), true);
    assert.equal(read.has(b.fd), false);
    assert.equal(write.has(b.fd), true);

    assert.throws(() => read.add(1024), RangeError);
    assert.throws(() => read.add(-1), RangeError);
    read.add(1023);
    assert.equal(read.has(1023), true);
    assert.throws(() => sys.select(1025, read, null, 0), RangeError);
  } finally {
    a.close();
    b.close();
  }
});

test('UvPoll calls back from Node’s event loop when a socket becomes readable', async () => {
  const p = await pair();
  try {
    let resolve;
    const ready = new Promise((r) => (resolve = r));
    const poller = new sys.UvPoll(p.fd, (status, events) => {
      poller.stop();
      resolve({ status, events });
    });
    poller.start(true, false);
    p.client.write('wake');
    const { status, events } = await ready;
    assert.equal(status, 0);
    assert.ok(events & 1, 'UV_READABLE');
    poller.close();
    poller.close(); // idempotent
    await delay(10); // the close callback runs and frees the handle
    assert.throws(() => poller.start(true, false), /after close/);
  } finally {
    p.close();
  }
});

test('UvPoll on an epoll fd: our reactor inside Node’s loop', async () => {
  const p = await pair();
  const epfd = sys.epollCreate();
  const events = new sys.EpollEvents(8);
  sys.epollCtl(epfd, 'add', p.fd, P.EPOLLIN);
  const seen = [];
  let resolve;
  const got = new Promise((r) => (resolve = r));
  const poller = new sys.UvPoll(epfd, () => {
    const n = sys.epollWait(epfd, events, 0); // never blocks: libuv said it is ready
    for (let i = 0; i < n; i++) seen.push(events.fd(i));
    const buf = Buffer.alloc(64);
    const r = sys.recv(p.fd, buf, 0, 64);
    if (r > 0) resolve(buf.toString('latin1', 0, r));
  });
  poller.start(true, false);
  try {
    // Timers keep working while the reactor waits.
    await delay(20);
    p.client.write('via epoll');
    assert.equal(await got, 'via epoll');
    assert.ok(seen.includes(p.fd));
  } finally {
    poller.close();
    sys.close(epfd);
    p.close();
  }
});

test('an exception in a UvPoll callback becomes an ordinary uncaught exception', async () => {
  const p = await pair();
  const listeners = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  const caught = new Promise((r) => process.once('uncaughtException', r));
  const poller = new sys.UvPoll(p.fd, () => {
    poller.stop();
    throw new Error('boom in handler');
  });
  try {
    poller.start(true, false);
    p.client.write('x');
    const error = await caught;
    assert.equal(error.message, 'boom in handler');
    await delay(10); // the loop still runs
  } finally {
    for (const l of listeners) process.on('uncaughtException', l);
    poller.close();
    p.close();
  }
});

test('uvBackendFd is the descriptor of Node’s own loop', () => {
  const fd = sys.uvBackendFd();
  assert.ok(Number.isInteger(fd) && fd >= 0);
  // It is an epoll fd: poll() on it works (and says whether Node has work).
  const set = new sys.PollSet(1);
  set.set(0, fd, P.POLLIN);
  assert.ok(sys.poll(set, 1, 0) >= 0);
  assert.equal(set.revents(0) & P.POLLNVAL, 0);
});

test('in a worker thread: sockets, errno and UvPoll use that thread’s own loop', async () => {
  const url = new URL('../dist/sys/index.js', import.meta.url).href;
  const code = `
    import * as sys from ${JSON.stringify(url)};
    import net from 'node:net';
    import { parentPort } from 'node:worker_threads';
    const lfd = sys.listenTcp('127.0.0.1', 0, { nonblocking: true });
    const blocked = sys.accept(lfd, true);
    const client = net.connect(sys.localAddress(lfd).port, '127.0.0.1');
    client.on('connect', async () => {
      let fd = -1;
      while (fd < 0) { fd = sys.accept(lfd, true); if (fd < 0) await new Promise(r => setTimeout(r, 5)); }
      const poller = new sys.UvPoll(fd, (status, events) => {
        poller.close();
        const buf = Buffer.alloc(16);
        const n = sys.recv(fd, buf, 0, 16);
        parentPort.postMessage({ blocked, text: buf.toString('latin1', 0, n) });
        client.destroy(); sys.close(fd); sys.close(lfd);
      });
      poller.start(true, false);
      client.write('worker');
    });
  `;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`));
  const exited = once(worker, 'exit'); // before awaiting the message: both can arrive in one turn
  const [message] = await once(worker, 'message');
  assert.deepEqual(message, { blocked: WOULD_BLOCK, text: 'worker' });
  await exited;
});

// --- the file layout: transfer.ts, the lecture's words, dead code gone -------------

const source = (file) => fs.readFileSync(new URL(`../src/sys/${file}`, import.meta.url), 'utf8');

test('data transfer lives in transfer.ts; socket.ts creates, configures, accepts, closes', async () => {
  const transfer = await import('../dist/sys/transfer.js');
  const socketModule = await import('../dist/sys/socket.js');
  for (const name of ['recv', 'send', 'sendv', 'sendfile']) {
    assert.equal(typeof transfer[name], 'function', name);
    assert.equal(socketModule[name], undefined, `${name} is not in socket.js`);
    assert.equal(sys[name], transfer[name], `index re-exports ${name}`);
  }
  for (const name of ['socket', 'listenTcp', 'accept', 'close', 'shutdown', 'localAddress', 'remoteAddress']) {
    assert.equal(sys[name], socketModule[name], name);
  }
});

test('index.ts opens with what a system call and a file descriptor are', () => {
  const opening = source('index.ts').split('\nexport')[0];
  for (const words of ['user mode', 'kernel mode', 'system call', 'koffi', 'file descriptor', 'integer', 'TCP/IP']) {
    assert.ok(opening.includes(words), `mentions "${words}"`);
  }
});

test('dead code is gone: uvBackendTimeout, setKeepAlive; uv.ts says who uses UvPoll', () => {
  assert.equal('uvBackendTimeout' in sys, false);
  assert.equal('setKeepAlive' in sys, false);
  assert.doesNotMatch(source('ffi.ts'), /uv_backend_timeout/);
  const uvComment = source('uv.ts').split('\nimport')[0];
  assert.match(uvComment, /event-loop model does NOT use it/);
  assert.match(uvComment, /masters/);
  assert.equal(typeof sys.UvPoll, 'function');
});

// --- connect ---------------------------------------------------------------------------

for (const host of ['127.0.0.1', '::1']) {
  test(`connectTcp to a listenTcp socket on ${host}: bytes both ways`, async () => {
    const lfd = sys.listenTcp(host, 0);
    const { port } = sys.localAddress(lfd);
    const cfd = sys.connectTcp(host, port);
    const fd = sys.accept(lfd);
    try {
      assert.ok(fd >= 0);
      assert.deepEqual(sys.remoteAddress(cfd), { family: host === '::1' ? 6 : 4, address: host, port });
      assert.equal(sys.remoteAddress(fd).port, sys.localAddress(cfd).port);
      assert.equal(sys.send(cfd, Buffer.from('ping'), 0, 4), 4);
      const buf = Buffer.alloc(16);
      assert.equal(sys.recv(fd, buf, 0, 16), 4);
      assert.equal(buf.toString('latin1', 0, 4), 'ping');
      assert.equal(sys.send(fd, Buffer.from('pong!'), 0, 5), 5);
      assert.equal(sys.recv(cfd, buf, 0, 16), 5);
      assert.equal(buf.toString('latin1', 0, 5), 'pong!');
    } finally {
      for (const f of [fd, cfd, lfd]) sys.close(f);
    }
  });
}

/** A port nothing listens on: bind one, note it, close it. */
function closedPort() {
  const fd = sys.listenTcp('127.0.0.1', 0);
  const { port } = sys.localAddress(fd);
  sys.close(fd);
  return port;
}

test('connect to a closed port: ECONNREFUSED with a readable message, no descriptor leaked', () => {
  const port = closedPort();
  const probe = sys.socket(4);
  sys.close(probe); // the next descriptor number: a leak would take it
  assert.throws(
    () => sys.connectTcp('127.0.0.1', port),
    (e) =>
      e instanceof SysError &&
      e.code === 'ECONNREFUSED' &&
      e.syscall === 'connect' &&
      e.port === port &&
      e.message === `connect 127.0.0.1:${port}: connection refused: nothing is listening on that port (or a firewall said no) (ECONNREFUSED)`,
  );
  const next = sys.socket(4);
  sys.close(next);
  assert.equal(next, probe, 'connectTcp closed its socket');
});

test('non-blocking connect: IN_PROGRESS, then writability, then socketError tells', async () => {
  assert.equal(sys.IN_PROGRESS, -3);
  const lfd = sys.listenTcp('127.0.0.1', 0);
  const { port } = sys.localAddress(lfd);
  const waitWritable = (fd) => {
    const set = new sys.PollSet(1);
    set.set(0, fd, P.POLLOUT);
    assert.equal(sys.poll(set, 1, 2000), 1);
  };
  const ok = sys.socket(4, true);
  const refused = sys.socket(4, true);
  try {
    const r = sys.connect(ok, '127.0.0.1', port);
    assert.ok(r === sys.IN_PROGRESS || r === 0, `got ${r}`);
    waitWritable(ok);
    assert.equal(sys.socketError(ok), 0);
    assert.equal(sys.remoteAddress(ok).port, port);

    assert.equal(sys.connect(refused, '127.0.0.1', closedPort()), sys.IN_PROGRESS);
    waitWritable(refused);
    assert.equal(sys.errnoName(sys.socketError(refused)), 'ECONNREFUSED');
    assert.equal(sys.socketError(refused), 0, 'reading SO_ERROR clears it');
  } finally {
    for (const f of [ok, refused, lfd]) sys.close(f);
  }
});

// --- shared memory --------------------------------------------------------------------

test('shared memory: a second mapping of the memfd sees the first one’s writes', () => {
  const memory = sys.createSharedMemory(4096, 'fourfold-test');
  try {
    assert.equal(memory.size, 4096);
    assert.equal(memory.bytes.byteLength, 4096);
    const a = new Float64Array(memory.bytes);
    const b = new Float64Array(sys.mapSharedMemory(memory.fd, 4096));
    assert.equal(b[10], 0, 'starts zeroed');
    a[10] = 3.25;
    assert.equal(b[10], 3.25);
    b[511] = -1;
    assert.equal(a[511], -1);
    assert.match(fs.readlinkSync(`/proc/self/fd/${memory.fd}`), /memfd:fourfold-test/);
    assert.throws(() => sys.mapSharedMemory(memory.fd, 8192), /holds 4096 bytes, fewer than 8192/);
    assert.throws(() => sys.createSharedMemory(0), RangeError);
  } finally {
    sys.close(memory.fd);
  }
});

test('shared memory: a worker thread maps the same fd and shares the cells', async () => {
  const memory = sys.createSharedMemory(4096);
  const cells = new Float64Array(memory.bytes);
  cells[0] = 21;
  const url = new URL('../dist/sys/index.js', import.meta.url).href;
  const code = `
    import * as sys from ${JSON.stringify(url)};
    import { parentPort, workerData } from 'node:worker_threads';
    const cells = new Float64Array(sys.mapSharedMemory(workerData.fd, workerData.size));
    const seen = cells[0];
    cells[1] = seen * 2;
    parentPort.postMessage(seen);
  `;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), {
    workerData: { fd: memory.fd, size: memory.size },
  });
  const exited = once(worker, 'exit');
  try {
    const [seen] = await once(worker, 'message');
    assert.equal(seen, 21);
    assert.equal(cells[1], 42);
    await exited;
  } finally {
    sys.close(memory.fd);
  }
});

/** Run `code` (an ES module) in a new node process; resolves with { code, signal, stdout, stderr }. */
function runNode(code, { args = [], env = process.env, stdio = ['ignore', 'pipe', 'pipe'] } = {}) {
  const child = spawn(process.execPath, [...args, '--input-type=module', '-e', code], { env, stdio });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) =>
    child.on('close', (exitCode, signal) => resolve({ code: exitCode, signal, stdout, stderr })),
  );
}
const sysUrl = new URL('../dist/sys/index.js', import.meta.url).href;

test('shared memory: a child process spawned with the memfd as fd 3 maps it and writes', async () => {
  const memory = sys.createSharedMemory(4096);
  const cells = new Float64Array(memory.bytes);
  cells[0] = 6;
  try {
    const child = await runNode(
      `import * as sys from ${JSON.stringify(sysUrl)};
       const cells = new Float64Array(sys.mapSharedMemory(3, 4096));
       cells[1] = cells[0] * 7;`,
      { stdio: ['ignore', 'pipe', 'pipe', memory.fd] },
    );
    assert.equal(child.code, 0, child.stderr);
    assert.equal(cells[1], 42);
  } finally {
    sys.close(memory.fd);
  }
});

test('shared memory: a mapping is unmapped only once the GC finds its buffer unreachable', async () => {
  const child = await runNode(
    `import * as sys from ${JSON.stringify(sysUrl)};
     import fs from 'node:fs';
     const mapped = () => fs.readFileSync('/proc/self/maps', 'utf8').split('\\n').filter((l) => l.includes('memfd:gc-probe')).length;
     const memory = sys.createSharedMemory(65536, 'gc-probe');
     const kept = new Float64Array(memory.bytes);
     let dropped = [];
     for (let i = 0; i < 20; i++) dropped.push(new Float64Array(sys.mapSharedMemory(memory.fd, 65536)));
     dropped[3][7] = 5;
     const before = mapped();
     dropped = null;
     for (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); }
     console.log(JSON.stringify({ before, after: mapped(), kept: kept[7] }));`,
    { args: ['--expose-gc'] },
  );
  assert.equal(child.code, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), { before: 21, after: 1, kept: 5 });
});

// --- process helpers ------------------------------------------------------------------

test('parentPid and threadId', async () => {
  assert.equal(sys.parentPid(), process.ppid);
  assert.equal(sys.threadId(), process.pid, 'the main thread’s id is the pid');
  const code = `
    import * as sys from ${JSON.stringify(sysUrl)};
    import { parentPort } from 'node:worker_threads';
    parentPort.postMessage(sys.threadId());
  `;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`));
  const exited = once(worker, 'exit');
  const [tid] = await once(worker, 'message');
  assert.ok(Number.isInteger(tid) && tid !== process.pid, `worker tid ${tid}`);
  await exited;
  assert.throws(() => sys.setParentDeathSignal(-1), RangeError);
  assert.throws(() => sys.setParentDeathSignal('SIGNOPE'), RangeError);
});

/** Gone: no such process, or a zombie waiting for a reaper that may never come. */
function isGone(pid) {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (e.code === 'ESRCH') return true;
    throw e;
  }
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].startsWith('Z');
  } catch {
    return true;
  }
}

test('setParentDeathSignal(SIGKILL): the grandchild dies with its killed parent', async () => {
  const grandchild = `
    import * as sys from ${JSON.stringify(sysUrl)};
    sys.setParentDeathSignal('SIGKILL');
    if (sys.parentPid() !== Number(process.env.EXPECTED_PARENT)) process.exit(3); // the race
    console.log('ready');
    setInterval(() => {}, 1000);
  `;
  const intermediate = `
    import { spawn } from 'node:child_process';
    const child = spawn(process.execPath, ['--input-type=module', '-e', ${JSON.stringify(grandchild)}], {
      env: { ...process.env, EXPECTED_PARENT: String(process.pid) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.once('data', () => console.log(child.pid));
    setInterval(() => {}, 1000);
  `;
  const parent = spawn(process.execPath, ['--input-type=module', '-e', intermediate], { stdio: ['ignore', 'pipe', 'inherit'] });
  let pid;
  try {
    const [line] = await once(parent.stdout, 'data');
    pid = Number(String(line).trim());
    assert.ok(pid > 0 && !isGone(pid), 'the grandchild runs');
    parent.kill('SIGKILL');
    const start = performance.now();
    while (!isGone(pid) && performance.now() - start < 1000) await delay(10);
    assert.ok(isGone(pid), 'the grandchild is gone within a second');
  } finally {
    parent.kill('SIGKILL');
    if (pid !== undefined && !isGone(pid)) process.kill(pid, 'SIGKILL');
  }
});

// --- sendfile past 4 GiB -----------------------------------------------------------------

test('sendfile: offsets and counts past 2^32 (a sparse 5 GiB file)', async () => {
  const GiB = 2 ** 30;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fourfold-sys-'));
  const file = path.join(dir, 'big.bin');
  fs.writeFileSync(file, '');
  fs.truncateSync(file, 5 * GiB); // sparse: no disk used
  const ffd = fs.openSync(file, 'r+');
  const start = 4.5 * GiB;
  fs.writeSync(ffd, Buffer.from('HIGH'), 0, 4, start); // what a 32-bit offset would miss
  const p = await pair();
  try {
    const want = 4 << 20;
    const reading = readClient(p.client, want);
    let sent = 0;
    while (sent < want) {
      const n = sys.sendfile(p.fd, ffd, start + sent, 2 ** 32 + 12345 - sent);
      if (n === WOULD_BLOCK) {
        await delay(1);
        continue;
      }
      assert.ok(n > 0 && n <= sys.SENDFILE_CHUNK, `sent ${n}`);
      sent += n;
    }
    const got = await reading;
    assert.equal(got.toString('latin1', 0, 4), 'HIGH');
    assert.ok(got.subarray(4, want).every((b) => b === 0), 'the rest of the hole reads as zeros');
    assert.equal(sys.sendfile(p.fd, ffd, 5 * GiB, 2 ** 33), 0, 'at the end of the file: 0');
    assert.throws(() => sys.sendfile(p.fd, ffd, -1, 10), RangeError);
    assert.throws(() => sys.sendfile(p.fd, ffd, 0, 2 ** 53), RangeError);
    assert.throws(() => sys.sendfile(p.fd, ffd, 0.5, 10), RangeError);
  } finally {
    p.close();
    fs.closeSync(ffd);
    fs.rmSync(dir, { recursive: true });
  }
});

// --- syscall counters and the trace -------------------------------------------------------

const slot = (name) => sys.SYSCALLS.indexOf(name);

test('SYSCALLS names every call; counts grow by exactly one accept, recv, send and close', async () => {
  for (const name of ['accept4', 'recv', 'send', 'sendmsg', 'sendfile', 'close', 'shutdown', 'setsockopt', 'epoll_wait',
    'epoll_ctl', 'poll', 'select', 'getpeername', 'getsockname', 'fcntl', 'connect', 'socket', 'bind', 'listen']) {
    assert.ok(slot(name) >= 0, name);
  }
  const lfd = sys.listenTcp('127.0.0.1', 0, { nonblocking: true });
  const client = net.connect({ host: '127.0.0.1', port: sys.localAddress(lfd).port });
  await once(client, 'connect');
  try {
    client.write('hi');
    await delay(20);

    const before = Float64Array.from(sys.syscallCounts());
    const fd = sys.accept(lfd, true);
    assert.equal(sys.recv(fd, Buffer.alloc(8), 0, 8), 2);
    assert.equal(sys.send(fd, Buffer.from('ok'), 0, 2), 2);
    sys.close(fd);
    const after = sys.syscallCounts();

    const grown = {};
    sys.SYSCALLS.forEach((name, i) => {
      if (after[i] !== before[i]) grown[name] = after[i] - before[i];
    });
    assert.deepEqual(grown, { accept4: 1, recv: 1, send: 1, close: 1 });
  } finally {
    client.destroy();
    sys.close(lfd);
  }
});

test('every entry of the kernel table counts under its own name', async () => {
  const { kernel } = await import('../dist/sys/syscalls.js');
  // Arguments the kernel rejects at once (bad fd, bad flags, zero length): harmless.
  const harmless = {
    socket: [-1, 0, 0], setsockopt: [-1, 0, 0, 0, 0], getsockopt: [-1, 0, 0, 0, 0], bind: [-1, 0, 0], listen: [-1, 0],
    accept4: [-1, 0, 0, 0], connect: [-1, 0, 0], getsockname: [-1, 0, 0], getpeername: [-1, 0, 0], shutdown: [-1, 0],
    close: [-1], fcntl: [-1, P.F_GETFL], recv: [-1, 0, 0, 0], send: [-1, 0, 0, 0], sendmsg: [-1, 0, 0],
    sendfile: [-1, -1, 0, 0], epoll_create1: [-1], epoll_ctl: [-1, 1, -1, 0], epoll_wait: [-1, 0, 1, 0], poll: [0, 0, 0],
    select: [-1, 0, 0, 0, 0], memfd_create: ['x', 0xffff], ftruncate: [-1, 0], mmap: [0, 0, 0, 0, -1, 0], munmap: [0, 0],
    prctl: [0x7fffffff, 'unsigned long', 0], getppid: [], gettid: [], stat: ['', 0],
  };
  assert.deepEqual(Object.keys(harmless).sort(), [...sys.SYSCALLS].sort(), 'the test covers every call');
  const counts = sys.syscallCounts();
  for (const name of sys.SYSCALLS) {
    const before = Float64Array.from(counts);
    kernel[name](...harmless[name]);
    counts.forEach((n, i) => assert.equal(n - before[i], i === slot(name) ? 1 : 0, `${name} → ${sys.SYSCALLS[i]}`));
  }
});

test('countSyscallsInto: counting continues in caller-provided cells', () => {
  const own = sys.syscallCounts();
  const row = new Float64Array(sys.SYSCALLS.length);
  row[slot('close')] = 100; // e.g. what a previous worker in this scoreboard row left
  const ownCloses = own[slot('close')];
  sys.countSyscallsInto(row);
  try {
    assert.equal(sys.syscallCounts(), row);
    sys.close(sys.socket(4));
    assert.equal(row[slot('close')], 101);
    assert.equal(row[slot('socket')], 1);
    assert.equal(own[slot('close')], ownCloses, 'the old array no longer counts');
  } finally {
    sys.countSyscallsInto(own);
  }
  assert.throws(() => sys.countSyscallsInto(new Float64Array(3)), RangeError);
  assert.throws(() => sys.countSyscallsInto([0, 0, 0]), RangeError);
});

test('onSyscall hands each call to a listener; errno survives the listener', async () => {
  const p = await pair();
  const events = [];
  sys.onSyscall((event) => {
    events.push(event);
    try {
      fs.fstatSync(99999); // a listener's own I/O sets errno (EBADF) behind the caller's back
    } catch {}
  });
  try {
    assert.equal(sys.recv(p.fd, Buffer.alloc(8), 0, 8), WOULD_BLOCK, 'still EAGAIN, not EBADF');
    const fd = sys.socket(6);
    sys.close(fd);
    assert.throws(() => sys.close(fd), (e) => e.code === 'EBADF');
  } finally {
    sys.onSyscall(null);
    p.close();
  }
  sys.close(sys.socket(4)); // not reported any more
  assert.deepEqual(
    events.map(({ name, args, result, errno, code }) => ({ name, args, result, errno, code })),
    [
      { name: 'recv', args: `${p.fd}, 8, 0`, result: -1, errno: os.constants.errno.EAGAIN, code: 'EAGAIN' },
      { name: 'socket', args: 'AF_INET6, SOCK_STREAM|SOCK_CLOEXEC, 0', result: events[1].result, errno: 0, code: '' },
      { name: 'close', args: `${events[1].result}`, result: 0, errno: 0, code: '' },
      { name: 'close', args: `${events[1].result}`, result: -1, errno: os.constants.errno.EBADF, code: 'EBADF' },
    ],
  );
  assert.ok(events.every((e) => typeof e.us === 'number' && e.us >= 0));
});

test('FOURFOLD_TRACE_SYSCALLS=1: strace-like lines on stderr, in worker threads too', async () => {
  const child = await runNode(
    `import * as sys from ${JSON.stringify(sysUrl)};
     import { Worker } from 'node:worker_threads';
     const lfd = sys.listenTcp('127.0.0.1', 0);
     const { port } = sys.localAddress(lfd);
     const cfd = sys.connectTcp('127.0.0.1', port);
     const fd = sys.accept(lfd, true);
     sys.send(cfd, Buffer.from('ping'), 0, 4);
     const buf = Buffer.alloc(64);
     const got = sys.recv(fd, buf, 0, 64);
     const again = sys.recv(fd, buf, 0, 64);
     for (const f of [fd, cfd, lfd]) sys.close(f);
     const worker = new Worker(\`import * as sys from ${JSON.stringify(sysUrl)}; sys.close(sys.socket(4));\`, { eval: true });
     worker.on('exit', () => console.log(JSON.stringify({ lfd, cfd, fd, port, got, again, wouldBlock: sys.WOULD_BLOCK })));`,
    { env: { ...process.env, FOURFOLD_TRACE_SYSCALLS: '1' } },
  );
  assert.equal(child.code, 0, child.stderr);
  const { lfd, cfd, fd, port, got, again, wouldBlock } = JSON.parse(child.stdout);
  assert.equal(got, 4);
  assert.equal(again, wouldBlock, 'EAGAIN survives the trace’s own write');

  const lines = child.stderr.trim().split('\n');
  const format = /^\[(\d+):(\d+)\] ([a-z0-9_]+)\((.*)\) = (-?\d+|0x[0-9a-f]+)( E[A-Z]+)? <\d+(\.\d)?µs>$/;
  const parsed = lines.map((line) => {
    const m = format.exec(line);
    assert.ok(m, `trace line format: ${line}`);
    return { pid: Number(m[1]), tid: Number(m[2]), text: line.slice(line.indexOf('] ') + 2).replace(/ <.*$/, '') };
  });
  const pid = parsed[0].pid;
  const main = parsed.filter((l) => l.tid === pid).map((l) => l.text);
  assert.deepEqual(main, [
    'socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0) = ' + lfd,
    `setsockopt(${lfd}, SOL_SOCKET, SO_REUSEADDR, 1) = 0`,
    `bind(${lfd}, 127.0.0.1:0) = 0`,
    `listen(${lfd}, 511) = 0`,
    `getsockname(${lfd}) = 0`,
    'socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0) = ' + cfd,
    `connect(${cfd}, 127.0.0.1:${port}) = 0`,
    `accept4(${lfd}, SOCK_NONBLOCK|SOCK_CLOEXEC) = ${fd}`,
    `send(${cfd}, 4, MSG_NOSIGNAL) = 4`,
    `recv(${fd}, 64, 0) = 4`,
    `recv(${fd}, 64, 0) = -1 EAGAIN`,
    `close(${fd}) = 0`,
    `close(${cfd}) = 0`,
    `close(${lfd}) = 0`,
  ]);
  const worker = parsed.filter((l) => l.tid !== pid);
  assert.ok(worker.length >= 2 && worker.every((l) => l.pid === pid), 'the worker thread traces itself, under its own tid');
  assert.match(worker.at(-1).text, /^close\(\d+\) = 0$/);
});
