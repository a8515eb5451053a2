// Item 9 of "Everyday use": the access log keeps the facts. Streamed bodies
// log the bytes sent; a response the client cuts short is logged with the
// status it was sent with and the bytes that went out (one whose client left
// before any byte could be sent: 499, as nginx); a request that could not be
// parsed keeps what arrived of its request line; --quiet never hides an error.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fs from 'node:fs';
import { startServer, rawExchange } from './helpers/server.mjs';
import { makeSite } from './fixtures/app-requests.mjs';

const STREAM_APP = 'test/fixtures/apps/stream-chunks-app.mjs';
const SLOW_APP = 'test/fixtures/apps/slow-app.mjs';
const BIG = 16 << 20;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let site;
before(() => {
  site = makeSite('log', { 'hello.txt': 'hello\n' });
  fs.writeFileSync(site.file('big.bin'), Buffer.alloc(BIG, 1));
});
after(() => site.remove());

/** The JSON log lines so far. */
const entries = (s) => s.output().stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

async function entryFor(s, test, ms = 3000) {
  const until = Date.now() + ms;
  for (;;) {
    const e = entries(s).find(test);
    if (e !== undefined) return e;
    if (Date.now() > until) assert.fail(`no such log line in:\n${s.output().stdout}\nstderr:\n${s.output().stderr}`);
    await sleep(25);
  }
}

for (const model of ['iterative', 'event-loop']) {
  describe(`${model}: access log`, () => {
    let s;
    let combined;
    before(async () => {
      s = await startServer([site.dir, '--model', model, '--app', STREAM_APP, '--log', 'json']);
      combined = await startServer([site.dir, '--model', model, '--log', 'combined']);
    });
    after(() => Promise.all([s.stop(), combined.stop()]));

    test('a streamed body is logged with the bytes sent after the head', async () => {
      const r = await rawExchange(s.port, 'GET /mixed HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      const body = r.bytes.length - (r.text.indexOf('\r\n\r\n') + 4);
      const e = await entryFor(s, (x) => x.target === '/mixed');
      assert.equal(e.status, 200);
      assert.equal(e.bytes, body, 'the body as it went out (chunk framing included, as nginx counts it)');
      assert.equal(e.incomplete, undefined);
    });

    test('a download the client abandons is logged: status 200, the bytes that went out, incomplete', async () => {
      const sock = net.connect(s.port, '127.0.0.1');
      let got = 0;
      await new Promise((resolve) => {
        sock.on('data', (d) => {
          got += d.length;
          if (got > 100_000) {
            sock.resetAndDestroy(); // RST: the client is gone, mid-body
            resolve();
          }
        });
        sock.on('error', () => {});
        sock.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      const e = await entryFor(s, (x) => x.target === '/big.bin');
      assert.equal(e.status, 200);
      assert.equal(e.incomplete, true);
      assert.ok(e.bytes > 0 && e.bytes < BIG, `bytes ${e.bytes}`);
    });

    test('a 501 and a 400 keep what arrived of their request line, escaped in CLF', async () => {
      await rawExchange(combined.port, 'BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n');
      await rawExchange(combined.port, 'GET /x HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n');
      await rawExchange(combined.port, Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]));
      const until = Date.now() + 3000;
      while (combined.output().stdout.split('\n').length < 4 && Date.now() < until) await sleep(25);
      const log = combined.output().stdout;
      assert.match(log, /"BREW \/pot HTTP\/1\.1" 501 /);
      assert.match(log, /"GET \/x HTTP\/1\.1" 400 /);
      assert.match(log, /"\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03" 400 /);
      assert.doesNotMatch(log, /"-" (400|501) /);
    });
  });
}

describe('--quiet', () => {
  for (const model of ['iterative', 'event-loop']) {
    test(`${model}: a handler's error still reaches stderr, with its stack`, async () => {
      const s = await startServer(['--model', model, '--app', 'test/fixtures/apps/throwing-app.mjs', '--quiet']);
      try {
        assert.equal((await fetch(`${s.url}/sync`, { headers: { connection: 'close' } })).status, 500);
        const until = Date.now() + 2000;
        while (!/thrown synchronously/.test(s.output().stderr) && Date.now() < until) await sleep(25);
        assert.match(s.output().stderr, /handler failed on GET \/sync: Error: thrown synchronously\n\s+at /);
        assert.doesNotMatch(s.output().stderr, /one thread|one process/, 'the start-up notice stays quiet');
        assert.equal(s.output().stdout, '');
      } finally {
        await s.stop();
      }
    });
  }
});

test('JSON log of a request with a slow handler that the client abandons (event-loop): 499', async () => {
  const s = await startServer(['--app', SLOW_APP, '--log', 'json']);
  try {
    const sock = net.connect(s.port, '127.0.0.1');
    await new Promise((resolve) => sock.on('connect', resolve));
    sock.on('error', () => {});
    sock.write('GET /slow?ms=500 HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(150);
    sock.resetAndDestroy();
    const e = await entryFor(s, (x) => x.target === '/slow?ms=500');
    assert.equal(e.status, 499);
    assert.equal(e.bytes, 0);
    assert.equal(e.incomplete, true);
  } finally {
    await s.stop();
  }
});

test('JSON log of the same under iterative: the answer could not be sent at all, 499', async () => {
  const s = await startServer(['--model', 'iterative', '--app', SLOW_APP, '--log', 'json']);
  try {
    const sock = net.connect(s.port, '127.0.0.1');
    await new Promise((resolve) => sock.on('connect', resolve));
    sock.on('error', () => {});
    sock.write('GET /slow?ms=300 HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(100);
    sock.resetAndDestroy();
    const e = await entryFor(s, (x) => x.target === '/slow?ms=300');
    assert.equal(e.status, 499);
    assert.equal(e.bytes, 0);
  } finally {
    await s.stop();
  }
});
