// The composition of a handler with static files (compose.ts), in process:
// who answers first, what falls through, what the caller gets back, and the
// layers around it (CORS, compression of handler replies).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { text, reply } from '../dist/app/handler/native.js';
import { loadHandler, handlerApp } from '../dist/app/handler/load.js';
import { composeApp } from '../dist/app/compose.js';
import { createStaticApp } from '../dist/app/static/index.js';
import { ROOT, APPS, request } from './fixtures/handler-requests.mjs';
import { makeRequest, makeSite, field, bodyOf } from './fixtures/app-requests.mjs';

describe('composeApp', () => {
  const fromStatic = text('static file');
  const statics = (calls = []) => ({
    handle: (req) => fromStatic,
    handleOrNull: (req) => {
      calls.push(req.path);
      return req.path === '/file.txt' ? fromStatic : null;
    },
  });

  test('files first for GET, then the handler; undefined falls through to 404; sync stays sync', async () => {
    const handler = await loadHandler(`${APPS}/native-app.mjs`, ROOT);
    const app = composeApp(handler, statics());
    const hello = app.handle(request({ target: '/hello' }));
    assert.ok(!(hello instanceof Promise));
    assert.equal(hello.body, 'Hello from native\n');
    assert.equal(app.handle(request({ target: '/file.txt' })), fromStatic);
    const nf = app.handle(request({ target: '/missing' }));
    assert.ok(!(nf instanceof Promise));
    assert.deepEqual({ ...nf }, { status: 404, headers: ['Content-Type', 'text/plain; charset=utf-8'], body: 'Not Found\n' });
  });

  test('handler first: an asynchronous "not mine" falls through to the files', async () => {
    const handler = await loadHandler(`${APPS}/async-app.mjs`, ROOT);
    const app = composeApp(handler, statics(), { order: 'handler-first' });
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

  test('a plain App as handler answers everything the files do not (everything, handler first)', () => {
    const calls = [];
    const app = composeApp({ handle: () => text('app') }, statics(calls));
    assert.equal(app.handle(request({ target: '/file.txt' })), fromStatic);
    assert.equal(app.handle(request({ target: '/other' })).body, 'app');
    const first = [];
    const handlerFirst = composeApp({ handle: () => text('app') }, statics(first), { order: 'handler-first' });
    assert.equal(handlerFirst.handle(request({ target: '/file.txt' })).body, 'app');
    assert.deepEqual(first, []);
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

// --- with a real static app ------------------------------------------------------

const LONG = 'a line of text that compresses well\n'.repeat(100);

describe('composeApp with real static files', () => {
  let site;
  const apps = [];
  before(() => {
    site = makeSite('compose', {
      'index.html': '<h1>home</h1>\n',
      'hello.txt': 'hello\n',
      '404.html': '<h1>lost</h1>\n',
      'about.html': '<p>about</p>\n',
    });
  });
  after(async () => {
    for (const a of apps) await a.close();
    site.remove();
  });
  const files = (options = {}) => createStaticApp({ root: site.dir, ...options });
  const compose = (handler, options, fileOptions) => {
    const app = composeApp(handler, files(fileOptions), options);
    apps.push(app);
    return app;
  };
  /** A fetch-style handler that answers everything and counts its calls. */
  const counting = () => {
    const calls = [];
    const handler = handlerApp((req) => {
      calls.push(`${req.method} ${new URL(req.url).pathname}`);
      return new Response(`app: ${new URL(req.url).pathname}`, { status: 404 });
    });
    return { handler, calls };
  };

  test('GET and HEAD: an existing file is served and the fetch app is not asked; it gets the rest', async () => {
    const { handler, calls } = counting();
    const app = compose(handler);
    const file = app.handle(makeRequest('GET', '/hello.txt'));
    assert.ok(!(file instanceof Promise), 'a file stays synchronous');
    assert.equal((await bodyOf(file)).toString(), 'hello\n');
    assert.equal(app.handle(makeRequest('HEAD', '/')).status, 200);
    assert.equal(app.handle(makeRequest('GET', '/about')).status, 200, 'a clean URL is a file too');
    assert.deepEqual(calls, []);
    const miss = await app.handle(makeRequest('GET', '/api/x', { host: 'h' }));
    assert.equal(miss.status, 404);
    assert.equal(Buffer.from(miss.body).toString(), 'app: /api/x', "the app's 404, not 404.html");
    assert.deepEqual(calls, ['GET /api/x']);
  });

  test('other methods go to the handler first; a native handler that declines leaves them to the files', async () => {
    const { handler, calls } = counting();
    const app = compose(handler);
    assert.equal((await app.handle(makeRequest('POST', '/hello.txt', { host: 'h' }))).status, 404);
    assert.deepEqual(calls, ['POST /hello.txt']);
    const declining = compose(handlerApp({ handle: () => undefined }));
    const r = declining.handle(makeRequest('PUT', '/hello.txt'));
    assert.equal(r.status, 405);
    assert.equal(field(r, 'allow'), 'GET, HEAD, OPTIONS');
  });

  test("order 'handler-first': every request reaches the handler; native undefined still falls through to files", async () => {
    const { handler, calls } = counting();
    const app = compose(handler, { order: 'handler-first' });
    assert.equal((await app.handle(makeRequest('GET', '/hello.txt', { host: 'h' }))).status, 404, 'a fetch app never declines');
    assert.deepEqual(calls, ['GET /hello.txt']);
    const native = compose(handlerApp({ handle: (req) => (req.path === '/hello.txt' ? { status: 200, body: 'mine' } : undefined) }), { order: 'handler-first' });
    assert.equal(native.handle(makeRequest('GET', '/hello.txt')).body, 'mine');
    assert.equal((await bodyOf(native.handle(makeRequest('GET', '/index.html')))).toString(), '<h1>home</h1>\n');
  });

  test('nobody answers: the 404 page (or a plain 404 with notFoundPage: false), for every method', async () => {
    const app = compose(handlerApp({ handle: () => undefined }));
    for (const method of ['GET', 'HEAD', 'DELETE']) {
      const r = app.handle(makeRequest(method, '/nothing'));
      assert.equal(r.status, 404, method);
      assert.equal(field(r, 'content-type'), 'text/html; charset=utf-8', method);
    }
    assert.equal((await bodyOf(app.handle(makeRequest('GET', '/nothing')))).toString(), '<h1>lost</h1>\n');
    const plain = compose(null, {}, { notFoundPage: false }).handle(makeRequest('GET', '/nothing'));
    assert.equal(plain.body, 'Not Found\n');
    assert.equal(field(plain, 'content-type'), 'text/plain; charset=utf-8');
  });

  test('SPA: index.html comes after the handler, so a native API route is not swallowed', async () => {
    const api = handlerApp({ handle: (req) => (req.path.startsWith('/api/') ? { status: 200, body: 'api' } : undefined) });
    const app = compose(api, {}, { spa: true });
    assert.equal(app.handle(makeRequest('GET', '/api/users')).body, 'api');
    assert.equal((await bodyOf(app.handle(makeRequest('GET', '/some/route')))).toString(), '<h1>home</h1>\n');
  });

  test('CORS: preflights answered for any path without the handler; every reply carries the origin field once', async () => {
    let asked = 0;
    const app = compose(
      handlerApp({
        handle(req) {
          asked++;
          if (req.path === '/own') return { status: 200, headers: { 'Access-Control-Allow-Origin': 'https://only.example' }, body: 'own' };
          return req.path === '/api' ? { status: 200, body: 'api' } : undefined;
        },
      }),
      { cors: true },
    );
    const pre = app.handle(makeRequest('OPTIONS', '/anything', { 'Access-Control-Request-Method': 'DELETE', 'Access-Control-Request-Headers': 'x-a,bad header' }));
    assert.equal(pre.status, 204);
    assert.equal(field(pre, 'access-control-allow-methods'), 'DELETE');
    assert.equal(field(pre, 'access-control-allow-headers'), '*', 'not a token list: not echoed');
    assert.equal(asked, 0);
    for (const [target, status] of [['/api', 200], ['/hello.txt', 200], ['/nothing', 404]]) {
      const r = app.handle(makeRequest('GET', target));
      assert.equal(r.status, status, target);
      assert.equal(field(r, 'access-control-allow-origin'), '*', target);
    }
    assert.equal(field(app.handle(makeRequest('GET', '/own')), 'access-control-allow-origin'), 'https://only.example', "the handler's own policy wins");
    const filesOnly = compose(null, { cors: true });
    assert.equal(field(filesOnly.handle(makeRequest('OPTIONS', '/x', { 'Access-Control-Request-Method': 'PUT' })), 'access-control-allow-methods'), 'GET, HEAD, OPTIONS');
  });

  test('CORS on frozen replies: made once, still frozen (http/ encodes it once)', () => {
    const hello = text('hello');
    const app = compose(handlerApp({ handle: () => hello }), { cors: true });
    const a = app.handle(makeRequest('GET', '/x'));
    assert.ok(Object.isFrozen(a));
    assert.equal(app.handle(makeRequest('GET', '/y')), a);
    assert.equal(field(a, 'access-control-allow-origin'), '*');
    assert.equal(hello.headers.length, 2, 'the original is untouched');
  });

  test('the cors and compress options default to those of the static app', async () => {
    const app = compose(handlerApp({ handle: () => ({ status: 200, headers: ['Content-Type', 'text/plain'], body: LONG }) }), {}, { cors: true, compress: false });
    const r = app.handle(makeRequest('GET', '/x', { 'Accept-Encoding': 'gzip' }));
    assert.equal(field(r, 'access-control-allow-origin'), '*');
    assert.equal(field(r, 'content-encoding'), undefined);
    const overridden = compose(handlerApp({ handle: () => ({ status: 200, headers: ['Content-Type', 'text/plain'], body: LONG }) }), { cors: false, compress: true }, { cors: true, compress: false });
    const o = overridden.handle(makeRequest('GET', '/x', { 'Accept-Encoding': 'gzip' }));
    assert.equal(field(o, 'access-control-allow-origin'), undefined);
    assert.equal(field(o, 'content-encoding'), 'gzip');
  });
});

describe('composeApp: compression of handler replies', () => {
  const serve = (reply, options = {}) => composeApp(handlerApp({ handle: () => reply }), null, options);
  const ask = (app, encoding) => app.handle(makeRequest('GET', '/', encoding === undefined ? {} : { 'Accept-Encoding': encoding }));

  test('compressible types above the threshold: negotiated like files, with Vary', () => {
    const app = serve({ status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8', ETag: '"v1"', 'Accept-Ranges': 'bytes' }, body: LONG });
    const br = ask(app, 'gzip;q=0.8, br');
    assert.equal(field(br, 'content-encoding'), 'br');
    assert.equal(field(br, 'vary'), 'Accept-Encoding');
    assert.equal(field(br, 'etag'), 'W/"v1"', 'other bytes: a weak tag');
    assert.equal(field(br, 'accept-ranges'), undefined);
    assert.equal(zlib.brotliDecompressSync(br.body).toString(), LONG);
    const gz = ask(app, 'gzip');
    assert.equal(zlib.gunzipSync(gz.body).toString(), LONG);
    const none = ask(app);
    assert.equal(field(none, 'content-encoding'), undefined);
    assert.equal(field(none, 'vary'), 'Accept-Encoding');
    assert.equal(field(none, 'etag'), '"v1"');
    assert.equal(none.body, LONG);
  });

  test('left alone: small bodies, incompressible or missing types, their own coding, ranges, no-transform, 204/304, compress: false', () => {
    const cases = [
      { status: 200, headers: { 'Content-Type': 'text/plain' }, body: 'short' },
      { status: 200, headers: { 'Content-Type': 'image/png' }, body: LONG },
      { status: 200, body: LONG },
      { status: 200, headers: { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip' }, body: LONG },
      { status: 206, headers: { 'Content-Type': 'text/plain', 'Content-Range': 'bytes 0-9/100' }, body: LONG },
      { status: 200, headers: { 'Content-Type': 'text/plain', 'Cache-Control': 'public, no-transform' }, body: LONG },
    ];
    for (const reply of cases) {
      const r = ask(serve(reply), 'gzip, br');
      assert.equal(field(r, 'content-encoding'), reply.headers?.['Content-Encoding'], JSON.stringify(reply));
      assert.equal(field(r, 'vary'), undefined, JSON.stringify(reply));
    }
    const off = ask(serve({ status: 200, headers: { 'Content-Type': 'text/plain' }, body: LONG }, { compress: false }), 'gzip');
    assert.equal(field(off, 'content-encoding'), undefined);
  });

  test('an existing Vary is extended, not repeated', () => {
    const r = ask(serve({ status: 200, headers: { 'Content-Type': 'application/json', Vary: 'Cookie' }, body: LONG }), 'gzip');
    assert.deepEqual(field(r, 'vary'), 'Cookie, Accept-Encoding');
    const again = ask(serve({ status: 200, headers: { 'Content-Type': 'application/json', Vary: 'accept-encoding' }, body: LONG }), 'gzip');
    assert.equal(field(again, 'vary'), 'accept-encoding');
  });

  test('a frozen reply is compressed once per coding; the variants are frozen too', () => {
    const constant = reply(200, LONG, { 'content-type': 'text/css' });
    const app = serve(constant);
    const first = ask(app, 'br');
    assert.ok(Object.isFrozen(first));
    assert.equal(ask(app, 'br'), first);
    assert.notEqual(ask(app, 'gzip'), first);
    assert.equal(ask(app), ask(app), 'identity with Vary: made once too');
    assert.equal(ask(serve(text('small')), 'br').headers, text('small').headers, 'too small: the reply itself');
  });

  test('streams are compressed as they come, each chunk flushed at once', async () => {
    let produced = 0;
    async function* live() {
      for (let i = 0; i < 3; i++) {
        produced++;
        yield Buffer.from(`event ${i}\n`);
      }
    }
    const r = ask(serve({ status: 200, headers: { 'Content-Type': 'text/event-stream' }, body: live() }), 'gzip');
    assert.equal(field(r, 'content-encoding'), 'gzip');
    const chunks = [];
    for await (const c of r.body) {
      chunks.push(Buffer.from(c));
      if (chunks.length === 1) assert.equal(produced, 1, 'the first chunk came out before the second went in');
    }
    assert.equal(zlib.gunzipSync(Buffer.concat(chunks)).toString(), 'event 0\nevent 1\nevent 2\n');
  });

  test('a compressed stream never read (HEAD, a closed connection) still releases its source', async () => {
    let released = false;
    const source = {
      [Symbol.asyncIterator]() {
        return this;
      },
      next: async () => ({ done: false, value: Buffer.from('x') }),
      return: async () => {
        released = true;
        return { done: true, value: undefined };
      },
    };
    const r = ask(serve({ status: 200, headers: { 'Content-Type': 'text/plain' }, body: source }), 'gzip');
    await r.body[Symbol.asyncIterator]().return();
    assert.ok(released);
  });

  test('a large body is compressed as a stream, off the event loop', async () => {
    const big = LONG.repeat(50); // 180 KB > the synchronous limit
    const r = ask(serve({ status: 200, headers: { 'Content-Type': 'text/plain' }, body: big }), 'gzip');
    assert.equal(typeof r.body[Symbol.asyncIterator], 'function');
    assert.equal(zlib.gunzipSync(await bodyOf(r)).toString(), big);
  });
});
