// Items 11 and 17 of "Everyday use", over real sockets: bytes that can never
// begin a request (binary garbage, TLS sent to the plain port) get 400 and a
// close as soon as they arrive — not at the header timeout — and the server
// says when it looked like TLS; reason phrases are RFC 9110's.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from './helpers/server.mjs';
import { reasonPhrase, errorReply } from '../dist/http/index.js';

const CLIENT_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]);

/** Send `bytes` and wait for the server to close; resolves { text, ms } (ms: from the send to the close). */
function sendAndWait(port, bytes, maxMs = 8000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let text = '';
    let sentAt = 0;
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ text, ms: Infinity });
    }, maxMs);
    sock.on('data', (d) => (text += d.toString('latin1')));
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ text, ms: Date.now() - sentAt });
    });
    sock.on('connect', () => {
      sentAt = Date.now();
      sock.write(bytes);
    });
    sock.on('timeout', reject);
  });
}

for (const model of ['iterative', 'event-loop']) {
  describe(`${model}: what cannot be HTTP is refused at once`, () => {
    let s;
    before(async () => (s = await startServer(['--model', model, 'test/fixtures/site'])));
    after(() => s.stop());

    test('a TLS ClientHello: 400 with a body that says so, closed at once; stderr says it too', async () => {
      const r = await sendAndWait(s.port, CLIENT_HELLO);
      assert.ok(r.ms < 2000, `closed after ${r.ms} ms (the header timeout is 10 s)`);
      assert.match(r.text, /^HTTP\/1\.1 400 Bad Request\r\n/);
      assert.match(r.text, /plain HTTP, not TLS/);
      const until = Date.now() + 2000;
      while (!/TLS handshake/.test(s.output().stderr) && Date.now() < until) await new Promise((x) => setTimeout(x, 20));
      assert.match(s.output().stderr, /127\.0\.0\.1 sent a TLS handshake to this plain-HTTP port \(an https:\/\/ URL\?\)/);
    });

    test('one byte of binary garbage is enough', async () => {
      const r = await sendAndWait(s.port, Buffer.from([0x00]));
      assert.ok(r.ms < 2000, `closed after ${r.ms} ms`);
      assert.match(r.text, /^HTTP\/1\.1 400 Bad Request\r\n/);
      assert.match(r.text, /not an HTTP request/);
    });

    test('the start of a real request still waits for the rest', async () => {
      const r = await sendAndWait(s.port, 'GET /hel', 1500);
      assert.equal(r.ms, Infinity, 'still open: a request may arrive slowly');
      assert.equal(r.text, '');
    });
  });
}

test('reason phrases are RFC 9110 §15\'s, whatever Node calls them', async () => {
  assert.equal(reasonPhrase(413), 'Content Too Large');
  assert.equal(reasonPhrase(422), 'Unprocessable Content');
  assert.equal(reasonPhrase(416), 'Range Not Satisfiable');
  assert.equal(reasonPhrase(414), 'URI Too Long');
  assert.equal(reasonPhrase(429), 'Too Many Requests'); // not in RFC 9110: Node's (RFC 6585)
  assert.match(errorReply(413).body, /^Content Too Large/);
  const s = await startServer(['test/fixtures/site', '--max-body', '10']);
  try {
    const r = await sendAndWait(s.port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n');
    assert.match(r.text, /^HTTP\/1\.1 413 Content Too Large\r\n/);
  } finally {
    await s.stop();
  }
});
