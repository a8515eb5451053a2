// The event loop's write queue (models/event-loop/write-queue.ts) on a real
// non-blocking TCP socket: our side is a sys.listenTcp listener's accepted
// descriptor, the peer a node:net client in this process (sys/ has no
// connect()). What arrives at the peer must be exactly what was queued, in
// order, whatever the kernel took at each flush. Behaviour only, never speed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import * as sys from '../dist/sys/index.js';
import { WriteQueue } from '../dist/models/event-loop/write-queue.js';

// ── Helpers ──────────────────────────────────────────────────────────────────

/**
 * A connected pair: `fd` is our non-blocking accepted socket, `client` the
 * peer, `received()` everything the peer has read so far. With paused: true
 * the peer reads nothing until client.resume(), so our send buffer fills.
 */
async function pair({ paused = false } = {}) {
  const lfd = sys.listenTcp('127.0.0.1', 0, { nonblocking: true });
  const { port } = sys.localAddress(lfd);
  const client = net.connect({ host: '127.0.0.1', port });
  if (paused) client.pause();
  const chunks = [];
  let total = 0;
  let waiter = null;
  client.on('data', (d) => {
    chunks.push(d);
    total += d.length;
    if (waiter && total >= waiter.n) waiter.resolve();
  });
  client.on('error', () => {}); // a reset seen by the peer is part of one test
  await once(client, 'connect');
  let fd = -1;
  for (let i = 0; i < 400 && fd < 0; i++) {
    fd = sys.accept(lfd, true);
    if (fd < 0) await delay(5);
  }
  assert.ok(fd >= 0, 'the connection was accepted');
  sys.close(lfd);
  let closed = false;
  return {
    fd,
    client,
    received: () => Buffer.concat(chunks),
    get total() {
      return total;
    },
    /** Resolves once the peer has read at least n bytes (fails after 10 s). */
    async receivedAtLeast(n) {
      if (total < n) {
        let timer;
        await new Promise((resolve, reject) => {
          waiter = { n, resolve };
          timer = setTimeout(() => reject(new Error(`the peer read ${total} of ${n} bytes in 10 s`)), 10_000);
        }).finally(() => {
          clearTimeout(timer);
          waiter = null;
        });
      }
      return Buffer.concat(chunks);
    },
    close() {
      if (closed) return;
      closed = true;
      client.destroy();
      sys.close(fd);
    },
  };
}

/** flush() until the queue is empty, giving the peer turns to read (fails after 10 s). */
async function flushAll(q, fd) {
  const deadline = Date.now() + 10_000;
  while (!q.flush(fd)) {
    assert.ok(Date.now() < deadline, `the queue did not drain (${q.bytes} bytes left)`);
    await delay(1);
  }
  assert.equal(q.bytes, 0);
  assert.ok(q.empty);
}

/** Deterministic bytes: piece `seed` of `length` (never all one value, so an offset error shows). */
function bytes(seed, length) {
  const b = Buffer.allocUnsafe(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

/** A temporary file with known content; returns { file, fd, content, done() }. */
function tempFile(content) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fourfold-wq-'));
  const file = path.join(dir, 'data.bin');
  fs.writeFileSync(file, content);
  const fd = fs.openSync(file, 'r');
  return {
    file,
    fd,
    content,
    done() {
      fs.closeSync(fd);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ── Tests ────────────────────────────────────────────────────────────────────

test('an empty queue: empty, no bytes, flush() is true and sends nothing; empty pieces are ignored', async () => {
  const p = await pair();
  try {
    const q = new WriteQueue();
    assert.ok(q.empty);
    assert.equal(q.bytes, 0);
    q.push(Buffer.alloc(0));
    q.push(new Uint8Array(0));
    assert.ok(q.empty, 'a zero-length piece is not queued');
    assert.equal(q.flush(p.fd), true);
    q.push(Buffer.from('x'));
    await flushAll(q, p.fd);
    assert.equal((await p.receivedAtLeast(1)).toString(), 'x');
  } finally {
    p.close();
  }
});

test('a gather of many small pieces arrives in order, byte-exact', async () => {
  const p = await pair();
  try {
    const q = new WriteQueue();
    const pieces = [];
    for (let i = 0; i < 500; i++) {
      const length = 1 + ((i * 37) % 300); // 1..300 bytes: both of sendv's ways (copied ≤ 4 KiB, iovecs above)
      const b = bytes(i + 1, length + 8);
      // Buffers, plain Uint8Arrays, and views that start inside a larger buffer.
      const piece = i % 3 === 0 ? b.subarray(0, length) : i % 3 === 1 ? new Uint8Array(b.buffer, b.byteOffset + 8, length) : Uint8Array.from(b.subarray(0, length));
      pieces.push(piece);
      q.push(piece);
    }
    const want = Buffer.concat(pieces);
    assert.equal(q.bytes, want.length);
    await flushAll(q, p.fd);
    const got = await p.receivedAtLeast(want.length);
    assert.equal(got.length, want.length);
    assert.ok(got.equals(want), 'the bytes arrive in order, exactly');
  } finally {
    p.close();
  }
});

test('file ranges (pushFile) between byte pieces arrive exact', async () => {
  const f = tempFile(bytes(99, 300_000));
  const p = await pair();
  try {
    const q = new WriteQueue();
    const head = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n', 'latin1');
    q.push(head);
    q.pushFile({ kind: 'file', fd: f.fd, offset: 12_345, length: 200_000, closeAfter: false });
    q.push(Buffer.from('<between>'));
    q.push(Buffer.from('<and more>'));
    q.pushFile({ kind: 'file', fd: f.fd, offset: 0, length: 1, closeAfter: false });
    q.pushFile({ kind: 'file', fd: f.fd, offset: 299_990, length: 10, closeAfter: false }); // up to the last byte
    const want = Buffer.concat([
      head,
      f.content.subarray(12_345, 212_345),
      Buffer.from('<between><and more>'),
      f.content.subarray(0, 1),
      f.content.subarray(299_990),
    ]);
    assert.equal(q.bytes, want.length);
    await flushAll(q, p.fd);
    const got = await p.receivedAtLeast(want.length);
    assert.equal(got.length, want.length);
    assert.ok(got.equals(want), 'head, file ranges and pieces arrive in order, exactly');
    // sendfile does not move the file position: the descriptor still reads from 0.
    const first = Buffer.alloc(4);
    fs.readSync(f.fd, first, 0, 4, null);
    assert.ok(first.equals(f.content.subarray(0, 4)));
  } finally {
    p.close();
    f.done();
  }
});

test('a full send buffer makes flush() false; after the peer reads, flushing resumes exactly where it stopped', async () => {
  const p = await pair({ paused: true });
  try {
    const q = new WriteQueue();
    const pushed = [];
    let total = 0;
    // sys/ cannot shrink SO_SNDBUF, so fill whatever the kernel offers, 1 MiB at a time.
    for (let i = 0; ; i++) {
      assert.ok(total < 256 << 20, 'the kernel took 256 MiB for a peer that reads nothing');
      const piece = bytes(1000 + i, (1 << 20) + i); // odd sizes, so piece borders do not align with anything
      pushed.push(piece);
      total += piece.length;
      q.push(piece);
      if (!q.flush(p.fd)) break;
    }
    assert.ok(!q.empty, 'something is left to send');
    assert.ok(q.bytes > 0 && q.bytes <= total);
    // More pieces queue up behind the stalled ones, including a file range.
    const f = tempFile(bytes(7, 50_000));
    try {
      const tail = Buffer.from('-- the end --');
      q.push(Buffer.from('after the stall'));
      q.pushFile({ kind: 'file', fd: f.fd, offset: 100, length: 49_000, closeAfter: false });
      q.push(tail);
      pushed.push(Buffer.from('after the stall'), f.content.subarray(100, 49_100), tail);
      total += 'after the stall'.length + 49_000 + tail.length;
      assert.equal(q.flush(p.fd), false, 'still full: the peer has not read');
      p.client.resume();
      await flushAll(q, p.fd);
      const got = await p.receivedAtLeast(total);
      assert.equal(got.length, total);
      assert.ok(got.equals(Buffer.concat(pushed)), 'nothing lost, nothing repeated, nothing out of order');
    } finally {
      f.done();
    }
  } finally {
    p.close();
  }
});

test('keepCopy: the unsent rest of a partly sent piece (and a queued one) survives the original being overwritten', async () => {
  const p = await pair({ paused: true });
  try {
    const q = new WriteQueue();
    const big = bytes(5, 16 << 20); // larger than any send buffer the kernel gives a peer that reads nothing
    const next = bytes(6, 100_000);
    const original = Buffer.concat([big, next]);
    q.push(big);
    q.push(next);
    assert.equal(q.flush(p.fd), false, 'the kernel did not take 16 MiB at once');
    const sentOfBig = original.length - q.bytes;
    assert.ok(sentOfBig > 0 && sentOfBig < big.length, `the first piece is partly sent (${sentOfBig} of ${big.length} bytes)`);
    q.keepCopy(big); // the head of the queue, partly sent
    q.keepCopy(next); // further back, not sent at all
    assert.equal(q.bytes, original.length - sentOfBig, 'keepCopy changes nothing about what is left to send');
    big.fill(0xee); // the shared buffer gets reused for the next response
    next.fill(0xdd);
    p.client.resume();
    await flushAll(q, p.fd);
    const got = await p.receivedAtLeast(original.length);
    assert.equal(got.length, original.length);
    assert.ok(got.equals(original), 'the peer gets the bytes as they were when queued');
  } finally {
    p.close();
  }
});

test('a lone piece (the common one-piece response) partly sent: keepCopy keeps its rest, a later push queues behind it', async () => {
  const p = await pair({ paused: true });
  try {
    const q = new WriteQueue();
    const big = bytes(9, 16 << 20);
    const original = Buffer.from(big);
    q.push(big);
    assert.equal(q.flush(p.fd), false, 'the kernel did not take 16 MiB at once');
    const sent = big.length - q.bytes;
    assert.ok(sent > 0 && sent < big.length, `partly sent (${sent} of ${big.length} bytes)`);
    q.keepCopy(big);
    big.fill(0xcc); // the shared buffer is reused
    const tail = Buffer.from('and then this');
    q.push(tail);
    assert.equal(q.bytes, big.length - sent + tail.length);
    p.client.resume();
    await flushAll(q, p.fd);
    assert.ok(q.empty);
    const want = Buffer.concat([original, tail]);
    const got = await p.receivedAtLeast(want.length);
    assert.ok(got.equals(want), 'the peer gets the bytes as they were, then the tail');
  } finally {
    p.close();
  }
});

test('keepCopy of a piece that was sent already (or never queued) changes nothing', async () => {
  const p = await pair();
  try {
    const q = new WriteQueue();
    const sent = Buffer.from('sent already');
    q.push(sent);
    await flushAll(q, p.fd);
    q.keepCopy(sent);
    q.keepCopy(Buffer.from('never queued'));
    assert.ok(q.empty);
    assert.equal(q.bytes, 0);
    q.push(Buffer.from('|next'));
    await flushAll(q, p.fd);
    assert.equal((await p.receivedAtLeast(17)).toString(), 'sent already|next');
  } finally {
    p.close();
  }
});

test('clear() drops everything queued: what comes after is sent alone', async () => {
  const p = await pair();
  try {
    const q = new WriteQueue();
    q.push(Buffer.from('dropped'));
    q.pushFile({ kind: 'file', fd: 0, offset: 0, length: 1000, closeAfter: false }); // never touched
    q.clear();
    assert.ok(q.empty);
    assert.equal(q.bytes, 0);
    assert.equal(q.flush(p.fd), true);
    q.push(Buffer.from('kept'));
    await flushAll(q, p.fd);
    await p.receivedAtLeast(4);
    await delay(20);
    assert.equal(p.received().toString(), 'kept');
  } finally {
    p.close();
  }
});

test('a file shorter than announced throws (after sending what there is)', async () => {
  const f = tempFile(Buffer.from('0123456789'));
  const p = await pair();
  try {
    const q = new WriteQueue();
    q.push(Buffer.from('head|'));
    q.pushFile({ kind: 'file', fd: f.fd, offset: 4, length: 100, closeAfter: false });
    assert.throws(() => q.flush(p.fd), /file shorter than announced/);
    const got = await p.receivedAtLeast(11);
    assert.equal(got.toString(), 'head|456789', 'what the file had was sent');

    const q2 = new WriteQueue();
    q2.pushFile({ kind: 'file', fd: f.fd, offset: 10, length: 1, closeAfter: false }); // starts at the end
    assert.throws(() => q2.flush(p.fd), /file shorter than announced/);
  } finally {
    p.close();
    f.done();
  }
});

test('a peer that is gone makes flush() throw a SysError (EPIPE or ECONNRESET)', async () => {
  const p = await pair();
  try {
    p.client.resetAndDestroy(); // RST: the peer is gone at once
    await once(p.client, 'close');
    const q = new WriteQueue();
    let error = null;
    for (let i = 0; i < 200 && error === null; i++) {
      q.push(bytes(i, 1000));
      try {
        q.flush(p.fd);
      } catch (e) {
        error = e;
      }
      if (error === null) await delay(5);
    }
    assert.ok(error instanceof sys.SysError, `flush threw ${error}`);
    assert.ok(['EPIPE', 'ECONNRESET'].includes(error.code), `code ${error.code}`);
  } finally {
    p.close();
  }
});

test('a peer that closed normally (FIN) also ends in a SysError once the kernel knows', async () => {
  const p = await pair();
  try {
    p.client.destroy();
    await once(p.client, 'close');
    const q = new WriteQueue();
    let error = null;
    for (let i = 0; i < 200 && error === null; i++) {
      q.push(bytes(i, 1000));
      try {
        q.flush(p.fd); // the first send may still succeed: the peer answers it with RST
      } catch (e) {
        error = e;
      }
      if (error === null) await delay(5);
    }
    assert.ok(error instanceof sys.SysError, `flush threw ${error}`);
    assert.ok(['EPIPE', 'ECONNRESET'].includes(error.code), `code ${error.code}`);
  } finally {
    p.close();
  }
});
