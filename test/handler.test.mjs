// User handlers without sockets: the native helpers, the fetch adapter (both
// directions), the module loader, the composition with static files, and
// every fixture app in test/fixtures/apps called directly.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { text, html, json, reply, redirect } from '../dist/app/handler/native.js';
import { toFetchRequest, toReply, fetchAdapter, READ_AHEAD } from '../dist/app/handler/fetch-adapter.js';
import { loadHandler, handlerApp } from '../dist/app/handler/load.js';
import { composeApp } from '../dist/app/compose.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const APPS = 'test/fixtures/apps';

/** A Request as http/ would hand it over (see src/app/types.ts). */
function request({ method = 'GET', target = '/', headers = ['host', 'example.test'], body = Buffer.alloc(0), minor = 1 } = {}) {
  const q = target.indexOf('?');
  const p = q === -1 ? target : target.slice(0, q);
  return {
    method,
    target,
    path: p.startsWith('http') ? new URL(p).pathname : p,
    query: q === -1 ? '' : target.slice(q + 1),
    minor,
    headers,
    body,
    remoteAddress: '127.0.0.1',
    remotePort: 40000,
    header(name) {
      for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return headers[i + 1];
      return undefined;
    },
  };
}

const isStream = (b) => b !== null && typeof b === 'object' && typeof b[Symbol.asyncIterator] === 'function';

async function collect(iterable) {
  const chunks = [];
  for await (const c of iterable) {
    assert.ok(c instanceof Uint8Array, 'stream chunks are Uint8Arrays');
    chunks.push(c);
  }
  return { chunks, bytes: Buffer.concat(chunks) };
}

/** A reply's body as text, whatever its form. */
async function bodyText(r) {
  const b = r.body;
  if (b === null) return null;
  if (typeof b === 'string') return b;
  if (b instanceof Uint8Array) return Buffer.from(b).toString('utf8');
  return (await collect(b)).bytes.toString('utf8');
}

function field(r, name) {
  const values = [];
  for (let i = 0; i < r.headers.length; i += 2) if (r.headers[i].toLowerCase() === name) values.push(r.headers[i + 1]);
  return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe('native helpers', () => {
  test('text(): text/plain, status 200, frozen', () => {
    const r = text('hi');
    assert.deepEqual({ ...r }, { status: 200, headers: ['content-type', 'text/plain; charset=utf-8'], body: 'hi' });
    assert.ok(Object.isFrozen(r));
    assert.ok(Object.isFrozen(r.headers));
    assert.throws(() => {
      'use strict';
      r.headers.push('x', 'y');
    }, TypeError);
  });

  test('replies without extra fields share one frozen header list', () => {
    assert.equal(text('a').headers, text('b', 201).headers);
    assert.equal(json(1).headers, json(2).headers);
    assert.notEqual(text('a').headers, html('a').headers);
  });

  test('html() and json()', () => {
    assert.deepEqual(html('<p>x</p>', 201).headers, ['content-type', 'text/html; charset=utf-8']);
    assert.equal(html('<p>x</p>', 201).status, 201);
    const j = json({ a: [1, 'two'] }, 202);
    assert.equal(j.status, 202);
    assert.equal(j.body, '{"a":[1,"two"]}');
    assert.deepEqual(j.headers, ['content-type', 'application/json']);
    assert.throws(() => json(undefined), /not JSON-serializable/);
    assert.throws(() => json(() => 1), TypeError);
  });

  test('extra fields: object or flat list; a content-type of the user replaces the default', () => {
    assert.deepEqual(text('x', 200, { 'cache-control': 'no-store' }).headers, ['content-type', 'text/plain; charset=utf-8', 'cache-control', 'no-store']);
    assert.deepEqual(text('x', 200, ['Content-Type', 'text/csv', 'x-a', '1']).headers, ['Content-Type', 'text/csv', 'x-a', '1']);
    assert.deepEqual(json(0, 200, { 'set-cookie': ['a=1', 'b=2'] }).headers, ['content-type', 'application/json', 'set-cookie', 'a=1', 'set-cookie', 'b=2']);
    assert.ok(Object.isFrozen(text('x', 200, { a: 'b' }).headers));
  });

  test('reply() and redirect()', () => {
    assert.deepEqual({ ...reply(204) }, { status: 204, headers: [], body: null });
    const bytes = Buffer.from([1, 2, 3]);
    const r = reply(200, bytes, ['content-type', 'application/octet-stream']);
    assert.equal(r.body, bytes);
    assert.deepEqual({ ...redirect('/there') }, { status: 302, headers: ['location', '/there'], body: null });
    assert.equal(redirect('/x', 308).status, 308);
    assert.throws(() => redirect('/x', 200), RangeError);
  });

  test('bad input is refused when the reply is built, not when it is sent', () => {
    assert.throws(() => text('x', 99), RangeError);
    assert.throws(() => text('x', 1000), RangeError);
    assert.throws(() => text('x', 200.5), RangeError);
    assert.throws(() => reply(101), RangeError);
    assert.throws(() => text('x', 200, { 'x-a': 'ok\r\nset-cookie: evil=1' }), /invalid value for header x-a/);
    assert.throws(() => text('x', 200, { 'bad name': 'v' }), /invalid header name/);
    assert.throws(() => text('x', 200, ['x-a']), /even length/);
    assert.throws(() => redirect('/a\nb'), TypeError);
  });
});

describe('fetch adapter: Request', () => {
  test('origin-form: URL from Host, every field in order, repeated fields appended', async () => {
    const r = toFetchRequest(
      request({ target: '/a/b?x=1&y=%20', headers: ['host', 'example.test:8080', 'x-a', '1', 'accept', '*/*', 'x-a', '2', 'cookie', 'c=1'] }),
    );
    assert.ok(r instanceof Request);
    assert.equal(r.url, 'http://example.test:8080/a/b?x=1&y=%20');
    assert.equal(r.method, 'GET');
    assert.equal(r.headers.get('x-a'), '1, 2');
    assert.equal(r.headers.get('host'), 'example.test:8080');
    assert.equal(r.headers.get('cookie'), 'c=1');
    assert.equal(r.body, null);
  });

  test('no Host: http://localhost', () => {
    assert.equal(toFetchRequest(request({ target: '/p', headers: [] })).url, 'http://localhost/p');
  });

  test('absolute-form is used as it is; "*" becomes /*', () => {
    const abs = toFetchRequest(request({ target: 'http://other.test:81/q?z', headers: ['host', 'ignored.test'] }));
    assert.equal(abs.url, 'http://other.test:81/q?z');
    const star = toFetchRequest(request({ method: 'OPTIONS', target: '*', headers: ['host', 'h.test'] }));
    assert.equal(star.url, 'http://h.test/*');
    assert.equal(star.method, 'OPTIONS');
  });

  test('body for POST/PUT when non-empty; none for GET, HEAD or an empty body', async () => {
    const post = toFetchRequest(request({ method: 'POST', target: '/', headers: ['host', 'h', 'content-type', 'text/plain'], body: Buffer.from('héllo') }));
    assert.equal(await post.text(), 'héllo');
    assert.equal(post.headers.get('content-type'), 'text/plain');
    const put = toFetchRequest(request({ method: 'PUT', body: Buffer.from([0, 255, 1]) }));
    assert.deepEqual(Buffer.from(await put.arrayBuffer()), Buffer.from([0, 255, 1]));
    assert.equal(toFetchRequest(request({ method: 'POST' })).body, null);
    assert.equal(toFetchRequest(request({ method: 'GET', body: Buffer.from('x') })).body, null);
    assert.equal(toFetchRequest(request({ method: 'HEAD', body: Buffer.from('x') })).body, null);
  });

  test('a Host that would change the URL is refused: 400, and the handler is not called', async () => {
    assert.throws(() => toFetchRequest(request({ headers: ['host', 'evil.test/x?'] })), /invalid Host header/);
    let called = false;
    const handle = fetchAdapter(() => {
      called = true;
      return new Response('no');
    });
    const r = await handle(request({ headers: ['host', 'a@b'] }));
    assert.equal(r.status, 400);
    assert.match(r.body, /^Bad Request: invalid Host header/);
    assert.equal(called, false);
  });

  test('methods fetch forbids get 501', async () => {
    const handle = fetchAdapter(() => new Response('no'));
    for (const method of ['TRACE', 'CONNECT']) {
      const r = await handle(request({ method, target: '/' }));
      assert.equal(r.status, 501, method);
    }
  });
});

describe('fetch adapter: Response', () => {
  test('status; statusText only when it is not the standard phrase', async () => {
    assert.equal((await toReply(new Response(null, { status: 201 }))).reason, undefined);
    assert.equal((await toReply(new Response(null, { status: 201, statusText: 'Created' }))).reason, undefined);
    const r = await toReply(new Response(null, { status: 299, statusText: 'Fine Enough' }));
    assert.equal(r.status, 299);
    assert.equal(r.reason, 'Fine Enough');
  });

  test('Set-Cookie stays one field per cookie; framing fields are dropped', async () => {
    const headers = new Headers();
    headers.append('set-cookie', 'a=1; Path=/');
    headers.append('x-b', '2');
    headers.append('set-cookie', 'b=2, with comma; HttpOnly');
    headers.append('content-length', '999');
    headers.append('transfer-encoding', 'chunked');
    headers.append('connection', 'close');
    headers.append('keep-alive', 'timeout=5');
    headers.append('x-a', '1');
    headers.append('x-a', '3');
    const r = await toReply(new Response('body', { headers }));
    assert.deepEqual(field(r, 'set-cookie'), ['a=1; Path=/', 'b=2, with comma; HttpOnly']);
    assert.equal(field(r, 'x-a'), '1, 3');
    assert.equal(field(r, 'x-b'), '2');
    for (const name of ['content-length', 'transfer-encoding', 'connection', 'keep-alive']) assert.equal(field(r, name), undefined, name);
    assert.equal(field(r, 'content-type'), 'text/plain;charset=UTF-8');
  });

  test('null body → null; small bodies → one Buffer', async () => {
    assert.equal((await toReply(new Response(null))).body, null);
    const empty = await toReply(new Response(''));
    assert.ok(Buffer.isBuffer(empty.body));
    assert.equal(empty.body.length, 0);
    const s = await toReply(new Response('Hello, Wörld!'));
    assert.ok(Buffer.isBuffer(s.body));
    assert.equal(s.body.toString(), 'Hello, Wörld!');
    const u8 = await toReply(new Response(new Uint8Array([1, 2, 3])));
    assert.deepEqual(u8.body, Buffer.from([1, 2, 3]));
    const j = await toReply(Response.json({ ok: true }));
    assert.equal(j.body.toString(), '{"ok":true}');
    assert.equal(field(j, 'content-type'), 'application/json');
  });

  test('a stream of ready chunks under the read-ahead → one Buffer', async () => {
    const parts = ['a', 'bb', 'ccc'];
    const stream = new ReadableStream({
      pull(c) {
        const p = parts.shift();
        if (p === undefined) c.close();
        else c.enqueue(new TextEncoder().encode(p));
      },
    });
    const r = await toReply(new Response(stream));
    assert.ok(Buffer.isBuffer(r.body));
    assert.equal(r.body.toString(), 'abbccc');
  });

  test('strings enqueued by a hand-made stream are sent as UTF-8', async () => {
    const stream = new ReadableStream({
      start(c) {
        c.enqueue('é');
        c.close();
      },
    });
    const r = await toReply(new Response(stream));
    assert.equal(r.body.toString(), 'é');
  });

  test('a body longer than the read-ahead → AsyncIterable that yields all of it', async () => {
    const big = Buffer.alloc(READ_AHEAD * 3 + 17, 'x');
    big[big.length - 1] = 0x79; // "y": the last byte must arrive too
    const r = await toReply(new Response(big));
    assert.ok(isStream(r.body));
    const { bytes } = await collect(r.body);
    assert.ok(bytes.equals(big));

    // Many small ready chunks adding up past the read-ahead.
    let n = 0;
    const many = new ReadableStream({
      pull(c) {
        if (n === 100) return c.close();
        c.enqueue(Buffer.alloc(1024, n++ % 256));
      },
    });
    const r2 = await toReply(new Response(many));
    assert.ok(isStream(r2.body));
    const { bytes: b2 } = await collect(r2.body);
    assert.equal(b2.length, 100 * 1024);
    assert.equal(b2[99 * 1024], 99);
  });

  test('a stream that waits between chunks → AsyncIterable, chunks in order', async () => {
    let n = 0;
    const stream = new ReadableStream({
      async pull(c) {
        if (n === 4) return c.close();
        if (n > 0) await sleep(10);
        c.enqueue(new TextEncoder().encode(`part ${++n};`));
      },
    });
    const r = await toReply(new Response(stream));
    assert.ok(n < 4, `the reply does not wait for the slow chunks (${n} produced)`);
    assert.ok(isStream(r.body));
    const { bytes } = await collect(r.body);
    assert.equal(bytes.toString(), 'part 1;part 2;part 3;part 4;');
  });

  test('a stream whose first chunk waits is not held up', async () => {
    const stream = new ReadableStream({
      async start(c) {
        await sleep(30);
        c.enqueue(new Uint8Array([65]));
        c.close();
      },
    });
    const r = await toReply(new Response(stream));
    assert.ok(isStream(r.body));
    assert.equal((await collect(r.body)).bytes.toString(), 'A');
  });

  test('stopping early (client gone) cancels an endless stream', async () => {
    let cancelled = null;
    let n = 0;
    const endless = new ReadableStream({
      async pull(c) {
        await sleep(1);
        c.enqueue(new Uint8Array([n++ % 256]));
      },
      cancel(reason) {
        cancelled = reason ?? 'cancelled';
      },
    });
    const r = await toReply(new Response(endless));
    assert.ok(isStream(r.body));
    let got = 0;
    for await (const _ of r.body) if (++got === 3) break;
    assert.equal(got, 3);
    await sleep(5);
    assert.notEqual(cancelled, null);
  });

  test('HEAD: a streaming body is cancelled, the reply still says "stream"', async () => {
    let cancelled = false;
    const stream = new ReadableStream({
      async pull(c) {
        await sleep(5);
        c.enqueue(new Uint8Array([1]));
      },
      cancel() {
        cancelled = true;
      },
    });
    const r = await toReply(new Response(stream), true);
    assert.ok(isStream(r.body));
    await sleep(1);
    assert.ok(cancelled);
    assert.equal((await collect(r.body)).chunks.length, 0);
  });

  test('204 and 304: no body', async () => {
    assert.equal((await toReply(new Response(null, { status: 204 }))).body, null);
    assert.equal((await toReply(new Response(null, { status: 304 }))).body, null);
  });

  test('a stream that fails while read ahead rejects; one that fails later throws from the iterator', async () => {
    const early = new ReadableStream({
      pull(c) {
        c.error(new Error('early failure'));
      },
    });
    await assert.rejects(toReply(new Response(early)), /early failure/);

    let sent = false;
    const late = new ReadableStream({
      async pull(c) {
        if (!sent) {
          sent = true;
          c.enqueue(new Uint8Array([1]));
          return;
        }
        await sleep(5);
        c.error(new Error('late failure'));
      },
    });
    const r = await toReply(new Response(late));
    assert.ok(isStream(r.body));
    await assert.rejects(collect(r.body), /late failure/);
  });

  test('fetchAdapter: errors of the handler propagate; non-Responses are refused', async () => {
    await assert.rejects(
      fetchAdapter(() => {
        throw new Error('sync boom');
      })(request()),
      /sync boom/,
    );
    await assert.rejects(fetchAdapter(async () => Promise.reject(new Error('async boom')))(request()), /async boom/);
    await assert.rejects(fetchAdapter(() => undefined)(request()), /fetch handler returned undefined, not a Response/);
    await assert.rejects(fetchAdapter(() => ({ status: 200 }))(request()), /returned an object \(Object\), not a Response/);
  });
});

describe('loader', () => {
  test('detects the kind of each fixture', async () => {
    const kinds = {
      'native-app.mjs': 'native',
      'async-app.mjs': 'native',
      'throwing-app.mjs': 'native',
      'hono-app.mjs': 'fetch',
      'throwing-fetch-app.mjs': 'fetch',
      'echo-app.mjs': 'native',
    };
    for (const [file, kind] of Object.entries(kinds)) {
      const app = await loadHandler(`${APPS}/${file}`, ROOT);
      assert.equal(app.kind, kind, file);
      assert.equal(typeof app.handle, 'function');
      assert.equal(typeof app.handleOrUndefined, 'function');
    }
    assert.equal((await loadHandler('bench/apps/hello-fetch.mjs', ROOT)).kind, 'fetch');
  });

  test('resolves against cwd, which defaults to process.cwd()', async () => {
    const app = await loadHandler('apps/native-app.mjs', path.join(ROOT, 'test/fixtures'));
    assert.equal(app.kind, 'native');
    const abs = await loadHandler(path.join(ROOT, APPS, 'native-app.mjs'));
    assert.equal(abs.kind, 'native');
  });

  test('missing file', async () => {
    await assert.rejects(loadHandler('./x.mjs', ROOT), { message: 'app module not found: ./x.mjs' });
  });

  test('a module that fails to import: the original message is kept', async () => {
    await assert.rejects(loadHandler(`./${APPS}/broken-app.mjs`, ROOT), (e) => {
      assert.equal(e.message, `app module ./${APPS}/broken-app.mjs failed to load: broken at load time`);
      assert.equal(e.cause.message, 'broken at load time');
      return true;
    });
  });

  test('no usable default export', async () => {
    await assert.rejects(loadHandler(`./${APPS}/no-default-app.mjs`, ROOT), (e) => {
      assert.ok(e.message.startsWith(`./${APPS}/no-default-app.mjs has no default export with fetch() or handle()`), e.message);
      assert.match(e.message, /named export handle\(\)/);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
    assert.equal(handlerApp(42), null);
    assert.equal(handlerApp({ fetch: 'no' }), null);
    assert.equal(handlerApp(null), null);
  });

  test('shapes: handle wins over fetch; a fetch method keeps its this; a bare function is fetch-style', async () => {
    const both = handlerApp({ handle: () => text('native'), fetch: () => new Response('fetch') });
    assert.equal(both.kind, 'native');
    assert.equal(both.handle(request()).body, 'native');

    const withThis = {
      greeting: 'kept this',
      fetch() {
        return new Response(this.greeting);
      },
    };
    assert.equal((await handlerApp(withThis).handle(request())).body.toString(), 'kept this');
    assert.equal((await handlerApp(() => new Response('fn')).handle(request())).body.toString(), 'fn');
  });

  test('close() of the module is forwarded', async () => {
    let closed = 0;
    const app = handlerApp({ handle: () => undefined, close: () => void closed++ });
    await app.close();
    assert.equal(closed, 1);
  });
});

describe('fixtures', () => {
  test('hono-app: text, json, 404, error handler', async () => {
    const app = await loadHandler(`${APPS}/hono-app.mjs`, ROOT);
    const root = await app.handle(request({ target: '/' }));
    assert.equal(root.status, 200);
    assert.equal(root.body.toString(), 'Hello from Hono!');

    const j = await app.handle(request({ target: '/json/42?x=1' }));
    assert.equal(field(j, 'content-type'), 'application/json');
    assert.deepEqual(JSON.parse(j.body), { id: '42', query: { x: '1' } });

    const missing = await app.handle(request({ target: '/nope' }));
    assert.equal(missing.status, 404);
    assert.equal(missing.body.toString(), 'custom not found: /nope\n');

    const boom = await app.handle(request({ target: '/boom' }));
    assert.equal(boom.status, 500);
    assert.equal(boom.body.toString(), 'hono caught: boom\n');

    // A fetch handler owns every path: it never declines.
    assert.equal((await app.handleOrUndefined(request({ target: '/nope' }))).status, 404);
  });

  test('hono-app: POST /echo returns body and content type', async () => {
    const app = await loadHandler(`${APPS}/hono-app.mjs`, ROOT);
    const body = Buffer.from([0, 1, 2, 250, 255]);
    const r = await app.handle(request({ method: 'POST', target: '/echo', headers: ['host', 'h', 'content-type', 'application/x-bytes', 'content-length', '5'], body }));
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, body);
    assert.equal(field(r, 'content-type'), 'application/x-bytes');
    assert.equal(field(r, 'x-echo-length'), '5');
    assert.equal(field(r, 'content-length'), undefined);
  });

  test('hono-app: /stream streams, /big streams, /cookies sets two cookies, /request shows the request', async () => {
    const app = await loadHandler(`${APPS}/hono-app.mjs`, ROOT);
    const s = await app.handle(request({ target: '/stream' }));
    assert.ok(isStream(s.body));
    const { chunks, bytes } = await collect(s.body);
    assert.ok(chunks.length >= 2, 'several chunks');
    assert.equal(bytes.toString(), 'chunk 1\nchunk 2\nchunk 3\nchunk 4\nchunk 5\n');

    const big = await app.handle(request({ target: '/big?size=100000' }));
    assert.ok(isStream(big.body));
    assert.equal((await collect(big.body)).bytes.length, 100000);
    const small = await app.handle(request({ target: '/big?size=1000' }));
    assert.ok(Buffer.isBuffer(small.body));

    const c = await app.handle(request({ target: '/cookies' }));
    assert.deepEqual(field(c, 'set-cookie'), ['a=1; Path=/', 'b=2; Path=/; HttpOnly']);

    const seen = await app.handle(request({ method: 'PUT', target: '/request?q', headers: ['host', 'h.test:9', 'x-a', '1', 'x-a', '2'] }));
    assert.deepEqual(JSON.parse(seen.body), { method: 'PUT', url: 'http://h.test:9/request?q', headers: [['host', 'h.test:9'], ['x-a', '1, 2']] });
  });

  test('hono-app: HEAD', async () => {
    const app = await loadHandler(`${APPS}/hono-app.mjs`, ROOT);
    const r = await app.handle(request({ method: 'HEAD', target: '/' }));
    assert.equal(r.status, 200);
  });

  test('async-app: waits, reads a file, declines other paths asynchronously', async () => {
    const app = await loadHandler(`${APPS}/async-app.mjs`, ROOT);
    const pending = app.handle(request({ target: '/data' }));
    assert.ok(pending instanceof Promise);
    const r = await pending;
    assert.equal(r.status, 200);
    assert.equal(await bodyText(r), 'read from disk after a timer\n');
    assert.equal(await app.handleOrUndefined(request({ target: '/other' })), undefined);
    assert.equal((await app.handle(request({ target: '/other' }))).status, 404);
  });

  test('throwing-app: throws synchronously, rejects asynchronously, else 200', async () => {
    const app = await loadHandler(`${APPS}/throwing-app.mjs`, ROOT);
    assert.throws(() => app.handle(request({ target: '/sync' })), /thrown synchronously/);
    await assert.rejects(app.handle(request({ target: '/async' })), /rejected asynchronously/);
    const ok = app.handle(request({ target: '/' }));
    assert.equal(ok.status, 200);
  });

  test('throwing-fetch-app: every failure propagates', async () => {
    const app = await loadHandler(`${APPS}/throwing-fetch-app.mjs`, ROOT);
    await assert.rejects(app.handle(request({ target: '/sync' })), /thrown synchronously/);
    await assert.rejects(app.handle(request({ target: '/async' })), /rejected asynchronously/);
    await assert.rejects(app.handle(request({ target: '/not-a-response' })), /not a Response/);
    const broken = await app.handle(request({ target: '/stream-error' }));
    assert.ok(isStream(broken.body));
    await assert.rejects(collect(broken.body), /stream broke/);
    assert.equal((await app.handle(request({ target: '/' }))).status, 200);
  });

  test('native-app: routes, undefined for the rest', async () => {
    const app = await loadHandler(`${APPS}/native-app.mjs`, ROOT);
    const hello = app.handle(request({ target: '/hello' }));
    assert.equal(hello.body, 'Hello from native\n');
    assert.equal(app.handle(request({ target: '/hello' })), hello, 'the same frozen reply every time');
    assert.deepEqual(JSON.parse(app.handle(request({ target: '/json?a=b' })).body), { method: 'GET', path: '/json', query: 'a=b', minor: 1 });
    assert.equal(field(app.handle(request({ target: '/html' })), 'content-type'), 'text/html; charset=utf-8');
    assert.equal(field(app.handle(request({ target: '/redirect' })), 'location'), '/hello');
    assert.equal(app.handle(request({ target: '/teapot' })).status, 418);
    const echo = app.handle(request({ method: 'POST', target: '/echo', headers: ['content-type', 'a/b'], body: Buffer.from('xyz') }));
    assert.equal(echo.body.toString(), 'xyz');
    assert.equal(app.handleOrUndefined(request({ target: '/index.html' })), undefined);
    assert.equal(app.handle(request({ target: '/index.html' })).status, 404);
  });

  test('bench apps', async () => {
    const fetchApp = await loadHandler('bench/apps/hello-fetch.mjs', ROOT);
    const r = await fetchApp.handle(request());
    assert.equal(r.body.toString(), 'Hello, World!');
    assert.equal(field(r, 'content-type'), 'text/plain');
  });

  test('bench apps: hello-native (needs dist/index.js)', { skip: !existsSync(path.join(ROOT, 'dist/index.js')) }, async () => {
    const app = await loadHandler('bench/apps/hello-native.mjs', ROOT);
    const r = app.handle(request());
    assert.equal(r.body, 'Hello, World!');
    assert.ok(Object.isFrozen(r));
  });
});

describe('composeApp', () => {
  const fromStatic = text('static file');
  const statics = (calls = []) => ({
    handle: (req) => fromStatic,
    handleOrNull: (req) => {
      calls.push(req.path);
      return req.path === '/file.txt' ? fromStatic : null;
    },
  });

  test('handler first; undefined falls through to static files, then 404; sync stays sync', async () => {
    const handler = await loadHandler(`${APPS}/native-app.mjs`, ROOT);
    const app = composeApp(handler, statics());
    const hello = app.handle(request({ target: '/hello' }));
    assert.ok(!(hello instanceof Promise));
    assert.equal(hello.body, 'Hello from native\n');
    assert.equal(app.handle(request({ target: '/file.txt' })), fromStatic);
    const nf = app.handle(request({ target: '/missing' }));
    assert.ok(!(nf instanceof Promise));
    assert.deepEqual({ ...nf }, { status: 404, headers: ['content-type', 'text/plain; charset=utf-8'], body: 'Not Found\n' });
  });

  test('an asynchronous "not mine" falls through too', async () => {
    const handler = await loadHandler(`${APPS}/async-app.mjs`, ROOT);
    const app = composeApp(handler, statics());
    const r = app.handle(request({ target: '/file.txt' }));
    assert.ok(r instanceof Promise);
    assert.equal(await r, fromStatic);
    assert.equal((await app.handle(request({ target: '/data' }))).status, 200);
    assert.equal((await app.handle(request({ target: '/nothing' }))).status, 404);
  });

  test('only one of them, or neither', async () => {
    assert.equal(composeApp(null, statics()).handle(request({ target: '/file.txt' })), fromStatic);
    assert.equal(composeApp(null, statics()).handle(request({ target: '/x' })).status, 404);
    assert.equal(composeApp(null, null).handle(request()).status, 404);
    const handler = await loadHandler(`${APPS}/native-app.mjs`, ROOT);
    assert.equal(composeApp(handler, null).handle(request({ target: '/x' })).status, 404);
  });

  test('a plain App as handler answers everything', () => {
    const calls = [];
    const app = composeApp({ handle: () => text('app') }, statics(calls));
    assert.equal(app.handle(request({ target: '/file.txt' })).body, 'app');
    assert.deepEqual(calls, []);
  });

  test('errors of the handler reach the caller', async () => {
    const app = composeApp(await loadHandler(`${APPS}/throwing-app.mjs`, ROOT), statics());
    assert.throws(() => app.handle(request({ target: '/sync' })), /thrown synchronously/);
    await assert.rejects(app.handle(request({ target: '/async' })), /rejected asynchronously/);
  });

  test('close() reaches both, even when one fails', async () => {
    const closed = [];
    const handler = handlerApp({
      handle: () => undefined,
      close() {
        closed.push('handler');
        throw new Error('handler close failed');
      },
    });
    const app = composeApp(handler, { ...statics(), close: async () => void closed.push('static') });
    await assert.rejects(app.close(), /handler close failed/);
    assert.deepEqual(closed.sort(), ['handler', 'static']);
    await composeApp(null, null).close();
  });
});
