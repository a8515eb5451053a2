// Item 1 of "Everyday use": a native handler's streamed body. Strings and
// bytes of every kind are chunks; anything else is a 500 with a clear line on
// stderr when it comes first (the head is not sent before the first chunk is
// checked), and a cut connection — never wrong bytes — when it comes later.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, rawExchange, parseResponses } from './helpers/server.mjs';

const APP = 'test/fixtures/apps/stream-chunks-app.mjs';
const MIXED = 'a\nb\nc\nd\ne\né\n';
// Connection: close everywhere: the iterative server serves one connection at a time, and a
// fetch keep-alive connection would hold it until the idle timeout.
const CLOSE = { connection: 'close' };
const get = (path) => `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;

for (const model of ['iterative', 'event-loop']) {
  describe(`${model}: streamed bodies`, () => {
    let s;
    before(async () => (s = await startServer(['--model', model, '--app', APP])));
    after(() => s.stop());

    for (const path of ['/mixed', '/plain']) {
      test(`${path}: strings, Buffers, Uint8Arrays, DataViews and ArrayBuffers are sent as their bytes`, async () => {
        const res = await fetch(`${s.url}${path}`, { headers: CLOSE });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('transfer-encoding'), 'chunked');
        assert.equal(Buffer.from(await res.arrayBuffer()).toString('utf8'), MIXED);
      });
    }

    test('a compressible stream of mixed chunks is compressed from the same bytes', async () => {
      for (const coding of ['gzip', 'br']) {
        const res = await fetch(`${s.url}/compressed`, { headers: { ...CLOSE, 'accept-encoding': coding } });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('content-encoding'), coding);
        assert.equal(await res.text(), MIXED); // (fetch decodes)
      }
    });

    test('a stream that ends at once is an empty body', async () => {
      const [r] = parseResponses((await rawExchange(s.port, get('/empty'))).text);
      assert.equal(r.status, 200);
      assert.equal(r.body, '');
    });

    for (const [path, what] of [
      ['/bad-first', /TypeError: a response body chunk must be a string or bytes .*not a number \(42\)/],
      ['/bad-first-plain', /TypeError: a response body chunk must be a string or bytes .*not an object/],
      ['/throws-first', /Error: the database is down/],
    ]) {
      test(`${path}: a bad first chunk is a 500, and stderr says why`, async () => {
        const r = await rawExchange(s.port, get(path));
        const [res] = parseResponses(r.text);
        assert.equal(res?.status, 500, r.text);
        assert.match(res.body, /Internal Server Error/);
        await waitFor(() => what.test(s.output().stderr), `stderr names the problem: ${s.output().stderr}`);
        assert.match(s.output().stderr, new RegExp(`handler failed on GET ${path}`));
      });
    }

    test('a bad chunk after the head cuts the connection: no last chunk, no wrong bytes', async () => {
      const r = await rawExchange(s.port, get('/bad-later'));
      assert.ok(r.closed);
      assert.match(r.text, /^HTTP\/1\.1 200 OK\r\n/);
      const body = r.text.slice(r.text.indexOf('\r\n\r\n') + 4);
      assert.equal(body, '3\r\nok\n\r\n', 'the good chunk, then nothing: the client sees an incomplete body');
      await waitFor(() => /response body chunk must be a string or bytes .*not null/.test(s.output().stderr), s.output().stderr);
    });

    test('HEAD: the same framing as GET, and the stream is never started', async () => {
      const head = (path) => `HEAD ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
      const [r] = parseResponses((await rawExchange(s.port, head('/mixed'))).text, { headRequests: 1 });
      assert.equal(r.status, 200);
      assert.deepEqual(r.headers['transfer-encoding'], ['chunked']);
      assert.equal(r.body, '');
      const [bad] = parseResponses((await rawExchange(s.port, head('/bad-first'))).text, { headRequests: 1 });
      assert.equal(bad.status, 200, 'a HEAD never runs the generator, so its first chunk is not judged');
    });

    test('the server is fine afterwards', async () => {
      assert.equal(await (await fetch(`${s.url}/mixed`, { headers: CLOSE })).text(), MIXED);
    });
  });
}

async function waitFor(ok, message, ms = 2000) {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) assert.fail(message);
    await new Promise((r) => setTimeout(r, 20));
  }
}
